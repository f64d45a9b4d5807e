// Browser entry (pages and Web Workers). Nothing is fetched at import: `await init()` fetches
// dendrite.wasm from beside this bundle (or `init({ wasm })` from anywhere) with a streaming
// compile, once, before the first model. Training can move off the page with fitInWorker.
import { registerRuntime } from '../engine/runtime.js';
import '../engine/threads/enable.js'; // worker threads for the kernels, in isolated pages' workers

registerRuntime({
  name: 'browser',
  defaultWasm: (file) => new URL(file, import.meta.url),
  fetch: (location) => fetch(location),
  workerScript: () => new URL('./fit-worker.js', import.meta.url),
});

export * from '../api.js';
