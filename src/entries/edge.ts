// Edge workers (Cloudflare workerd, and bundlers that import .wasm as a compiled module): the wasm
// arrives as a WebAssembly.Module through an import, because workerd refuses to compile bytes at
// run time. Instantiating a module is allowed, so models work synchronously, without init().
// There are no workers to train in, so fitInWorker is unavailable here.
import wasm from './dendrite.wasm';
import { registerRuntime } from '../engine/runtime.js';

registerRuntime({ name: 'edge', loadSync: () => wasm });

export * from '../api.js';
