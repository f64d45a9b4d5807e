// Inline entry: the wasm is embedded in the bundle (one string char per byte, see
// scripts/build.mjs), so any bundler or runtime that may compile bytes works with zero
// configuration; workerd may not (use the edge entry there). Synchronous: no init() needed.
import latin1 from 'dendrite:wasm-latin1';
import { registerRuntime } from '../engine/runtime.js';

registerRuntime({
  name: 'inline',
  loadSync: () => new WebAssembly.Module(Uint8Array.from(latin1, (c) => c.charCodeAt(0))),
  workerScript: () => new URL('./fit-worker.js', import.meta.url),
});

export * from '../api.js';
