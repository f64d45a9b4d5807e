// The bundles in build/: size budget (scripts/size.mjs), no eval anywhere, the package "exports"
// map sending each runtime's resolver to its entry, and every entry exporting the same API with
// type declarations.
import { build } from 'esbuild';
import { existsSync, mkdtempSync, mkdirSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { lastJson, root, run } from '../../scripts/runtimes/process.mjs';

const buildDir = join(root, 'build');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

describe('bundles', () => {
  it('stay within the size budgets: core + wasm <= 85 KB, whole entry + wasm <= 115 KB gzipped', async () => {
    const result = await run(process.execPath, ['scripts/size.mjs', '--json']);
    const report = lastJson(result.stdout);
    console.log(report.entries.map((e: any) => `${e.name}: core + wasm ${(e.core / 1000).toFixed(1)} KB, whole + wasm ${(e.whole / 1000).toFixed(1)} KB gzipped`).join('\n'));
    expect(result.stderr).toBe('');
    expect(report.budget).toEqual({ core: 85_000, whole: 115_000 });
    expect(report.entries.map((e: any) => e.name)).toEqual(['index.js', 'browser.js', 'edge.js', 'inline.js']);
    for (const e of report.entries) {
      expect(e.core, `${e.name} core`).toBeLessThanOrEqual(85_000);
      expect(e.whole, `${e.name} whole`).toBeLessThanOrEqual(115_000);
      // The core program is a real part of the entry: it trains, so it carries the model code.
      expect(e.core, e.name).toBeGreaterThan(report.wasm.gzip + 10_000);
      expect(e.core, e.name).toBeLessThanOrEqual(e.whole);
    }
    expect(report.ok).toBe(true);
    expect(result.code).toBe(0);
  });

  it('contain no eval or new Function', () => {
    const files = readdirSync(buildDir).filter((f) => f.endsWith('.js'));
    expect(files).toEqual(expect.arrayContaining(['index.js', 'browser.js', 'edge.js', 'inline.js', 'fit-worker.js', 'cli.js']));
    for (const f of files) {
      const text = readFileSync(join(buildDir, f), 'utf8');
      expect(text, f).not.toMatch(/(?<![\w$.])eval\s*\(/);
      expect(text, f).not.toMatch(/\bnew\s+Function\b/);
      expect(text, f).not.toMatch(/(?<![\w$.])Function\s*\(/);
      expect(text, f).not.toMatch(/setTimeout\s*\(\s*["'`]/);
    }
  });

  it('export the same API from every entry, with type declarations', async () => {
    const exportsOf = async (file: string) => {
      const r = await build({ entryPoints: [join(buildDir, file)], bundle: false, write: false, metafile: true, format: 'esm', outdir: '/tmp/unused', logLevel: 'silent' });
      return Object.values(r.metafile!.outputs)[0].exports.sort();
    };
    const node = await exportsOf('index.js');
    expect(node).toEqual(expect.arrayContaining(['init', 'fitInWorker', 'sequential', 'dense', 'modelFromBytes', 'loadModel']));
    for (const f of ['browser.js', 'edge.js', 'inline.js']) expect(await exportsOf(f), f).toEqual(node);
    for (const d of ['index.d.ts', 'entries/browser.d.ts', 'entries/edge.d.ts', 'entries/inline.d.ts']) {
      const text = readFileSync(join(buildDir, 'types', d), 'utf8');
      expect(text, d).toMatch(/export \* from '\.\.?\/api\.js'/);
    }
    const api = readFileSync(join(buildDir, 'types', 'api.d.ts'), 'utf8');
    expect(api).toMatch(/export \{ init \}/);
    expect(api).toMatch(/export \{ fitInWorker \}/);
  });

  describe('the exports map', () => {
    // A throwaway project with node_modules/dendrite -> this repository, resolved the way each
    // runtime's tooling does: esbuild with a platform and conditions, Node itself.
    const project = mkdtempSync(join(tmpdir(), 'dendrite-exports-'));
    mkdirSync(join(project, 'node_modules'));
    symlinkSync(root, join(project, 'node_modules', 'dendrite'), 'dir');
    writeFileSync(join(project, 'main.js'), "export * from 'dendrite';\n");
    afterAll(() => rmSync(project, { recursive: true, force: true }));

    const resolved = async (platform: 'node' | 'browser' | 'neutral', conditions: string[]) => {
      const r = await build({
        entryPoints: [join(project, 'main.js')], bundle: true, write: false, metafile: true, format: 'esm', platform, conditions,
        external: ['node:*', './dendrite.wasm', 'dendrite:*'], logLevel: 'silent', outdir: join(project, 'out'), preserveSymlinks: true,
      });
      const inputs = Object.keys(r.metafile!.inputs).filter((p) => p.includes('node_modules/dendrite/build/'));
      return inputs.map((p) => p.slice(p.indexOf('build/')));
    };

    it.each([
      ['workerd (wrangler)', 'browser', ['workerd', 'worker'], 'build/edge.js'],
      ['worker', 'neutral', ['worker'], 'build/edge.js'],
      ['deno', 'neutral', ['deno'], 'build/index.js'],
      ['node', 'node', [], 'build/index.js'],
      ['browser bundlers', 'browser', [], 'build/browser.js'],
      ['anything else', 'neutral', [], 'build/inline.js'],
    ] as const)('sends %s to its entry', async (_name, platform, conditions, file) => {
      expect(await resolved(platform, [...conditions])).toEqual([file]);
    });

    it('is what Node resolves, and every path in it exists', async () => {
      const { stdout } = await run(process.execPath, ['--input-type=module', '-e', "console.log(import.meta.resolve('dendrite'))"], { cwd: project });
      expect(stdout.trim()).toBe(`file://${join(root, 'build/index.js')}`); // through the symlink
      const paths: string[] = [];
      const walk = (v: unknown) => (typeof v === 'string' ? paths.push(v) : Object.values(v as object).forEach(walk));
      walk(pkg.exports);
      for (const p of paths) expect(existsSync(join(root, p)), p).toBe(true);
      for (const f of ['build/browser.js', 'build/edge.js', 'build/inline.js', 'build/fit-worker.js']) expect(pkg.files).toContain(f);
    });
  });
});
