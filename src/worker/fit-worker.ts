// The training worker (bundled as build/fit-worker.js; started by fitInWorker). It instantiates the
// module it is sent, rebuilds the model from its file and state, runs the ordinary fit, and
// reports progress. Pause, resume and stop arrive as messages; fit yields to the event loop every
// few tens of milliseconds, which is when they are read. Cancel is the caller terminating us.
import { getEngine, setEngineSource } from '../engine/engine.js';
import '../engine/threads/enable.js'; // fitInWorker's `threads` option
import { modelFromBytes } from '../io/model-file.js';
import type { Logs } from '../hooks.js';
import { splitRows } from '../model/fit.js';
import type { History } from '../model/loop.js';
import type { Sequential } from '../model/sequential.js';
import type { Matrix } from '../types.js';
import { parentPort } from './port.js';
import { type FromWorker, type ToWorker, type WorkerFitEvent, stateBuffers } from './protocol.js';

const port = await parentPort<ToWorker, FromWorker>();
const control = { paused: false, stop: false, wake: undefined as (() => void) | undefined };

port.onMessage((m) => {
  if (m.type === 'start') void run(m).catch(report);
  else if (m.type === 'pause') control.paused = true;
  else {
    if (m.type === 'stop') control.stop = true;
    control.paused = false;
    control.wake?.();
  }
});

const emit = (event: WorkerFitEvent, transfers?: ArrayBuffer[]) => port.post({ type: 'event', event }, transfers);
const now = () => performance.now();

async function run(m: Extract<ToWorker, { type: 'start' }>): Promise<void> {
  setEngineSource(() => m.wasm);
  // This thread may block, unlike a page's main thread: kernel threads can help here.
  const engine = m.threads > 1 ? await getEngine().setThreads(m.threads) : getEngine().info();
  const model = modelFromBytes(m.model);
  model.core.restoreTrainingState(m.state);
  const o = m.options;
  const rows = (m.x as Matrix).shape[0]; // fitInWorker always sends a checked { data, shape }
  // fit's defaults: batchSize 32, epochs 1; validationSplit takes the tail unless validationData.
  const samplesPerEpoch = m.validationData ? rows : splitRows(rows, o.validationSplit ?? 0)[0];
  const batchesPerEpoch = Math.ceil(samplesPerEpoch / (o.batchSize ?? 32));
  let epoch = 0;
  let epochStart = 0;
  let seen = 0;
  let lastEvent = -Infinity;
  emit({ type: 'trainBegin', epochs: o.epochs ?? 1, batchesPerEpoch, samplesPerEpoch, threads: engine.threads, threadsReason: engine.threadsReason });
  const history = await model.fit(m.x, m.y, {
    ...o,
    validationData: m.validationData,
    callbacks: {
      onEpochBegin(e: number) {
        epoch = e;
        epochStart = now();
        seen = 0;
      },
      async onBatchEnd(batch: number, logs: Logs) {
        seen += logs.size;
        const t = now();
        if (t - lastEvent >= m.progressInterval) {
          lastEvent = t;
          emit({ type: 'batch', epoch, batch, batchesPerEpoch, logs, samplesPerSec: rate(seen, t - epochStart) });
        }
        if (control.paused && !control.stop) {
          emit({ type: 'paused', epoch, batch });
          await new Promise<void>((resolve) => (control.wake = resolve));
          control.wake = undefined;
          if (!control.stop) emit({ type: 'resumed' });
          epochStart += now() - t; // time paused is not training time
        }
        if (control.stop) model.stopTraining = true;
      },
      onEpochEnd(e: number, logs: Logs) {
        const seconds = (now() - epochStart) / 1000;
        const weights = m.epochWeights ? model.getWeights() : undefined; // fresh copies: moved, not cloned
        emit({ type: 'epoch', epoch: e, logs, seconds, samplesPerSec: rate(seen, seconds * 1000), ...(weights && { weights }) }, weights?.map((w) => w.data.buffer as ArrayBuffer));
        // Give a control message sent in answer to this event (pause at epoch end, say) the time to
        // arrive before the next epoch starts: one macrotask turn, about a millisecond per epoch.
        return new Promise<void>((resolve) => setTimeout(resolve, 1));
      },
    },
  });
  if (engine.threads > 1) await getEngine().setThreads(1); // end the kernel threads before we are terminated
  finish(model, history);
}

function finish(model: Sequential, history: History): void {
  const weights = model.getWeights();
  const state = model.core.saveTrainingState();
  const buffers = [...weights.map((w) => w.data.buffer as ArrayBuffer), ...stateBuffers(state)];
  port.post({ type: 'done', history, weights, state }, buffers);
}

function report(error: unknown): void {
  const e = error instanceof Error ? error : new Error(String(error));
  port.post({ type: 'error', name: e.name, message: e.message, stack: e.stack });
}

const rate = (samples: number, ms: number) => (ms > 0 ? (samples * 1000) / ms : 0);
