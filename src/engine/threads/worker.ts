// A kernel thread (bundled as build/threads-worker.js; started by the engine's thread pool). It is
// sent the engine's compiled module and shared memory once, instantiates the module on that same
// memory, then never returns to its event loop: it spins on the job board (layout.ts),
// claims chunks of each job and runs them, and sleeps in Atomics.wait only after spinning for a
// while without work. Web Workers in browsers; worker_threads in Node and Deno (unref'd there, so
// they never keep a program alive).
import {
  F_RESULTS, FN_EXIT, I_CALLER_WAITING, I_CHUNKS, I_CLAIM, I_FINISHED, I_FN, I_STATUS, MAX_ARGS, claimChunk, jobOf, runChunk, sleepingIndex, type WorkerStart,
} from './layout.js';

type Kernel = (...args: number[]) => number | undefined;

function run(start: WorkerStart, ready: () => void): void {
  const { exports } = new WebAssembly.Instance(start.module, { env: { memory: start.memory } });
  (exports._initialize as (() => void) | undefined)?.();
  (exports.gemm_variant as (v: number) => void)(start.variant);
  const fns = start.names.map((n) => exports[n] as Kernel);
  const i32 = new Int32Array(start.memory.buffer, start.board);
  const f64 = new Float64Array(start.memory.buffer, start.board);
  const args = new Float64Array(MAX_ARGS);
  const sleeping = sleepingIndex(start.index);
  const spinMs = start.spinMicros / 1000;
  ready();
  let seen = jobOf(Atomics.load(i32, I_CLAIM)); // the job last seen
  for (;;) {
    // Wait for a new job: spin, then sleep until notified.
    let claim = Atomics.load(i32, I_CLAIM);
    if (jobOf(claim) === seen) {
      let t0 = performance.now();
      for (let spins = 1; jobOf(claim = Atomics.load(i32, I_CLAIM)) === seen; spins++) {
        if ((spins & 1023) === 0 && performance.now() - t0 > spinMs) {
          Atomics.store(i32, sleeping, 1);
          if (jobOf(claim = Atomics.load(i32, I_CLAIM)) === seen) Atomics.wait(i32, I_CLAIM, claim);
          Atomics.store(i32, sleeping, 0);
          t0 = performance.now();
        }
      }
    }
    const job = jobOf(claim);
    seen = job;
    const fn = i32[I_FN];
    if (fn === FN_EXIT) return;
    const chunks = i32[I_CHUNKS];
    // Claim chunks of this job from the back until none is left (or the job has changed under us).
    for (;;) {
      const c = claimChunk(i32, job, true);
      if (c < 0) break;
      try {
        f64[F_RESULTS + c] = runChunk(i32, f64, c, fns[fn], start.pack, args);
      } catch (e) {
        Atomics.store(i32, I_STATUS, 1);
        console.error(`dendrite kernel thread ${start.index}: ${start.names[fn]} failed:`, e);
      }
      if (Atomics.add(i32, I_FINISHED, 1) + 1 === chunks && Atomics.load(i32, I_CALLER_WAITING)) Atomics.notify(i32, I_FINISHED);
    }
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
