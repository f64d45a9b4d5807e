// fitInWorker: the same fit, run in a Web Worker (browsers, Deno) or a worker thread (Node), so the
// page or server stays responsive. The worker gets the calling thread's compiled module, the model
// file, the training state and the data (copied, or transferred on request); it sends progress
// events, and at the end the trained weights and state by transfer, which are written back into
// the model. Same seed ⇒ the same weights as model.fit on the calling thread.
import { checkObject, describe, finiteNumber, positiveInt } from '../check.js';
import { checkSeed } from '../engine/rng.js';
import { currentModule, runtimeName, workerScriptUrl } from '../engine/runtime.js';
import * as errors from '../errors.js';
import type { Weight } from '../layers/dense.js';
import { type History, hostTargets } from '../model/fit.js';
import { FIT_KEYS } from '../model/options.js';
import { type HostX, type HostY, type InputData, type TargetData, toHostX } from '../model/inputs.js';
import { Sequential } from '../model/sequential.js';
import type { Matrix } from '../types.js';
import { type Port, spawn } from './port.js';
import { type FromWorker, type PortableFitOptions, type ToWorker, type WorkerFitEvent, stateBuffers } from './protocol.js';

export interface WorkerFitOptions extends PortableFitOptions {
  /** Validation data [x, y], copied to the worker; takes precedence over validationSplit. */
  validationData?: [InputData, TargetData];
  /** Receives every progress event, on the calling thread. */
  onProgress?: (event: WorkerFitEvent) => void;
  /** Minimum milliseconds between two 'batch' events (epoch events always arrive). Default 100; 0 = every batch. */
  progressInterval?: number;
  /** Aborting it cancels the training, like `job.cancel()`. */
  signal?: AbortSignal;
  /**
   * Kernel threads inside the training worker, itself included. Default 1. More needs a build with
   * shared memory: Node, Deno, or a cross-origin isolated page (the worker may block where the
   * page's main thread may not). Capped at the cores; the 'trainBegin' event says what was got.
   * Results are bit-identical for any count.
   */
  threads?: number;
  /**
   * Move x / y's buffers to the worker instead of copying them: no copy, but those arrays become
   * unusable (length 0) on the calling thread. Default false.
   */
  transfer?: boolean;
  /**
   * Send a copy of the weights with every 'epoch' event (`event.weights`, in getWeights order), e.g.
   * to draw a convolution's filters as they learn. Default false: they cost one copy per epoch.
   */
  epochWeights?: boolean;
  /**
   * The worker: a URL of build/fit-worker.js (default: the one beside the entry's bundle), or a
   * `Worker` you created from it, e.g. `new Worker(new URL('dendrite/fit-worker', import.meta.url),
   * { type: 'module' })` for bundlers that rewrite worker URLs.
   */
  worker?: URL | string | Worker;
}

export interface WorkerFitResult {
  /** Per-epoch values, as model.fit returns. */
  history: History;
  /** The trained weights (also written into the model), moved from the worker without a copy. */
  weights: Weight[];
  /** Wall time from the call to the weights being back. */
  seconds: number;
}

export type WorkerFitStatus = 'starting' | 'running' | 'paused' | 'stopping' | 'done' | 'failed' | 'cancelled';

/** A fit running in a worker. */
export interface WorkerFit {
  /** Resolves when the weights are back in the model; rejects on error or cancel (AbortError). */
  readonly result: Promise<WorkerFitResult>;
  readonly status: WorkerFitStatus;
  /** Hold training between two batches (a 'paused' event confirms). */
  pause(): void;
  resume(): void;
  /** End after the current batch and keep what was trained (result resolves). */
  stop(): void;
  /** End now: the worker is terminated, the model keeps its weights from before, result rejects with AbortError. */
  cancel(): void;
}

const training = new WeakSet<Sequential>();

/**
 * Run `model.fit(x, y, options)` in a worker. The model must be compiled; it keeps answering
 * predict() with its previous weights until the result arrives. Throws at once on bad arguments.
 */
export function fitInWorker(model: Sequential, x: InputData, y: TargetData, options: WorkerFitOptions = {}): WorkerFit {
  if (!(model instanceof Sequential)) throw new errors.ValueError(`fitInWorker takes a model made by sequential(), got ${describe(model)}`);
  const core = model.core;
  core.assertUsable();
  if (!core.compiled) throw new errors.StateError('call compile({ optimizer, loss }) before fitInWorker');
  if (training.has(model)) throw new errors.StateError('this model is already training in a worker; await its result first');
  // The fit options that cross to the worker, and the worker's own (callbacks, signal, verbose cannot cross).
  const portable = FIT_KEYS.filter((k) => k !== 'callbacks' && k !== 'verbose' && k !== 'signal');
  checkObject(options, 'fitInWorker options', [...portable, 'onProgress', 'progressInterval', 'signal', 'transfer', 'worker', 'threads', 'epochWeights'], false);
  const { onProgress, progressInterval = 100, signal, transfer = false, worker, validationData, threads = 1, epochWeights = false, ...fitOptions } = options;
  if (onProgress !== undefined && typeof onProgress !== 'function') throw new errors.ValueError(`onProgress must be a function, got ${describe(onProgress)}`);
  finiteNumber(progressInterval, 'progressInterval', 0);
  positiveInt(threads, 'threads');
  if (typeof epochWeights !== 'boolean') throw new errors.ValueError(`epochWeights must be true or false, got ${describe(epochWeights)}`);
  const script = worker ?? workerScriptUrl();
  if (!script) throw new errors.StateError(`fitInWorker needs Web Workers or worker_threads, which the ${runtimeName() ?? 'current'} runtime does not have; use model.fit`);

  // The data is checked here, as fit would, so mistakes throw at the call; the worker gets it in
  // checked form (one typed array each).
  core.ensureBuilt(x, checkSeed(fitOptions.seed));
  const transfers: ArrayBuffer[] = [];
  const hx = toHostX(x, core.inputShape!);
  const hy = hostTargets(core, y, hx.rows);
  let val: [InputData, TargetData] | undefined;
  if (validationData !== undefined) {
    if (!Array.isArray(validationData) || validationData.length !== 2) throw new errors.ValueError('validationData must be [x, y]');
    const vx = toHostX(validationData[0], core.inputShape!, 'validationData x');
    const vy = hostTargets(core, validationData[1], vx.rows, 'validationData y');
    val = [portableX(vx, transfer, transfers), portableY(vy, transfer, transfers)];
  }
  const state = core.saveTrainingState();
  const start: ToWorker = {
    type: 'start',
    wasm: currentModule(),
    model: movable(model.toBytes(), true, transfers),
    state,
    x: portableX(hx, transfer, transfers),
    y: portableY(hy, transfer, transfers),
    validationData: val,
    options: fitOptions,
    progressInterval,
    threads,
    epochWeights,
  };
  transfers.push(...stateBuffers(state));
  return startJob(model, script, start, transfers, onProgress, signal);
}

function startJob(
  model: Sequential,
  script: URL | string | Worker,
  start: ToWorker,
  transfers: ArrayBuffer[],
  onProgress: ((e: WorkerFitEvent) => void) | undefined,
  signal: AbortSignal | undefined,
): WorkerFit {
  const began = performance.now();
  const partial: History = { epoch: [], history: {} };
  let status: WorkerFitStatus = 'starting';
  let port: Port<FromWorker, ToWorker> | undefined;
  const queued: ToWorker[] = [];
  let settle!: { resolve(r: WorkerFitResult): void; reject(e: unknown): void };
  const result = new Promise<WorkerFitResult>((resolve, reject) => (settle = { resolve, reject }));
  training.add(model);

  const finished = () => status === 'done' || status === 'failed' || status === 'cancelled';
  const end = (next: WorkerFitStatus) => {
    status = next;
    training.delete(model);
    port?.terminate();
    signal?.removeEventListener('abort', job.cancel);
  };
  const fail = (error: unknown) => {
    if (finished()) return;
    end('failed');
    settle.reject(error);
  };
  const send = (m: ToWorker) => (port ? port.post(m) : queued.push(m));

  const onMessage = (m: FromWorker) => {
    if (finished()) return;
    if (m.type === 'event') {
      const e = m.event;
      if (e.type === 'epoch') {
        partial.epoch.push(e.epoch);
        for (const [k, v] of Object.entries(e.logs)) (partial.history[k] ??= []).push(v);
      }
      try {
        onProgress?.(e);
      } catch (error) {
        fail(error);
      }
    } else if (m.type === 'done') {
      try {
        model.setWeights(m.weights);
        model.core.restoreTrainingState(m.state);
      } catch (error) {
        fail(error);
        return;
      }
      end('done');
      settle.resolve({ history: m.history, weights: m.weights, seconds: (performance.now() - began) / 1000 });
    } else {
      fail(rebuildError(m));
    }
  };

  const job: WorkerFit = {
    result,
    get status() {
      return status;
    },
    pause() {
      if (status !== 'running' && status !== 'starting') return;
      status = 'paused';
      send({ type: 'pause' });
    },
    resume() {
      if (status !== 'paused') return;
      status = 'running';
      send({ type: 'resume' });
    },
    stop() {
      if (finished() || status === 'stopping') return;
      status = 'stopping';
      send({ type: 'stop' });
    },
    cancel() {
      if (finished()) return;
      end('cancelled');
      const done = partial.epoch.length;
      settle.reject(new errors.AbortError(`training in the worker was cancelled after ${done} epoch(s); the model keeps its weights from before fitInWorker`, partial));
      result.catch(() => {}); // asked for: not an unhandled rejection if nobody awaits it
    },
  };
  job.cancel = job.cancel.bind(job);

  if (signal?.aborted) job.cancel();
  else signal?.addEventListener('abort', job.cancel, { once: true });
  if (finished()) return job;

  spawn<FromWorker, ToWorker>(script)
    .then((p) => {
      if (finished()) return p.terminate();
      port = p;
      p.onMessage(onMessage);
      p.onError(fail);
      p.post(start, transfers); // throws DataCloneError for an option that cannot be copied
      for (const m of queued.splice(0)) p.post(m);
      if (status === 'starting') status = 'running';
    })
    .catch(fail);
  return job;
}

/** x as one typed array for the worker: a copy, or the caller's own buffer when `transfer`. */
function portableX(h: HostX, transfer: boolean, list: ArrayBuffer[]): Matrix {
  return { data: movable(h.data, transfer, list), shape: [h.rows, h.cols], scale: h.scale };
}

function portableY(h: HostY, transfer: boolean, list: ArrayBuffer[]): TargetData {
  if (h.labels) return movable(h.labels, transfer, list);
  return { data: movable(h.dense!, transfer, list), shape: [h.rows, h.cols] };
}

function movable<T extends Float32Array | Uint8Array | Int32Array>(a: T, transfer: boolean, list: ArrayBuffer[]): T {
  // Only a whole, non-shared buffer can be moved; anything else is copied once into one that can.
  const whole = a.buffer instanceof ArrayBuffer && a.byteOffset === 0 && a.byteLength === a.buffer.byteLength;
  const out = transfer && whole ? a : (a.slice() as T);
  if (!list.includes(out.buffer as ArrayBuffer)) list.push(out.buffer as ArrayBuffer);
  return out;
}

/** The worker's error as the same dendrite error class on this side. */
function rebuildError(m: { name: string; message: string; stack?: string }): Error {
  const classes = errors as unknown as Record<string, new (message: string) => Error>;
  const Known = Object.hasOwn(classes, m.name) && m.name.endsWith('Error') ? classes[m.name] : undefined;
  const error = Known ? new Known(m.message) : new Error(m.message);
  error.name = m.name;
  if (m.stack) error.stack = `${error.name}: ${m.message}\n    (in the training worker)\n${m.stack.split('\n').slice(1).join('\n')}`;
  return error;
}
