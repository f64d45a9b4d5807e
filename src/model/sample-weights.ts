// Per-row loss weights from `sampleWeight` or `classWeight` (Keras semantics): the loss of a batch
// is Σ wᵢ·lossᵢ / batch size. A class weight applies to the row's class: its class id, the argmax
// of a one-hot / probability row, or the rounded value of a single-column (binary) target; classes
// not listed weigh 1. As in Keras, sampleWeight and classWeight cannot be combined.
import { describe } from '../check.js';
import { ShapeError, ValueError } from '../errors.js';
import type { HostY } from './inputs.js';

/** Weight per class id: `{ 0: 1, 1: 5 }` or `[1, 5]`. */
export type ClassWeight = Record<number, number> | number[];
/** One weight per row. */
export type SampleWeight = Float32Array | Float64Array | number[];

/** Checked per-row weights for `rows` rows of targets `y`, or undefined when unweighted. */
export function rowWeights(y: HostY, sampleWeight: unknown, classWeight: unknown, what = 'sampleWeight'): Float32Array | undefined {
  if (sampleWeight !== undefined && classWeight !== undefined) {
    throw new ValueError('sampleWeight and classWeight cannot be used together (as in Keras); multiply them into one sampleWeight');
  }
  if (sampleWeight !== undefined) return checkSampleWeight(sampleWeight, y.rows, what);
  if (classWeight !== undefined) return fromClassWeight(y, checkClassWeight(classWeight));
  return undefined;
}

function checkSampleWeight(w: unknown, rows: number, what: string): Float32Array {
  if (!(w instanceof Float32Array || w instanceof Float64Array || Array.isArray(w))) {
    throw new ValueError(`${what} must be one number per row (Float32Array or number[]), got ${describe(w)}`);
  }
  if (w.length !== rows) throw new ShapeError(`${what} has ${w.length} values but there are ${rows} rows`);
  const out = new Float32Array(rows);
  for (let i = 0; i < rows; i++) {
    const v = w[i];
    out[i] = weight(v, `${what}[${i}]`);
  }
  return out;
}

/** A loss weight: a number >= 0 that stays finite in float32. */
function weight(v: unknown, what: string): number {
  if (typeof v !== 'number' || !(v >= 0) || !Number.isFinite(Math.fround(v))) {
    const beyond = typeof v === 'number' && v >= 0 && Number.isFinite(v) ? ", within float32's range (3.4e38)" : '';
    throw new ValueError(`${what} must be a finite number >= 0${beyond}, got ${describe(v)}`);
  }
  return v;
}

/**
 * A map from class id to weight: an object or array keyed by the ids' decimal spelling ("0", "12";
 * not "", " 1 ", "0x1", "1e0", which Number() would take), or a Map with integer keys.
 */
export function checkClassWeight(cw: unknown): Map<number, number> {
  if (cw === null || typeof cw !== 'object' || ArrayBuffer.isView(cw)) {
    throw new ValueError(`classWeight must map class ids to weights, e.g. { 0: 1, 1: 5 }, [1, 5] or a Map, got ${describe(cw)}`);
  }
  const entries: [unknown, unknown][] = cw instanceof Map ? [...cw.entries()] : Object.entries(cw);
  const map = new Map<number, number>();
  for (const [key, v] of entries) {
    const id = typeof key === 'number' ? key : typeof key === 'string' && /^(0|[1-9][0-9]*)$/.test(key) ? Number(key) : NaN;
    if (!Number.isSafeInteger(id) || id < 0) throw new ValueError(`classWeight key ${describe(key)} is not a class id (an integer >= 0)`);
    map.set(id, weight(v, `classWeight[${id}]`));
  }
  return map;
}

/** Keras' class_weight_to_sample_weights. */
export function fromClassWeight(y: HostY, cw: Map<number, number>): Float32Array {
  // A single output is a binary classifier: classes 0 and 1.
  const classes = y.cols === 1 ? 2 : y.cols;
  for (const id of cw.keys()) {
    if (id >= classes) throw new ValueError(`classWeight has class ${id}, but the model has ${classes} classes`);
  }
  const out = new Float32Array(y.rows);
  for (let r = 0; r < y.rows; r++) out[r] = cw.get(rowClass(y, r)) ?? 1;
  return out;
}

function rowClass(y: HostY, r: number): number {
  if (y.labels) return y.labels[r];
  const d = y.dense!;
  if (y.cols === 1) return Math.round(d[r]);
  let best = 0;
  for (let c = 1; c < y.cols; c++) if (d[r * y.cols + c] > d[r * y.cols + best]) best = c;
  return best;
}
