// Callbacks that steer or guard training: reduceLROnPlateau, learningRateScheduler and
// terminateOnNaN, with Keras 3's rules. The two learning-rate callbacks record the rate in the
// epoch's logs as `learningRate` (Keras: `learning_rate`), so it appears in the history.
import { checkObject, finiteNumber } from '../check.js';
import { ValueError } from '../errors.js';
import { Callback, type Logs } from './base.js';
import { type Mode, checkMode, monitorKey, monitoredValue } from './monitor.js';

export interface ReduceLROnPlateauOptions {
  /** Logged quantity to watch. Default 'valLoss'. */
  monitor?: string;
  /** New rate = rate · factor; must be < 1. Default 0.1. */
  factor?: number;
  /** Epochs without improvement before reducing. Default 10. */
  patience?: number;
  /** 'min', 'max' or 'auto' (max when the name contains 'acc', as Keras). Default 'auto'. */
  mode?: Mode;
  /** Smallest change that counts as an improvement. Default 1e-4. */
  minDelta?: number;
  /** Epochs to wait after a reduction before watching again. Default 0. */
  cooldown?: number;
  /** Lower bound of the rate. Default 0. */
  minLr?: number;
}

export class ReduceLROnPlateau extends Callback {
  readonly monitor: string;
  readonly factor: number;
  readonly patience: number;
  readonly mode: Mode;
  readonly minDelta: number;
  readonly cooldown: number;
  readonly minLr: number;
  wait = 0;
  cooldownCounter = 0;
  best = Infinity;
  private better!: (a: number, b: number) => boolean;

  constructor(o: ReduceLROnPlateauOptions = {}) {
    super();
    checkObject(o, 'reduceLROnPlateau()', ['monitor', 'factor', 'patience', 'mode', 'minDelta', 'cooldown', 'minLr']);
    this.monitor = monitorKey(o.monitor ?? 'valLoss', 'reduceLROnPlateau');
    this.factor = finiteNumber(o.factor ?? 0.1, 'reduceLROnPlateau factor', 0);
    if (this.factor >= 1) throw new ValueError(`reduceLROnPlateau does not support a factor >= 1, got ${this.factor}`);
    this.patience = finiteNumber(o.patience ?? 10, 'reduceLROnPlateau patience', 0);
    this.mode = checkMode(o.mode ?? 'auto', 'reduceLROnPlateau');
    this.minDelta = finiteNumber(o.minDelta ?? 1e-4, 'reduceLROnPlateau minDelta', 0);
    this.cooldown = finiteNumber(o.cooldown ?? 0, 'reduceLROnPlateau cooldown', 0);
    this.minLr = finiteNumber(o.minLr ?? 0, 'reduceLROnPlateau minLr', 0);
  }

  onTrainBegin(): void {
    // Keras: 'auto' means max only when the monitored name contains "acc".
    const max = this.mode === 'max' || (this.mode === 'auto' && this.monitor.toLowerCase().includes('acc'));
    this.better = max ? (a, b) => a > b + this.minDelta : (a, b) => a < b - this.minDelta;
    this.best = max ? -Infinity : Infinity;
    this.cooldownCounter = 0;
    this.wait = 0;
  }

  onEpochEnd(_epoch: number, logs: Logs): void {
    const opt = this.model!.core.compiled!.optimizer;
    logs.learningRate = opt.learningRate;
    const current = monitoredValue(this, logs, this.monitor, 'reduceLROnPlateau');
    if (current === undefined) return;
    if (this.cooldownCounter > 0) {
      this.cooldownCounter--;
      this.wait = 0;
    }
    if (this.better(current, this.best)) {
      this.best = current;
      this.wait = 0;
    } else if (this.cooldownCounter === 0 && ++this.wait >= this.patience) {
      const old = opt.learningRate;
      if (old > Math.fround(this.minLr)) {
        opt.learningRate = Math.max(old * this.factor, this.minLr);
        this.cooldownCounter = this.cooldown;
        this.wait = 0;
      }
    }
  }
}

/** Reduce the learning rate when a monitored quantity has stopped improving (Keras `ReduceLROnPlateau`). */
export function reduceLROnPlateau(options: ReduceLROnPlateauOptions = {}): ReduceLROnPlateau {
  return new ReduceLROnPlateau(options);
}

/** (epoch, current rate) → the rate for this epoch. */
export type EpochSchedule = (epoch: number, learningRate: number) => number;

export class LearningRateScheduler extends Callback {
  constructor(readonly schedule: EpochSchedule) {
    super();
    if (typeof schedule !== 'function') throw new ValueError('learningRateScheduler takes a function (epoch, learningRate) => learningRate');
  }

  onEpochBegin(epoch: number): void {
    const opt = this.model!.core.compiled!.optimizer;
    const lr = this.schedule(epoch, opt.learningRate);
    if (typeof lr !== 'number' || !Number.isFinite(lr)) throw new ValueError(`learningRateScheduler's function must return a finite number, got ${String(lr)} at epoch ${epoch}`);
    opt.learningRate = lr;
  }

  onEpochEnd(_epoch: number, logs: Logs): void {
    logs.learningRate = this.model!.core.compiled!.optimizer.learningRate;
  }
}

/** Set the learning rate at the start of every epoch from `schedule(epoch, rate)` (Keras `LearningRateScheduler`). */
export function learningRateScheduler(schedule: EpochSchedule): LearningRateScheduler {
  return new LearningRateScheduler(schedule);
}

export class TerminateOnNaN extends Callback {
  /** Batch at which training was stopped, if it was. */
  stoppedBatch?: number;
  /**
   * @internal A good batch never has a NaN loss in dendrite (such a step is not applied and fails
   * the batch), so fit only needs to call onBatchEnd for failed batches and keeps its fast path.
   */
  readonly onlyFailedBatches = true;

  onBatchEnd(batch: number, logs: Logs): void {
    const loss = logs.loss;
    if (loss !== undefined && !Number.isFinite(loss)) {
      console.warn(`dendrite: batch ${batch}: invalid loss, terminating training`);
      this.stoppedBatch = batch;
      this.model!.stopTraining = true;
    }
  }
}

/**
 * Stop training when a batch's loss is NaN or Infinity (Keras `TerminateOnNaN`). dendrite never
 * applies such a step: the weights stay those of the last good batch, and fit resolves normally
 * instead of rejecting with NumericError.
 */
export function terminateOnNaN(): TerminateOnNaN {
  return new TerminateOnNaN();
}
