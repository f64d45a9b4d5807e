// Node and Deno hooks (index.ts imports them): the wasm file sits beside the bundle
// (build/dendrite.wasm next to build/index.js) or, when running from source, in ../../build/. It is read and compiled synchronously on first
// use, so no `await init()` is needed here; `init({ wasm })` can still point elsewhere.
import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { registerRuntime } from '../engine/runtime.js';
import '../engine/threads/enable.js'; // worker threads for the kernels (init({ threads }))


function besideModule(rel: string): URL | undefined {
  const url = new URL(rel, import.meta.url);
  return existsSync(fileURLToPath(url)) ? url : undefined;
}

/** The build file (builds.ts picks it: threads, relaxed SIMD) beside the bundle or in ../../build/. */
function wasmFile(file = 'dendrite.wasm'): URL {
  for (const rel of [`./${file}`, `../../build/${file}`]) {
    const url = besideModule(rel);
    if (url) return url;
  }
  throw new Error(`dendrite: build/${file} not found next to ${import.meta.url}; run "npm run build"`);
}

registerRuntime({
  name: 'node',
  loadSync: (file) => new WebAssembly.Module(readFileSync(wasmFile(file))),
  defaultWasm: wasmFile,
  // Node 20's fetch does not read file: URLs; paths and file: URLs come from the disk.
  async fetch(location) {
    const s = String(location);
    if (/^https?:/.test(s)) return fetch(s);
    return readFile(s.startsWith('file:') ? new URL(s) : s);
  },
  workerScript: () => besideModule('./fit-worker.js') ?? besideModule('../../build/fit-worker.js') ?? new URL('./fit-worker.js', import.meta.url),
});
