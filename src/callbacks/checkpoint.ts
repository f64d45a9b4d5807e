// modelCheckpoint: save the model after epochs (Keras ModelCheckpoint): every epoch, or only when
// the monitored quantity beats the best so far. `path` goes through model.save (a file path in
// Node / Deno, or indexeddb://, localstorage://, downloads:// in browsers) and may hold
// placeholders, Keras style: 'model-{epoch:02d}-{valLoss:.3f}.dnd' (epoch counted from 1); `save`
// is any function, for other destinations.
import { checkObject, finiteNumber } from '../check.js';
import { ValueError } from '../errors.js';
import type { Sequential } from '../model/sequential.js';
import { Callback, type Logs } from './base.js';
import { type Mode, checkMode, monitorKey, monitoredValue, resolveMode } from './monitor.js';

export interface ModelCheckpointOptions {
  /** Where model.save writes; may contain {epoch}, {epoch:02d}, {<logKey>:.4f}. Give this or `save`. */
  path?: string;
  /** Your own writer, called instead of model.save. */
  save?: (model: Sequential, epoch: number, logs: Logs) => void | Promise<void>;
  /** Logged quantity for saveBestOnly. Default 'valLoss'. */
  monitor?: string;
  /** Save only when the monitored quantity improves on the best so far. Default false. */
  saveBestOnly?: boolean;
  /** 'min', 'max' or 'auto'. Default 'auto'. */
  mode?: Mode;
  /** Store the optimizer state too (a checkpoint fit resumes from exactly). Default false. */
  includeOptimizer?: boolean;
  /** With saveBestOnly: the value to beat before the first save. Default none. */
  initialValueThreshold?: number;
}

export class ModelCheckpoint extends Callback {
  readonly path?: string;
  readonly monitor: string;
  readonly saveBestOnly: boolean;
  readonly mode: Mode;
  best?: number;
  /** Epoch of the last save (−1: none yet). */
  lastSaved = -1;
  private better?: (a: number, b: number) => boolean;
  private readonly writer: (model: Sequential, epoch: number, logs: Logs) => void | Promise<void>;
  private readonly threshold?: number;

  constructor(o: ModelCheckpointOptions) {
    super();
    if (o === null || typeof o !== 'object' || (o.path === undefined) === (o.save === undefined)) {
      throw new ValueError("modelCheckpoint needs exactly one of { path: 'model-{epoch}.dnd' } or { save: (model, epoch, logs) => ... }");
    }
    checkObject(o, 'modelCheckpoint()', ['path', 'save', 'monitor', 'saveBestOnly', 'mode', 'includeOptimizer', 'initialValueThreshold']);
    if (o.path !== undefined && (typeof o.path !== 'string' || o.path === '')) throw new ValueError(`modelCheckpoint path must be a non-empty string, got ${JSON.stringify(o.path)}`);
    if (o.save !== undefined && typeof o.save !== 'function') throw new ValueError('modelCheckpoint save must be a function (model, epoch, logs) => void | Promise<void>');
    this.path = o.path;
    this.monitor = monitorKey(o.monitor ?? 'valLoss', 'modelCheckpoint');
    this.saveBestOnly = o.saveBestOnly ?? false;
    this.mode = checkMode(o.mode ?? 'auto', 'modelCheckpoint');
    this.threshold = o.initialValueThreshold === undefined ? undefined : finiteNumber(o.initialValueThreshold, 'modelCheckpoint initialValueThreshold');
    const includeOptimizer = o.includeOptimizer ?? false;
    this.writer = o.save ?? (async (model, epoch, logs) => void (await model.save(formatPath(this.path!, epoch, logs), { includeOptimizer })));
  }

  onTrainBegin(): void {
    if (!this.saveBestOnly) return;
    const up = resolveMode(this.mode, this.monitor, this.model, 'modelCheckpoint') === 'max';
    this.better = up ? (a, b) => a > b : (a, b) => a < b;
    this.best ??= this.threshold ?? (up ? -Infinity : Infinity);
  }

  async onEpochEnd(epoch: number, logs: Logs): Promise<void> {
    if (this.saveBestOnly) {
      const current = monitoredValue(this, logs, this.monitor, 'modelCheckpoint');
      if (current === undefined || !this.better!(current, this.best!)) return;
      this.best = current;
    }
    await this.writer(this.model!, epoch, logs);
    this.lastSaved = epoch;
  }
}

/** Save the model after epochs, or when it improves (Keras `ModelCheckpoint`). */
export function modelCheckpoint(options: ModelCheckpointOptions): ModelCheckpoint {
  return new ModelCheckpoint(options);
}

/** Keras-style placeholders: {epoch} (from 1), {epoch:03d}, {valLoss:.4f}, any log key. */
export function formatPath(template: string, epoch: number, logs: Logs): string {
  return template.replace(/\{([A-Za-z_][\w]*)(?::([^}]*))?\}/g, (whole, key: string, spec: string | undefined) => {
    const value = key === 'epoch' ? epoch + 1 : logs[key] ?? logs[key.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase())];
    if (value === undefined) return whole;
    const fixed = spec?.match(/^\.(\d+)f$/);
    if (fixed) return value.toFixed(Number(fixed[1]));
    const padded = spec?.match(/^0(\d+)d$/);
    if (padded) return String(Math.trunc(value)).padStart(Number(padded[1]), '0');
    return String(value);
  });
}
