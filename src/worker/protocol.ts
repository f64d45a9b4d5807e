// Messages between fitInWorker (calling thread) and build/fit-worker.js, and the progress events
// users receive. Everything here survives structured cloning; big arrays travel as transfers.
import type { Weight } from '../layers/dense.js';
import type { Logs } from '../hooks.js';
import type { History } from '../model/loop.js';
import type { FitOptions } from '../model/options.js';
import type { InputData, TargetData } from '../model/inputs.js';
import type { TrainingState } from '../model/core.js';

/** The fit options that can cross to a worker (callbacks and signals cannot; see WorkerFitOptions). */
export type PortableFitOptions = Omit<FitOptions, 'callbacks' | 'signal' | 'verbose' | 'validationData'>;

/** Progress of a fit running in a worker; `type` tells which. */
export type WorkerFitEvent =
  | {
      type: 'trainBegin';
      /** fit's epochs: the index the run stops before (with initialEpoch, epochs initialEpoch .. epochs − 1 run, as Keras). */
      epochs: number;
      /** Gradient steps per epoch. */
      batchesPerEpoch: number;
      /** Training rows per epoch (after any validation split). */
      samplesPerEpoch: number;
      /** Kernel threads the worker's engine runs (see WorkerFitOptions.threads), and why not more. */
      threads: number;
      threadsReason: string;
    }
  | {
      type: 'batch';
      epoch: number;
      /** Batch index within the epoch. */
      batch: number;
      batchesPerEpoch: number;
      /** fit's batch logs: `batch`, `size`, `loss` (mean over the batch). */
      logs: Logs;
      /** Training throughput since the epoch began. */
      samplesPerSec: number;
    }
  | {
      type: 'epoch';
      epoch: number;
      /** fit's epoch logs: loss, metrics, and valLoss / val<Metric> with validation data. */
      logs: Logs;
      seconds: number;
      samplesPerSec: number;
      /** The weights at the epoch's end (copies, in getWeights order), when fitInWorker's `epochWeights` is true. */
      weights?: Weight[];
    }
  | {
      /** The worker stopped between two batches after pause(). */
      type: 'paused';
      epoch: number;
      batch: number;
    }
  | { type: 'resumed' };

export type ToWorker =
  | {
      type: 'start';
      /** The compiled module the calling thread runs: same kernels, same results. */
      wasm: WebAssembly.Module;
      /** The model file (config, compile settings, weights). */
      model: Uint8Array;
      state: TrainingState;
      x: InputData;
      y: TargetData;
      validationData?: [InputData, TargetData];
      options: PortableFitOptions;
      /** Minimum milliseconds between two 'batch' events (epoch events always go). */
      progressInterval: number;
      /** Kernel threads for the worker's engine. */
      threads: number;
      /** Send the weights with every 'epoch' event. */
      epochWeights: boolean;
    }
  | { type: 'pause' }
  | { type: 'resume' }
  | { type: 'stop' };

export type FromWorker =
  | { type: 'event'; event: WorkerFitEvent }
  | { type: 'done'; history: History; weights: Weight[]; state: TrainingState }
  | { type: 'error'; name: string; message: string; stack?: string };

/** The ArrayBuffers to transfer (not copy) with a training state. */
export function stateBuffers(s: TrainingState): ArrayBuffer[] {
  return s.slots.map((a) => a.buffer as ArrayBuffer);
}
