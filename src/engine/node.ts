// Node (and Deno) entry glue: the wasm file sits beside the bundle (build/dendrite.wasm next to
// build/index.js) or, when running from source, in ../../build/.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { setEngineSource } from './engine.js';

const candidates = ['./dendrite.wasm', '../../build/dendrite.wasm'];

setEngineSource(() => {
  for (const rel of candidates) {
    const path = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(path)) return readFileSync(path);
  }
  throw new Error(`dendrite: build/dendrite.wasm not found next to ${import.meta.url}; run "npm run build"`);
});
