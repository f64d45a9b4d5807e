// Node / Deno entry: the wasm is read from the file beside the bundle, then the public API.
import './entries/node.js';

export * from './api.js';
