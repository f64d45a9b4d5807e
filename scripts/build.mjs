// Bundles every entry into build/ with esbuild (run by `npm run build:js`, after build:wasm).
//   index.js       Node and Deno: reads dendrite.wasm beside itself
//   browser.js     browsers: `await init()` fetches dendrite.wasm beside itself (streaming compile)
//   edge.js        workerd / edge workers: `import wasm from './dendrite.wasm'` (kept as an import)
//   inline.js      any runtime that may compile bytes: the wasm embedded in a string
//   fit-worker.js  the training worker started by fitInWorker (every runtime with workers)
//   threads-worker.js  a kernel thread of the engine's pool (setThreads / init({ threads }))
//   cli.js         the `dendrite` command (Node)
// All ESM, es2022 (newer targets may emit Uint8Array.fromBase64, missing in Node 20). `node:*`
// built-ins stay imports: the browser-facing bundles only reach them through dynamic import()s on
// Node-only paths (saving files, the dataset cache, worker_threads).
import { build, transform } from 'esbuild';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

const library = {
  absWorkingDir: root,
  bundle: true,
  format: 'esm',
  target: 'es2022',
  outdir: 'build',
  external: ['node:*'],
  minify: true,
  legalComments: 'none',
  logLevel: 'warning',
  plugins: [],
};

/**
 * Error classes name themselves from new.target.name (ShapeError, ...), which minification would
 * mangle. esbuild's keepNames keeps them, but applied to the whole bundle it adds a call per
 * function and class that stops downstream bundlers from tree-shaking: so only src/errors.ts is
 * compiled with it.
 */
const errorNames = {
  name: 'error-names',
  setup(b) {
    b.onLoad({ filter: /[\\/]src[\\/]errors\.ts$/ }, async ({ path }) => {
      const { code } = await transform(readFileSync(path, 'utf8'), { loader: 'ts', keepNames: true, format: 'esm', target: 'es2022' });
      return { contents: code, loader: 'js' };
    });
  },
};
library.plugins.push(errorNames);

/**
 * `import latin1 from 'dendrite:wasm-latin1'` → build/dendrite.wasm as a string of one char per byte
 * (U+0000–U+00FF), printed as UTF-8: it gzips about 15 % smaller than base64 (esbuild's binary
 * loader), which keeps the inline entry inside the size budget.
 */
const embedWasm = {
  name: 'embed-wasm',
  setup(b) {
    b.onResolve({ filter: /^dendrite:wasm-latin1$/ }, () => ({ path: 'dendrite.wasm', namespace: 'embed-wasm' }));
    b.onLoad({ filter: /.*/, namespace: 'embed-wasm' }, () => {
      const bytes = readFileSync(`${root}build/dendrite.wasm`);
      return { contents: `export default ${JSON.stringify(bytes.toString('latin1'))};`, loader: 'js', watchFiles: [`${root}build/dendrite.wasm`] };
    });
  },
};

await Promise.all([
  build({ ...library, platform: 'node', entryPoints: { index: 'src/index.ts' } }),
  build({ ...library, platform: 'browser', entryPoints: { browser: 'src/entries/browser.ts' } }),
  build({ ...library, platform: 'browser', entryPoints: { edge: 'src/entries/edge.ts' }, external: ['node:*', './dendrite.wasm'] }),
  build({ ...library, platform: 'browser', entryPoints: { inline: 'src/entries/inline.ts' }, charset: 'utf8', plugins: [errorNames, embedWasm] }),
  build({ ...library, platform: 'browser', entryPoints: { 'fit-worker': 'src/worker/fit-worker.ts' } }),
  build({ ...library, platform: 'browser', entryPoints: { 'threads-worker': 'src/engine/threads/worker.ts' } }),
  build({
    ...library,
    platform: 'node',
    entryPoints: { cli: 'src/cli/bin.ts' },
    minify: false, // readable stack traces with --debug; not part of the size budget
    banner: { js: '#!/usr/bin/env node' },
  }),
]);
