// Cold start per runtime: from nothing to the first prediction of the reference MLP
// (784-256-128-10, batch 1), through each runtime's own entry.
//   node scripts/cold-start.mjs [--runtimes node,deno,chromium,workerd] [--repeat 5] [--json]
// Node and Deno: a fresh process each (spawnMs = process start to result, the rest measured
// inside). Chromium: a fresh page without HTTP cache (browser already running). workerd: a fresh
// server; timers are frozen inside requests, so the first and the second request are timed from
// outside. `measureColdStart()` is exported for bench/ to call.
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serve } from '../examples/browser/serve.mjs';
import { launchChromium } from './runtimes/chromium.mjs';
import { runDeno } from './runtimes/deno.mjs';
import { expectOk, lastJson, root, run } from './runtimes/process.mjs';
import { startWorkerd } from './runtimes/workerd.mjs';

const probe = (entry) => `
  import { coldStart } from ${JSON.stringify(join(root, 'scripts/runtimes/cold-start-probe.js'))};
  console.log(JSON.stringify(await coldStart(() => import(${JSON.stringify(entry)}))));`;

async function inProcess(command, args, input) {
  const t0 = performance.now();
  const result = await run(command, args, { input });
  const spawnMs = Math.round((performance.now() - t0) * 100) / 100;
  expectOk(result);
  return { ...lastJson(result.stdout), spawnMs };
}

const measure = {
  node: () => inProcess(process.execPath, ['--input-type=module', '-'], probe(join(root, 'build/index.js'))),
  async deno() {
    const t0 = performance.now();
    const result = await runDeno(['run', '--allow-read', '--ext=js', '-'], { input: probe('dendrite') });
    expectOk(result);
    return { ...lastJson(result.stdout), spawnMs: Math.round((performance.now() - t0) * 100) / 100 };
  },
  async chromium() {
    const [browser, server] = await Promise.all([launchChromium(), serve()]);
    try {
      const page = await browser.newPage();
      await page.goto(`${server.url}/examples/browser/style.css`);
      return await page.evaluate(`import('/scripts/runtimes/cold-start-probe.js').then((m) => m.coldStart(() => import('/build/browser.js')))`);
    } finally {
      await Promise.all([browser.close(), server.close()]);
    }
  },
  async workerd() {
    const dir = mkdtempSync(join(tmpdir(), 'dendrite-cold-'));
    const config = join(dir, 'config.capnp');
    // capnp embeds files relative to the config: put everything beside it.
    copyFileSync(join(root, 'scripts/runtimes/cold-start-worker.js'), join(dir, 'worker.js'));
    copyFileSync(join(root, 'build/edge.js'), join(dir, 'edge.js'));
    copyFileSync(join(root, 'build/dendrite.wasm'), join(dir, 'dendrite.wasm'));
    writeFileSync(
      config,
      `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [(name = "main", worker = .w)],
  sockets = [(name = "http", address = "127.0.0.1:0", http = (), service = "main")],
);
const w :Workerd.Worker = (
  modules = [
    (name = "worker.js", esModule = embed "worker.js"),
    (name = "dendrite", esModule = embed "edge.js"),
    (name = "dendrite.wasm", wasm = embed "dendrite.wasm"),
  ],
  compatibilityDate = "2025-01-01",
);
`,
    );
    const t0 = performance.now();
    const server = await startWorkerd(config, { readyPath: '/ready' });
    const startMs = performance.now() - t0;
    try {
      const time = async () => {
        const t = performance.now();
        const body = await (await fetch(server.url)).json();
        return [performance.now() - t, body];
      };
      const [firstRequestMs, first] = await time();
      const [secondRequestMs] = await time();
      if (!first.cold || first.classes !== 10) throw new Error(`unexpected answer ${JSON.stringify(first)}`);
      const ms = (v) => Math.round(v * 100) / 100;
      return { startMs: ms(startMs), firstRequestMs: ms(firstRequestMs), secondRequestMs: ms(secondRequestMs) };
    } finally {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  },
};

/**
 * Measure the given runtimes, each `repeat` times from scratch (one after another: they share the
 * CPU); resolves with { runtime: timings }, each timing the median of the runs.
 */
export async function measureColdStart(runtimes = Object.keys(measure), { repeat = 1 } = {}) {
  const results = {};
  for (const r of runtimes) {
    if (!measure[r]) throw new Error(`unknown runtime ${r}; expected: ${Object.keys(measure).join(', ')}`);
    const runs = [];
    for (let i = 0; i < repeat; i++) runs.push(await measure[r]());
    results[r] = Object.fromEntries(Object.keys(runs[0]).map((k) => [k, median(runs.map((t) => t[k]))]));
  }
  return results;
}

function median(values) {
  const v = [...values].sort((a, b) => a - b);
  return v.length % 2 ? v[(v.length - 1) / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2);
  const option = (name) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
  const results = await measureColdStart(option('--runtimes')?.split(','), { repeat: Number(option('--repeat') ?? 1) });
  if (args.includes('--json')) console.log(JSON.stringify(results));
  else for (const [r, t] of Object.entries(results)) console.log(`${r.padEnd(9)} ${Object.entries(t).map(([k, v]) => `${k} ${v}`).join('  ')}`);
}
