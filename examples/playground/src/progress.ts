// Turns the worker's progress events into what the page shows: chart points (loss and accuracy per
// batch and per epoch, training and validation), the progress bar, samples/s and an ETA that
// leaves out time spent paused.
import type { WorkerFitEvent } from 'dendrite';
import type { LineChart, Series } from './chart.js';

const TRAIN = '#2f6fdf';
const VAL = '#e8742a';

export class Progress {
  epochs = 0;
  batchesPerEpoch = 0;
  threads = 0;
  threadsReason = '';
  samplesPerSec = 0;
  /** Batches finished, over all epochs. */
  done = 0;
  epoch = 0;
  events: Record<WorkerFitEvent['type'], number> = { trainBegin: 0, batch: 0, epoch: 0, paused: 0, resumed: 0 };
  private began = 0;
  private pausedAt = 0;
  private pausedFor = 0;
  private readonly loss: Series[];
  private readonly accuracy: Series[];
  /** This epoch's rows and correct predictions so far, to recover each batch's own accuracy. */
  private epochRows = 0;
  private epochCorrect = 0;
  private readonly smooth = { loss: new Ema(0.1), accuracy: new Ema(0.1) };

  constructor(
    private readonly lossChart: LineChart,
    private readonly accuracyChart: LineChart,
    epochs: number,
  ) {
    const series = (): Series[] => [
      { name: 'batch', color: TRAIN, style: 'faint', xs: [], ys: [] },
      { name: 'batches (smoothed)', color: TRAIN, style: 'thin', xs: [], ys: [] },
      { name: 'train', color: TRAIN, style: 'dots', xs: [], ys: [] },
      { name: 'validation', color: VAL, style: 'dots', xs: [], ys: [] },
    ];
    this.loss = lossChart.series = series();
    this.accuracy = accuracyChart.series = series();
    lossChart.clear(epochs);
    accuracyChart.clear(epochs);
    this.epochs = epochs;
  }

  /** Record one event; returns true when the charts changed. */
  onEvent(e: WorkerFitEvent, now = performance.now()): boolean {
    this.events[e.type]++;
    switch (e.type) {
      case 'trainBegin':
        Object.assign(this, { epochs: e.epochs, batchesPerEpoch: e.batchesPerEpoch, threads: e.threads, threadsReason: e.threadsReason, began: now });
        return false;
      case 'batch': {
        this.epoch = e.epoch;
        this.done = e.epoch * e.batchesPerEpoch + e.batch + 1;
        this.samplesPerSec = e.samplesPerSec;
        const x = e.epoch + (e.batch + 1) / e.batchesPerEpoch;
        // fit's batch logs carry the accuracy so far in this epoch (Keras' running mean); with
        // every batch reported, the difference of two running totals is this batch's accuracy.
        if (e.batch === 0) this.epochRows = this.epochCorrect = 0;
        const rows = this.epochRows + e.logs.size;
        const correct = e.logs.accuracy * rows;
        const accuracy = (correct - this.epochCorrect) / e.logs.size;
        [this.epochRows, this.epochCorrect] = [rows, correct];
        push(this.loss[0], x, e.logs.loss);
        push(this.loss[1], x, this.smooth.loss.add(e.logs.loss));
        push(this.accuracy[0], x, accuracy);
        push(this.accuracy[1], x, this.smooth.accuracy.add(accuracy));
        return true;
      }
      case 'epoch': {
        this.samplesPerSec = e.samplesPerSec;
        // Every batch is reported (progressInterval 0), so the last batch tells where the epoch
        // ended: at its end, or part-way when Stop cut it short (fit still reports that epoch).
        const x = this.epoch === e.epoch && this.done ? this.done / this.batchesPerEpoch : e.epoch + 1;
        push(this.loss[2], x, e.logs.loss);
        push(this.accuracy[2], x, e.logs.accuracy);
        if (e.logs.valLoss !== undefined) push(this.loss[3], x, e.logs.valLoss);
        if (e.logs.valAccuracy !== undefined) push(this.accuracy[3], x, e.logs.valAccuracy);
        return true;
      }
      case 'paused':
        this.pausedAt = now;
        return false;
      case 'resumed':
        if (this.pausedAt) this.pausedFor += now - this.pausedAt;
        this.pausedAt = 0;
        return false;
    }
  }

  get total(): number {
    return this.epochs * this.batchesPerEpoch;
  }

  /** Seconds of training so far, pauses left out. */
  elapsed(now = performance.now()): number {
    if (!this.began) return 0;
    return ((this.pausedAt || now) - this.began - this.pausedFor) / 1000;
  }

  /** Seconds left at the pace so far, or NaN before there is a pace to go by. */
  eta(now = performance.now()): number {
    if (this.done < 2 || !this.total) return NaN;
    return (this.elapsed(now) / this.done) * (this.total - this.done);
  }

  drawCharts(): void {
    this.lossChart.draw();
    this.accuracyChart.draw();
  }
}

/** Exponential moving average with the start-up bias removed (as Adam's moments, or TensorBoard's smoothing). */
class Ema {
  private value = 0;
  private weight = 0;
  constructor(private readonly alpha: number) {}
  add(x: number): number {
    if (!Number.isFinite(x)) return this.weight ? this.value / this.weight : x;
    this.value = (1 - this.alpha) * this.value + this.alpha * x;
    this.weight = (1 - this.alpha) * this.weight + this.alpha;
    return this.value / this.weight;
  }
}

function push(s: Series, x: number, y: number | undefined): void {
  if (y === undefined || !Number.isFinite(y)) return;
  s.xs.push(x);
  s.ys.push(y);
}

/** 75 s → "1:15", 3700 s → "1:01:40". */
export function clock(seconds: number): string {
  if (!Number.isFinite(seconds)) return '–';
  const s = Math.round(seconds);
  const hms = [Math.floor(s / 3600), Math.floor(s / 60) % 60, s % 60];
  return (hms[0] ? `${hms[0]}:${String(hms[1]).padStart(2, '0')}` : String(hms[1])) + `:${String(hms[2]).padStart(2, '0')}`;
}
