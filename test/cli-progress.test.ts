// The progress bar's arithmetic and throttling, driven with a fake clock (src/cli/progress.ts).
import { describe, expect, it } from 'vitest';
import { formatSeconds, progress } from '../src/cli/progress.js';

function drive(batches: number, msPerBatch: number) {
  let t = 0;
  const writes: string[] = [];
  const p = progress('bar', { epochs: 3, trainRows: batches * 10, batchSize: 10, write: (s) => writes.push(s), now: () => t, columns: () => 200 });
  p.onEpochBegin!(1, {});
  for (let b = 0; b < batches; b++) {
    t += msPerBatch;
    // Each batch's own loss is b; accuracy arrives already accumulated over the epoch.
    p.onBatchEnd!(b, { batch: b, size: 10, loss: b, accuracy: 0.5 });
  }
  return { writes, end: () => (p.onEpochEnd!(1, { loss: 1.5, accuracy: 0.75, valLoss: 2, valAccuracy: 0.7 }), writes) };
}

describe('progress bar', () => {
  it('redraws at most ~10 times a second, and always at the last batch', () => {
    const { writes } = drive(1000, 1); // one second of batches
    const redraws = writes.filter((w) => w.startsWith('\r'));
    expect(redraws.length).toBeGreaterThanOrEqual(10);
    expect(redraws.length).toBeLessThanOrEqual(11);
    expect(redraws[redraws.length - 1]).toMatch(/^\r1000\/1000 \[=+\]/);
  });

  it('shows batches done, ETA, the running mean loss, metrics and samples/s', () => {
    const { writes } = drive(4, 200); // slow batches: every one is drawn
    // After 2 of 4 batches at 0.2 s each: ETA 0.4 s → "0s"; mean loss (0 + 1) / 2; 20 rows in 0.4 s.
    expect(writes[2]).toBe('\r2/4 [==============>...............] - ETA: 0s - loss: 0.5000 - accuracy: 0.5000 - 50 samples/s\x1b[K');
  });

  it('completes the line at the end of the epoch with the epoch\'s values', () => {
    const { end } = drive(4, 250);
    const last = end().at(-1)!;
    expect(last).toBe('\r4/4 [==============================] - 1.0s - loss: 1.5000 - accuracy: 0.7500 - val loss: 2.0000 - val accuracy: 0.7000 - 40 samples/s\x1b[K\n');
  });

  it('epoch header numbers from 1', () => {
    expect(drive(1, 1).writes[0]).toBe('Epoch 2/3\n');
  });

  it('formats durations', () => {
    expect([formatSeconds(4.4), formatSeconds(65), formatSeconds(3725)]).toEqual(['4s', '1m05s', '1h02m']);
  });
});
