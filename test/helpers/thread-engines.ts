// Engines on the threads build for the "1 and 2 kernel threads train the same bits" tests, with
// adaptive splitting off so that the two-thread engine always splits.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll } from 'vitest';
import { Engine } from '../../src/index.js';

const threadsModule = () => new WebAssembly.Module(readFileSync(new URL('../../build/dendrite-threads.wasm', import.meta.url)));

/** Call inside a describe: `one()` makes a fresh single-thread engine; `two()` is the suite's engine with 2 kernel threads. */
export function threadEngines(): { one: () => Engine; two: () => Engine } {
  let two: Engine;
  beforeAll(async () => {
    two = new Engine(threadsModule(), { adaptiveThreads: false });
    await two.setThreads(2);
  });
  afterAll(async () => {
    await two.setThreads(1);
  });
  return { one: () => new Engine(threadsModule(), { adaptiveThreads: false }), two: () => two };
}
