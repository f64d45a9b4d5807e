// The evaluation tally: loss and metrics summed over batches already written into the core's
// slots, then turned into Keras' logs. One implementation for evaluate (arrays in wasm memory),
// evaluation of streamed batches (fitDataset validation) and testOnBatch.
import type { Logs } from '../hooks.js';
import type { ModelCore } from './core.js';
import { forwardLoss, metricLogs, regularization, updateMetrics } from './step.js';

export class Tally {
  private readonly acc: Float64Array;
  private lossSum = 0;
  /** Rows tallied so far. */
  rows = 0;

  constructor(private readonly core: ModelCore) {
    this.acc = new Float64Array(core.compiled!.metricSize);
  }

  /** Forward pass and loss (no gradient, inference mode) over the batch in the slots; adds it up. */
  add(rows: number, labels: boolean, weighted: boolean): void {
    forwardLoss(this.core, rows, labels, weighted, false, false);
    this.lossSum += this.core.lossSum[0];
    updateMetrics(this.core, rows, labels, this.acc);
    this.rows += rows;
  }

  /** `{ loss, <metric>... }`: the mean weighted loss plus the regularisation penalty, and each metric. */
  logs(): Logs {
    const logs: Logs = { loss: this.lossSum / this.rows + regularization(this.core, false) };
    metricLogs(this.core, this.acc, logs);
    return logs;
  }
}
