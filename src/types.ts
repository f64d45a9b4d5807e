// Plain data shapes shared by the data loaders, the model and the file formats.

/**
 * A 2-D matrix of rows × columns in row-major order. `Uint8Array` data (images) is multiplied by
 * `scale` (default 1) as it is copied into a batch, so 60k images stay one byte per pixel.
 */
export interface Matrix {
  data: Float32Array | Uint8Array;
  shape: [rows: number, cols: number];
  scale?: number;
}

/** A labelled split of a dataset: `x` rows and one class id per row in `y`. */
export interface LabelledData {
  x: Matrix;
  y: Uint8Array | Int32Array;
}
