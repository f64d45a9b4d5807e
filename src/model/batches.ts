// Data that does not sit in memory as a whole: fit from a sync or async iterable of batches
// (Keras fit(generator), TF.js fitDataset), and the single-batch calls trainOnBatch, testOnBatch,
// predictOnBatch. Each batch is converted on the host and written straight into the model's slots
// (growing them if a batch is larger than any before); the epoch loop is the one fit uses.
import type { Callbacks, Logs } from '../hooks.js';
import { describe } from '../check.js';
import { Rng } from '../engine/rng.js';
import { ValueError } from '../errors.js';
import { checkMemory } from './budget.js';
import { writeRows } from './device.js';
import { checkOutputs, evaluateArrays, hostTargets } from './fit.js';
import { type InputData, type TargetData, toHostX } from './inputs.js';
import { type Batch, type BatchOptions, type Batches, type FitDatasetOptions, checkFitDatasetOptions } from './options.js';
import { type History, runEpochs } from './loop.js';
import { type ClassWeight, type SampleWeight, rowWeights } from './sample-weights.js';

export type { Batch, Batches, BatchOptions, FitDatasetOptions };
import type { ModelCore } from './core.js';
import { forward, metricLogs, trainStep } from './step.js';
import { Tally } from './tally.js';
import { Tensor2D } from './tensor.js';

type AnyIterator = Iterator<Batch> | AsyncIterator<Batch>;

/** A restartable view of Batches: `next()` gives batches; `restart()` a fresh iterator if possible. */
class BatchStream {
  private it?: AnyIterator;
  /** Batches given since the iterator was opened. */
  private count = 0;
  constructor(private readonly source: Batches, private readonly what: string) {}

  private open(): AnyIterator {
    const src = typeof this.source === 'function' ? this.source() : this.source;
    if (src && typeof (src as AsyncIterable<Batch>)[Symbol.asyncIterator] === 'function') return (src as AsyncIterable<Batch>)[Symbol.asyncIterator]();
    if (src && typeof (src as Iterable<Batch>)[Symbol.iterator] === 'function') return (src as Iterable<Batch>)[Symbol.iterator]();
    throw new ValueError(`${this.what} must be an iterable or async iterable of batches (or a function returning one), got ${describe(src)}`);
  }

  /**
   * The next batch, or undefined at the end of the data. With `wrap`, the end of a pass that gave
   * batches starts a new pass when the source can (Keras' steps_per_epoch over finite data).
   */
  async next(wrap = false): Promise<Batch | undefined> {
    this.it ??= this.open();
    const r = await this.it.next();
    if (!r.done) {
      this.count++;
      return r.value;
    }
    if (wrap && this.count > 0 && this.restart()) return this.next(false);
    return undefined;
  }

  /** Start a new pass; false when the source cannot give a fresh iterator (a spent generator). */
  restart(): boolean {
    const old = this.it;
    this.it = this.open();
    this.count = 0;
    return this.it !== old;
  }
}

export async function fitBatches(model: ModelCore, source: Batches, options: FitDatasetOptions): Promise<History> {
  const o = checkFitDatasetOptions(options);
  const { steps, valSteps, seed } = o;
  const train = new BatchStream(source, 'fitDataset data');
  const val = o.validationData;
  // Arrays are [x, y(, sampleWeight)]; anything else is a stream of batches.
  const valArrays = Array.isArray(val) ? val : undefined;
  const valStream = val !== undefined && !valArrays ? new BatchStream(val as Batches, 'validationData') : undefined;
  if (seed !== undefined && model.built) model.rng = new Rng(seed);
  let first = true;
  return runEpochs(model, o, {
    async *epoch(epoch) {
      if (!first && steps === undefined) train.restart();
      // The loop stops pulling once model.stopTraining is set, so the checks after this loop only
      // run when the data ended or gave the steps asked for.
      let done = 0;
      for (; steps === undefined || done < steps; done++) {
        const batch = await train.next(steps !== undefined);
        if (batch === undefined) break;
        if (first) {
          checkMemory(model, 'fitDataset', [batchX(batch)], { batchSize: Infinity, training: true, wholeData: false });
          model.ensureBuilt(batchX(batch), seed);
          // Validation arrays are checked before the first step, not after the first epoch.
          if (valArrays) checkValidationArrays(model, valArrays);
          model.ensureOptimizerState();
          first = false;
        }
        yield writeBatch(model, batch, o.classWeight);
      }
      if (done === 0 && !model.stopTraining) {
        if (first) throw new ValueError('fitDataset: the data gave no batches');
        console.warn(`dendrite: the data ran out at epoch ${epoch}; training stops. Give a function returning a fresh iterable, or data for ${steps ?? 'every'} batches per epoch × epochs.`);
        return false;
      }
      if (steps !== undefined && done < steps && !model.stopTraining) {
        console.warn(`dendrite: the data ran out after ${done} of ${steps} batches at epoch ${epoch}; training stops.`);
        return false;
      }
      return true;
    },
    validate: valArrays
      ? () => evaluateArrays(model, valArrays[0], valArrays[1], { sampleWeight: valArrays[2] })
      : valStream
        ? () => evaluateStream(model, valStream, valSteps)
        : undefined,
  });
}

/** validationData given as [x, y(, sampleWeight)]: checked as evaluate will take them. */
function checkValidationArrays(model: ModelCore, [x, y, w]: unknown[]): void {
  const rows = toHostX(x, model.inputShape!, 'validationData x').rows;
  rowWeights(hostTargets(model, y, rows, 'validationData y'), w, undefined, 'validationData sampleWeight');
}

/** Loss and metrics over one pass of validation batches. */
async function evaluateStream(model: ModelCore, stream: BatchStream, steps?: number): Promise<Logs> {
  stream.restart();
  const tally = new Tally(model);
  for (let i = 0; steps === undefined || i < steps; i++) {
    const batch = await stream.next();
    if (batch === undefined) break;
    const { rows, labels, weighted } = writeBatch(model, batch);
    tally.add(rows, labels, weighted);
  }
  if (tally.rows === 0) throw new ValueError('validationData gave no batches');
  return tally.logs();
}

function batchX(b: Batch): InputData {
  if (b === null || typeof b !== 'object') throw new ValueError(`a batch must be { x, y, sampleWeight? } or [x, y, sampleWeight?], got ${describe(b)}`);
  return Array.isArray(b) ? b[0] : (b as { x: InputData }).x;
}

/** Check a batch and write it into the model's slots (growing them if needed). */
function writeBatch(model: ModelCore, batch: Batch, classWeight?: ClassWeight, sampleWeight?: SampleWeight): { rows: number; labels: boolean; weighted: boolean } {
  if (batch === null || typeof batch !== 'object') throw new ValueError(`a batch must be { x, y, sampleWeight? } or [x, y, sampleWeight?], got ${describe(batch)}`);
  const [x, y, sw] = Array.isArray(batch) ? batch : [batch.x, batch.y, batch.sampleWeight];
  if (y === undefined) throw new ValueError('a training batch needs targets: { x, y } or [x, y]');
  model.ensureBuilt(x);
  const hx = toHostX(x, model.inputShape!);
  const hy = hostTargets(model, y, hx.rows);
  const w = rowWeights(hy, sw ?? sampleWeight, classWeight);
  model.ensureCapacity(hx.rows);
  writeRows(model.engine, hx, model.input);
  const e = model.engine;
  if (hy.labels) e.i32.set(hy.labels, model.target >>> 2);
  else e.f32.set(hy.dense!, model.target >>> 2);
  if (w) e.f32.set(w, model.sampleWeights >>> 2);
  return { rows: hx.rows, labels: !!hy.labels, weighted: !!w };
}

export function trainOnBatch(model: ModelCore, x: InputData, y: TargetData, o: BatchOptions): Logs {
  model.ensureBuilt(x);
  const { rows, labels, weighted } = writeBatch(model, [x, y], o.classWeight, o.sampleWeight);
  model.ensureOptimizerState();
  const acc = new Float64Array(model.compiled!.metricSize);
  trainStep(model, rows, labels, weighted, acc, new Float64Array(2), -1, 0);
  const logs: Logs = { loss: model.lossSum[0] / rows };
  metricLogs(model, acc, logs);
  return logs;
}

export function testOnBatch(model: ModelCore, x: InputData, y: TargetData, o: BatchOptions): Logs {
  model.ensureBuilt(x);
  const { rows, labels, weighted } = writeBatch(model, [x, y], o.classWeight, o.sampleWeight);
  const tally = new Tally(model);
  tally.add(rows, labels, weighted);
  return tally.logs();
}

export function predictOnBatch(model: ModelCore, x: InputData): Tensor2D {
  model.ensureBuilt(x);
  const hx = toHostX(x, model.inputShape!);
  model.ensureCapacity(hx.rows);
  writeRows(model.engine, hx, model.input);
  const out = forward(model, hx.rows, false, false);
  const units = model.outputSize;
  checkOutputs(model, out, hx.rows, units, 0, 'predictOnBatch');
  return new Tensor2D(model.engine.readF32(out, hx.rows * units), [hx.rows, units]);
}
