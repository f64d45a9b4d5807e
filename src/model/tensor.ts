// What predict returns: a (rows, cols) matrix of f32 values with a few conveniences.
import { describe } from '../check.js';
import { ValueError } from '../errors.js';

export class Tensor2D {
  constructor(
    readonly data: Float32Array,
    readonly shape: [rows: number, cols: number],
  ) {}

  get rows(): number {
    return this.shape[0];
  }

  get cols(): number {
    return this.shape[1];
  }

  /** Row r (an integer in [0, rows)) as a copy. */
  row(r: number): Float32Array {
    if (typeof r !== 'number' || !Number.isInteger(r) || r < 0 || r >= this.rows) {
      throw new ValueError(`row index must be an integer in [0, ${this.rows - 1}], got ${describe(r)}`);
    }
    return this.data.slice(r * this.cols, (r + 1) * this.cols);
  }

  /** Index of the largest value in each row (the predicted class). */
  argMax(): Int32Array {
    const out = new Int32Array(this.rows);
    for (let r = 0; r < this.rows; r++) {
      let best = 0;
      for (let c = 1; c < this.cols; c++) if (this.data[r * this.cols + c] > this.data[r * this.cols + best]) best = c;
      out[r] = best;
    }
    return out;
  }

  /** Nested arrays, one per row. */
  toArray(): number[][] {
    return Array.from({ length: this.rows }, (_, r) => Array.from(this.row(r)));
  }
}
