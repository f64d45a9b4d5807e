// A kernel thread (bundled as build/threads-worker.js; started by the engine's thread pool). It is
// sent the engine's compiled module and shared memory once, instantiates the module on that same
// memory, then never returns to its event loop: it spins on its job slot (threads-layout.ts), runs
// the kernel it is given over its share of rows or columns (unless the calling thread took the job
// back first), and sleeps in Atomics.wait only after spinning for a while without work. Web Workers
// (browsers, Deno) and Node's worker_threads.
import { F_ARGS, F_RESULT, FN_EXIT, I_CLAIM, I_DONE, I_FN, I_SEQ, I_SLEEPING, I_STATUS, I_WAITING, type WorkerStart } from './threads-layout.js';

type Kernel = (...args: number[]) => number | undefined;

function run(start: WorkerStart, ready: () => void): void {
  const { exports } = new WebAssembly.Instance(start.module, { env: { memory: start.memory } });
  const init = exports._initialize as (() => void) | undefined;
  if (init) init();
  (exports.gemm_variant as (v: number) => void)(start.variant);
  const fns = start.names.map((n) => exports[n] as Kernel);
  const i32 = new Int32Array(start.memory.buffer, start.slot, 64);
  const f64 = new Float64Array(start.memory.buffer, start.slot, 32);
  const spin = start.spinMicros / 1000;
  ready();
  let seen = Atomics.load(i32, I_SEQ);
  for (;;) {
    let seq = Atomics.load(i32, I_SEQ);
    if (seq === seen) {
      let t0 = performance.now();
      for (let spins = 1; (seq = Atomics.load(i32, I_SEQ)) === seen; spins++) {
        if ((spins & 1023) === 0 && performance.now() - t0 > spin) {
          Atomics.store(i32, I_SLEEPING, 1);
          Atomics.wait(i32, I_SEQ, seen);
          Atomics.store(i32, I_SLEEPING, 0);
          t0 = performance.now();
        }
      }
    }
    seen = seq;
    const fn = i32[I_FN];
    if (fn === FN_EXIT) return;
    if (Atomics.compareExchange(i32, I_CLAIM, (seq - 1) | 0, seq) !== ((seq - 1) | 0)) continue; // the caller took it
    let status = 0;
    let result = 0;
    try {
      const a = F_ARGS;
      const r = fns[fn](f64[a], f64[a + 1], f64[a + 2], f64[a + 3], f64[a + 4], f64[a + 5], f64[a + 6], f64[a + 7], f64[a + 8], f64[a + 9], f64[a + 10], f64[a + 11], f64[a + 12], f64[a + 13]);
      if (typeof r === 'number') result = r;
    } catch (e) {
      status = 1;
      console.error(`dendrite kernel thread: ${start.names[fn]} failed:`, e);
    }
    f64[F_RESULT] = result;
    i32[I_STATUS] = status;
    Atomics.store(i32, I_DONE, seq);
    if (Atomics.load(i32, I_WAITING)) Atomics.notify(i32, I_DONE);
  }
}

const scope = globalThis as unknown as { postMessage?: (m: unknown) => void; addEventListener?: (t: string, h: (e: MessageEvent) => void) => void; close?: () => void };
if (typeof scope.postMessage === 'function' && typeof scope.addEventListener === 'function') {
  scope.addEventListener('message', (e) => {
    run(e.data as WorkerStart, () => scope.postMessage!('ready'));
    scope.close?.();
  });
} else {
  const { parentPort } = await import('node:worker_threads');
  if (!parentPort) throw new Error('build/threads-worker.js must run as a worker thread (the engine starts it)');
  const port = parentPort;
  port.once('message', (m: WorkerStart) => {
    run(m, () => port.postMessage('ready'));
    port.close();
  });
}
