// The range a model's inputs had in training, from what `train` saved with it, and a warning when
// rows to predict lie far outside it: 0–255 pixels given to a model trained on pixels scaled to
// [0, 1] answer "probability 1" with confidence, and nothing else would tell the user.
import type { Matrix } from '../types.js';
import type { CliMeta } from './model-file.js';

interface Range {
  /** Values beyond these are far outside what training saw. */
  low: number;
  high: number;
  what: string;
}

/** What training saw, when the record says: Fashion-MNIST pixels, or normalised CSV features. */
export function trainingRange(meta: CliMeta): Range | undefined {
  // A width of the range beyond it on either side (z-scores: 10 standard deviations).
  if (meta.source === 'fashion-mnist') return { low: -1, high: 2, what: 'pixels scaled to [0, 1]' };
  if (meta.normalization?.method === 'minmax') return { low: -1, high: 2, what: 'features min-max scaled to [0, 1] by the saved statistics' };
  if (meta.normalization?.method === 'standard') return { low: -10, high: 10, what: 'features standardised by the saved mean and deviation' };
  return undefined;
}

/** A one-line warning when prepared rows lie far outside the training range; undefined when they do not. */
export function rangeWarning(x: Matrix, meta: CliMeta): string | undefined {
  const range = trainingRange(meta);
  if (!range) return undefined;
  const [rows, cols] = x.shape;
  const scale = x.scale ?? 1;
  let bad = 0;
  let example = '';
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const v = x.data[r * cols + c] * scale;
      if (v >= range.low && v <= range.high) continue;
      if (!bad) example = `row ${r} feature ${c} is ${Number(v.toPrecision(6))}`;
      bad++;
      break;
    }
  }
  if (!bad) return undefined;
  return `warning: ${bad} of ${rows} row(s) lie far outside the inputs the model was trained on (${range.what}; ${example}): ` +
    'their predictions are extrapolations. Were the rows prepared as the training rows were (e.g. pixels divided by 255)?';
}
