// Gzipped sizes of the bundles in build/ and the two budgets (exit code 1 above either):
//   core:  a program that trains and predicts (init, sequential, dense, an optimizer, compile,
//          fit, evaluate, predict, model bytes), bundled from each entry by esbuild with tree
//          shaking as an app's bundler would, plus the one wasm it loads (the largest of the
//          builds): <= 85 KB gzipped (DESIGN §6: well under 100 KB; convolutions and the strict
//          model-file schema took the old 60 KB, the fused conv + pool inference kernel and the
//          padding / upsampling layers the 80) (issue 5; TF.js core + layers are ≈ 480 KB).
//   whole: everything an entry exports (interop, storage, datasets, worker training) plus the
//          wasm: <= 115 KB gzipped (DESIGN §6 said 100; ONNX import took ≈ 9.6 KB of it, all of
//          which an app that does not import ONNX files tree-shakes away: the core does not grow;
//          the Winograd convolution kernels ≈ 1.9 KB of wasm took it past 112).
// `node scripts/size.mjs` prints a table, `--json` the report. npm test enforces both
// (test/runtimes/bundles.test.ts).
import { build } from 'esbuild';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

/** Bytes, gzip -9 (KB read as 1,000 bytes: the stricter reading). */
export const BUDGET = { core: 85_000, whole: 115_000 };

const buildDir = fileURLToPath(new URL('../build/', import.meta.url));
// The builds (baseline, threads, relaxed, …): an entry loads one; the largest one counts.
const WASM_BUILDS = /^dendrite(-[a-z-]+)?\.wasm$/;
// Entry bundle → whether the wasm is a separate file it loads (inline carries its own).
const ENTRIES = { 'index.js': true, 'browser.js': true, 'edge.js': true, 'inline.js': false };
const OTHERS = ['fit-worker.js', 'threads-worker.js', 'cli.js'];

/** The core program: what a page or server that trains and predicts imports and calls. */
const CORE_APP = (entry) => `
import { init, sequential, dense, adam, modelFromBytes } from ${JSON.stringify(entry)};
await init();
const model = sequential([dense({ units: 16, activation: 'relu', inputShape: [4] }), dense({ units: 3, activation: 'softmax' })]);
model.compile({ optimizer: adam(), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
await model.fit(new Float32Array(8), [0, 1], { epochs: 2, validationSplit: 0.5 });
console.log(model.evaluate(new Float32Array(4), [2]), model.predict(new Float32Array(4)).argMax(), modelFromBytes(model.toBytes()));
`;

const gzip = (bytes) => gzipSync(bytes, { level: 9 }).length;

function file(name) {
  const path = buildDir + name;
  if (!existsSync(path)) throw new Error(`build/${name} is missing: run "npm run build"`);
  const bytes = readFileSync(path);
  return { raw: bytes.length, gzip: gzip(bytes) };
}

/** The core program bundled (tree-shaken, minified) against build/<entry>. */
async function coreApp(entry) {
  const r = await build({
    stdin: { contents: CORE_APP(buildDir + entry), resolveDir: buildDir, loader: 'js' },
    bundle: true, write: false, format: 'esm', target: 'es2022', minify: true, charset: 'utf8',
    platform: entry === 'index.js' ? 'node' : 'browser', external: ['node:*', './dendrite.wasm'], logLevel: 'silent',
  });
  return gzip(r.outputFiles[0].contents);
}

export async function report() {
  const builds = readdirSync(buildDir).filter((f) => WASM_BUILDS.test(f));
  if (!builds.includes('dendrite.wasm')) file('dendrite.wasm'); // throws: not built
  const wasm = builds.map((name) => ({ name, ...file(name) })).sort((a, b) => b.gzip - a.gzip)[0];
  const entries = [];
  for (const [name, separateWasm] of Object.entries(ENTRIES)) {
    const js = file(name);
    const plusWasm = separateWasm ? wasm.gzip : 0;
    const core = (await coreApp(name)) + plusWasm;
    const whole = js.gzip + plusWasm;
    entries.push({ name, ...js, core, whole, ok: core <= BUDGET.core && whole <= BUDGET.whole });
  }
  const others = OTHERS.filter((name) => existsSync(buildDir + name)).map((name) => ({ name, ...file(name) }));
  return { budget: BUDGET, wasm, entries, others, ok: entries.every((e) => e.ok) };
}

const kb = (n) => `${(n / 1000).toFixed(1)} KB`.padStart(10);

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = await report();
  if (process.argv.includes('--json')) console.log(JSON.stringify(r));
  else {
    const col = (name) => name.padEnd(22);
    console.log(`${col('gzip -9')}       raw      gzip core+wasm whole+wasm`);
    console.log(`${col(r.wasm.name)}${kb(r.wasm.raw)}${kb(r.wasm.gzip)}   (the largest build)`);
    for (const e of r.entries) console.log(`${col(e.name)}${kb(e.raw)}${kb(e.gzip)}${kb(e.core)}${kb(e.whole)}${e.ok ? '' : '  OVER BUDGET'}`);
    for (const e of r.others) console.log(`${col(e.name)}${kb(e.raw)}${kb(e.gzip)}   (loaded on demand, not in the budget)`);
    console.log(`budgets: core + wasm <= ${kb(r.budget.core).trim()}, whole entry + wasm <= ${kb(r.budget.whole).trim()}: ${r.ok ? 'ok' : 'EXCEEDED'}`);
  }
  if (!r.ok) process.exitCode = 1;
}
