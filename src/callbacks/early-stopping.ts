// earlyStopping: stop when a monitored quantity stops improving (Keras 3 EarlyStopping, same
// rules): an epoch improves when it beats the best so far by more than minDelta; `patience`
// epochs without improvement stop training (never after the first epoch); with a baseline, the
// wait only restarts once the baseline is beaten too; restoreBestWeights puts back the weights
// of the best epoch at the end of training.
import { checkObject, finiteNumber } from '../check.js';
import type { Weight } from '../layers/layer.js';
import { Callback, type Logs } from './base.js';
import { type Mode, checkMode, monitorKey, monitoredValue, resolveMode } from './monitor.js';

export interface EarlyStoppingOptions {
  /** Logged quantity to watch. Default 'valLoss' (Keras 'val_loss' also accepted). */
  monitor?: string;
  /** Smallest change that counts as an improvement. Default 0. */
  minDelta?: number;
  /** Epochs without improvement before stopping. Default 0. */
  patience?: number;
  /** 'min', 'max' or 'auto' (from the quantity's name). Default 'auto'. */
  mode?: Mode;
  /** Value the quantity must beat for the wait to restart. Default none. */
  baseline?: number;
  /** At the end of training, restore the weights of the best epoch. Default false. */
  restoreBestWeights?: boolean;
  /** Epochs to wait before watching at all (warm-up). Default 0. */
  startFromEpoch?: number;
}

export class EarlyStopping extends Callback {
  readonly monitor: string;
  readonly minDelta: number;
  readonly patience: number;
  readonly mode: Mode;
  readonly baseline?: number;
  readonly restoreBestWeights: boolean;
  readonly startFromEpoch: number;
  /** Epochs since the last improvement. */
  wait = 0;
  /** Epoch at which training was stopped (0 if it was not). */
  stoppedEpoch = 0;
  best?: number;
  bestEpoch = 0;
  private bestWeights?: Weight[];
  private better?: (a: number, b: number) => boolean;

  constructor(o: EarlyStoppingOptions = {}) {
    super();
    checkObject(o, 'earlyStopping()', ['monitor', 'minDelta', 'patience', 'mode', 'baseline', 'restoreBestWeights', 'startFromEpoch']);
    this.monitor = monitorKey(o.monitor ?? 'valLoss', 'earlyStopping');
    this.minDelta = Math.abs(finiteNumber(o.minDelta ?? 0, 'earlyStopping minDelta'));
    this.patience = finiteNumber(o.patience ?? 0, 'earlyStopping patience', 0);
    this.mode = checkMode(o.mode ?? 'auto', 'earlyStopping');
    this.baseline = o.baseline === undefined ? undefined : finiteNumber(o.baseline, 'earlyStopping baseline');
    this.restoreBestWeights = o.restoreBestWeights ?? false;
    this.startFromEpoch = finiteNumber(o.startFromEpoch ?? 0, 'earlyStopping startFromEpoch', 0);
  }

  onTrainBegin(): void {
    this.wait = 0;
    this.stoppedEpoch = 0;
    this.best = undefined;
    this.bestWeights = undefined;
    this.bestEpoch = 0;
    const up = resolveMode(this.mode, this.monitor, this.model, 'earlyStopping') === 'max';
    const d = this.minDelta;
    this.better = up ? (a, b) => a - d > b : (a, b) => a + d < b;
  }

  onEpochEnd(epoch: number, logs: Logs): void {
    const current = monitoredValue(this, logs, this.monitor, 'earlyStopping');
    if (current === undefined || epoch < this.startFromEpoch) return;
    if (this.restoreBestWeights && this.bestWeights === undefined) {
      // Until an epoch improves, the current weights are the best.
      this.bestWeights = this.model!.getWeights();
      this.bestEpoch = epoch;
    }
    this.wait++;
    if (this.best === undefined || this.better!(current, this.best)) {
      this.best = current;
      this.bestEpoch = epoch;
      if (this.restoreBestWeights) this.bestWeights = this.model!.getWeights();
      if (this.baseline === undefined || this.better!(current, this.baseline)) this.wait = 0;
      return;
    }
    if (this.wait >= this.patience && epoch > 0) {
      this.stoppedEpoch = epoch;
      this.model!.stopTraining = true;
    }
  }

  onTrainEnd(): void {
    if (this.restoreBestWeights && this.bestWeights) this.model!.setWeights(this.bestWeights);
  }
}

/** Stop training when a monitored quantity has stopped improving (Keras `EarlyStopping`). */
export function earlyStopping(options: EarlyStoppingOptions = {}): EarlyStopping {
  return new EarlyStopping(options);
}
