// The job slot each worker thread shares with the calling thread, inside the engine's shared wasm
// memory (so no message passing per job). One slot per worker, 256 bytes, 64-byte aligned; the
// calling thread writes the first two cache lines, the worker the third, so the two never write the
// same line. Offsets are in i32 units (I_*) or f64 units (F_*) from the slot's start.
//
//   bytes   0..127  calling thread: seq (job number), fn (kernel index, -1 = exit), args (f64 × 14)
//   bytes 128..191  worker: done (last finished seq), sleeping (in Atomics.wait), status, result (f64)
//   bytes 192..255  both: waiting (the caller sleeps in Atomics.wait for done), claim (last job taken)
//
// A job: the caller writes fn and args, then Atomics.store(seq, seq + 1) (which publishes them) and
// notifies only if the worker sleeps. Whoever first moves claim from seq - 1 to seq (compareExchange)
// runs the job: normally the spinning worker, within a microsecond; but when the worker sleeps or
// the OS has descheduled it (a busy machine), the caller, done with its own part, takes the job and
// runs it itself instead of waiting. The worker runs fn(...args), stores the result, then
// Atomics.store(done, seq), and notifies only if the caller waits. Every flag is read and written
// with Atomics, whose sequential consistency rules out a lost wake-up: each side raises its own
// flag before it re-reads the other side's counter and waits on it.

export const SLOT_BYTES = 256;
export const MAX_ARGS = 14;

export const I_SEQ = 0;
export const I_FN = 1;
export const F_ARGS = 1; // f64 index of args[0] (byte 8)
export const I_DONE = 32;
export const I_SLEEPING = 33;
/** 0 = ok, 1 = the kernel threw (the message went to the console of the worker). */
export const I_STATUS = 34;
export const F_RESULT = 18; // byte 144
export const I_WAITING = 48;
export const I_CLAIM = 49;

/** fn value that makes a worker leave its loop. */
export const FN_EXIT = -1;

/** What a worker is sent once, at start. */
export interface WorkerStart {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  /** Byte address of this worker's slot. */
  slot: number;
  /** Kernel export names; a job's fn is an index into this list. */
  names: string[];
  /** GEMM tile variant (gemm_variant), as on the calling thread. */
  variant: number;
  /** Microseconds to spin on seq before sleeping in Atomics.wait. */
  spinMicros: number;
}
