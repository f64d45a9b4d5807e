// Data loaders: IDX decoding (every runtime) and the bundled datasets.
import { fashionMnist } from './fashion-mnist.js';

/** Ready-made datasets, e.g. `await datasets.fashionMnist()`. */
export const datasets = { fashionMnist };

export { parseIdx, readIdx } from './idx.js';
export type { IdxArray, IdxData, IdxDtype, IdxOptions } from './idx.js';
export type { FashionMnist, FashionMnistOptions } from './fashion-mnist.js';
