// Turning what users pass (typed arrays with a known width, { data, shape: [n, ...dims] } tensors,
// nested number arrays of any rank, class ids or one-hot rows) into checked host matrices of one
// flat row per sample, with errors that name shapes.
import { describe, float32Number } from '../check.js';
import { ShapeError, ValueError } from '../errors.js';
import { sizeOf } from '../layers/shape.js';
import type { Loss } from '../losses.js';
import type { Matrix } from '../types.js';

/** Nested arrays of numbers, one level per dimension. */
export type NestedNumbers = number[] | NestedNumbers[];

/**
 * Inputs: a Matrix or `{ data, shape: [n, ...dims] }`, a flat typed array of samples, one number[]
 * per row, or nested arrays of any rank ([n][h][w][c]).
 */
export type InputData = Matrix | { data: Float32Array | Float64Array | Uint8Array; shape: number[]; scale?: number } | Float32Array | Float64Array | Uint8Array | number[][] | number[] | NestedNumbers[];
/** Targets: class ids (one per row), one-hot / target rows, or a Matrix. */
export type TargetData = Int32Array | Uint8Array | Uint16Array | Float32Array | Float64Array | number[] | number[][] | Matrix;

export interface HostX {
  data: Float32Array | Uint8Array;
  rows: number;
  cols: number;
  /** Uint8 values are multiplied by this when gathered. */
  scale: number;
}

export interface HostY {
  /** Class ids, when the targets are categorical labels. */
  labels?: Int32Array;
  /** Dense targets (rows, cols) otherwise. */
  dense?: Float32Array;
  rows: number;
  cols: number;
}

const isMatrix = (v: unknown): v is Matrix =>
  typeof v === 'object' && v !== null && !ArrayBuffer.isView(v) && !Array.isArray(v) && 'data' in v && 'shape' in v;

/** The per-sample shape `x` carries itself (a tensor's shape after n, nested arrays' lengths), else undefined. */
export function ownShape(x: unknown): number[] | undefined {
  if (isMatrix(x) && Array.isArray(x.shape)) return x.shape.length > 1 ? x.shape.slice(1) : undefined;
  if (!Array.isArray(x) || !Array.isArray(x[0])) return undefined;
  const dims: number[] = [];
  for (let a: unknown = x[0]; Array.isArray(a); a = a[0]) dims.push(a.length);
  return dims;
}

/** Values per sample `x` carries itself, else undefined. */
export function ownColumns(x: unknown): number | undefined {
  const s = ownShape(x);
  return s && sizeOf(s);
}

/**
 * Check and normalise `x` against the model's per-sample input shape. A tensor of shape
 * [n, ...shape] and flat rows [n, size] are both taken as they are (no copy).
 */
export function toHostX(x: unknown, sampleShape: number[], what = 'x'): HostX {
  const cols = sizeOf(sampleShape);
  const expected = sampleShape.length === 1 ? `the model expects ${cols} features per row (inputShape [${cols}])` : `the model expects samples of shape [${sampleShape}] (inputShape; or rows of ${cols} values)`;
  if (isMatrix(x)) {
    const shape = x.shape as number[];
    if (!Array.isArray(shape) || shape.length < 2 || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      throw new ShapeError(`${what}.shape must be ${sampleShape.length === 1 ? '[rows, cols]' : `[rows, ${sampleShape.join(', ')}]`}, got ${JSON.stringify(shape)}`);
    }
    const rows = shape[0];
    const dims = shape.slice(1);
    const same = dims.length === sampleShape.length && dims.every((d, i) => d === sampleShape[i]);
    if (!same && !(dims.length === 1 && dims[0] === cols)) throw new ShapeError(`${what} has shape [${shape}] but ${expected}`);
    const c = cols;
    const data = x.data instanceof Float64Array ? toF32(x.data, c, what) : x.data;
    if (!(data instanceof Float32Array || data instanceof Uint8Array)) {
      throw new ValueError(`${what}.data must be a Float32Array, Float64Array or Uint8Array, got ${describe(x.data)}`);
    }
    if (data.length !== rows * c) throw new ShapeError(`${what}.data has ${data.length} values but shape [${shape.join(', ')}] needs ${rows * c}`);
    const scale = float32Number(x.scale ?? 1, `${what}.scale`);
    return nonEmpty({ data, rows, cols, scale }, what);
  }
  if (x instanceof Float32Array || x instanceof Float64Array || x instanceof Uint8Array) {
    if (x.length % cols !== 0) {
      throw new ShapeError(`${what} has ${x.length} values, not a whole number of rows: ${expected}`);
    }
    const data = x instanceof Float64Array ? toF32(x, cols, what) : x;
    return nonEmpty({ data, rows: x.length / cols, cols, scale: 1 }, what);
  }
  if (Array.isArray(x)) {
    if (x.length > 0 && !Array.isArray(x[0])) {
      // A flat number[]: rows of `cols` values.
      return toHostX(numbersToF32(x as unknown[], what, cols), sampleShape, what);
    }
    if (sampleShape.length > 1) return nonEmpty({ data: nestedToF32(x, sampleShape, what), rows: x.length, cols, scale: 1 }, what);
    const rows = x.length;
    const data = new Float32Array(rows * cols);
    for (let r = 0; r < rows; r++) {
      const row = x[r];
      if (!Array.isArray(row)) throw new ShapeError(`${what}[${r}] must be an array of ${cols} numbers, got ${describe(row)}`);
      if (row.length !== cols) throw new ShapeError(`${what}[${r}] has ${row.length} values but ${expected}`);
      for (let c = 0; c < cols; c++) {
        const v = row[c];
        if (!finite32(v)) throw badValue(what, r * cols + c, cols, v);
        data[r * cols + c] = v;
      }
    }
    return nonEmpty({ data, rows, cols, scale: 1 }, what);
  }
  throw new ValueError(`${what} must be a Float32Array, Uint8Array, number[][] or { data, shape }, got ${describe(x)}`);
}

/** Nested arrays [n][d0][d1]... of the sample shape, flattened row-major. */
function nestedToF32(x: unknown[], shape: number[], what: string): Float32Array {
  const cols = sizeOf(shape);
  const out = new Float32Array(x.length * cols);
  let i = 0;
  const walk = (a: unknown, depth: number, path: string): void => {
    if (depth === shape.length) {
      if (!finite32(a)) throw badValue(what, i, cols, a);
      out[i++] = a;
      return;
    }
    if (!Array.isArray(a) || a.length !== shape[depth]) {
      throw new ShapeError(`${what}${path} must be an array of ${shape[depth]} (samples of shape [${shape}]), got ${describe(a)}`);
    }
    for (let j = 0; j < a.length; j++) walk(a[j], depth + 1, `${path}[${j}]`);
  };
  x.forEach((sample, r) => walk(sample, 0, `[${r}]`));
  return out;
}

/** Values become float32 in wasm memory: a number beyond ±3.4e38 would be Infinity there. */
const finite32 = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(Math.fround(v));

/** The value at flat index i (rows of `cols`) is NaN, ±Infinity, too large for float32, or not a number. */
function badValue(what: string, i: number, cols: number, v: unknown): ValueError {
  const beyond = Number.isFinite(v) ? ", beyond float32's range (±3.4e38)" : '';
  return new ValueError(`${what} has a ${typeof v === 'number' ? 'non-finite' : 'non-numeric'} value at row ${Math.floor(i / cols)}, column ${i % cols}: ${describe(v)}${beyond}`);
}

/** Float64 values as float32, refusing finite ones that overflow (NaN / Infinity are reported after the copy). */
function toF32(a: Float64Array, cols: number, what: string): Float32Array {
  const out = Float32Array.from(a);
  const i = out.findIndex((v, j) => !Number.isFinite(v) && Number.isFinite(a[j]));
  if (i >= 0) throw badValue(what, i, cols, a[i]);
  return out;
}

function nonEmpty(h: HostX, what: string): HostX {
  if (h.rows === 0) throw new ValueError(`${what} is empty: need at least one row`);
  return h;
}

function numbersToF32(values: unknown[], what: string, cols: number): Float32Array {
  const out = new Float32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!finite32(v)) throw badValue(what, i, cols, v);
    out[i] = v;
  }
  return out;
}

/**
 * Check and normalise targets for `rows` rows and a model output of `units`, for `loss`. The
 * categorical cross-entropies take class ids (one per row); sparseCategoricalCrossentropy also
 * takes one-hot rows (made ids), categoricalCrossentropy any rows of non-negative values (soft
 * labels, kept dense), binaryCrossentropy values in [0, 1]; the other losses dense (rows, units).
 */
export function toHostY(y: unknown, rows: number, units: number, loss: Pick<Loss, 'kind' | 'name' | 'labelSmoothing'>, what = 'y'): HostY {
  const flat = flatten(y, rows, units, what);
  if (flat.rows !== rows) throw new ShapeError(`x has ${rows} rows but ${what} has ${flat.rows}`);
  const categorical = loss.kind === 'cce' || loss.kind === 'scce';
  if (categorical && units > 1 && flat.cols === 1) {
    const labels = classIds(flat.data, units, what);
    // Smoothing works on rows: ids become one-hot rows (the loss smooths them, metrics see them).
    if (loss.labelSmoothing === 0) return { labels, rows, cols: units };
    const dense = new Float32Array(rows * units);
    labels.forEach((id, r) => (dense[r * units + id] = 1));
    return { dense, rows, cols: units };
  }
  if (flat.cols !== units) {
    const hint = categorical || units === 1 ? '' : '; for class ids use loss sparseCategoricalCrossentropy';
    throw new ShapeError(`${what} has ${flat.cols} value(s) per row but the model outputs ${units}${hint}`);
  }
  for (let i = 0; i < flat.data.length; i++) if (!finite32(flat.data[i])) throw badValue(what, i, units, flat.data[i]);
  if (loss.kind === 'scce') return { labels: oneHotToIds(flat.data, units, what), rows, cols: units };
  if (loss.kind === 'cce' || loss.kind === 'bce') checkProbabilities(flat.data, units, loss, what);
  return { dense: flat.data instanceof Float32Array ? flat.data : Float32Array.from(flat.data), rows, cols: units };
}

/** Cross-entropy targets: categorical rows of values >= 0 (soft labels allowed), binary values in [0, 1]. */
function checkProbabilities(values: ArrayLike<number>, cols: number, loss: Pick<Loss, 'kind' | 'name'>, what: string): void {
  const max = loss.kind === 'bce' ? 1 : Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v >= 0 && v <= max) continue;
    const expected = loss.kind === 'bce' ? 'values in [0, 1]' : 'class ids or rows of values >= 0 (one-hot or soft labels)';
    throw new ValueError(`${what} row ${Math.floor(i / cols)}, column ${i % cols} is ${v}: ${loss.name} takes ${expected}`);
  }
}

/** Any accepted target form as row-major values plus the number of values per row. */
function flatten(y: unknown, rows: number, units: number, what: string): { data: ArrayLike<number>; rows: number; cols: number } {
  if (isMatrix(y)) {
    if (!Array.isArray(y.shape) || y.shape.length !== 2 || !y.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      throw new ShapeError(`${what}.shape must be [rows, cols], got ${JSON.stringify(y.shape)}`);
    }
    const [r, c] = y.shape;
    if (y.data.length !== r * c) throw new ShapeError(`${what}.data has ${y.data.length} values but shape [${r}, ${c}] needs ${r * c}`);
    return { data: y.data, rows: r, cols: c };
  }
  if (Array.isArray(y)) {
    if (y.length > 0 && Array.isArray(y[0])) {
      const cols = (y[0] as unknown[]).length;
      const data = new Float64Array(y.length * cols);
      y.forEach((row, r) => {
        if (!Array.isArray(row) || row.length !== cols) {
          throw new ShapeError(`${what}[${r}] must have ${cols} values like ${what}[0], got ${describe(row)}`);
        }
        row.forEach((v, c) => {
          if (typeof v !== 'number') throw new ValueError(`${what} has a non-numeric value at row ${r}, column ${c}: ${describe(v)}`);
          data[r * cols + c] = v;
        });
      });
      return { data, rows: y.length, cols };
    }
    y.forEach((v, i) => {
      if (typeof v !== 'number') throw new ValueError(`${what} has a non-numeric value at index ${i}: ${describe(v)}`);
    });
    return flatRows(y as number[], rows, units);
  }
  if (ArrayBuffer.isView(y) && !(y instanceof DataView) && !(y instanceof BigInt64Array) && !(y instanceof BigUint64Array)) {
    return flatRows(y as unknown as ArrayLike<number>, rows, units);
  }
  throw new ValueError(`${what} must be class ids (Int32Array, Uint8Array, number[]), target rows (number[][], Float32Array) or { data, shape }, got ${describe(y)}`);
}

/** A flat array is one value per row, unless it holds exactly rows × units values (units > 1). */
function flatRows(data: ArrayLike<number>, rows: number, units: number) {
  return units > 1 && data.length === rows * units ? { data, rows, cols: units } : { data, rows: data.length, cols: 1 };
}

function classIds(values: ArrayLike<number>, classes: number, what: string): Int32Array {
  const ids = new Int32Array(values.length);
  for (let r = 0; r < values.length; r++) {
    const v = values[r];
    if (!Number.isInteger(v) || v < 0 || v >= classes) {
      throw new ValueError(`${what}[${r}] = ${v} is not a class id: expected an integer in [0, ${classes - 1}]`);
    }
    ids[r] = v;
  }
  return ids;
}

function oneHotToIds(values: ArrayLike<number>, classes: number, what: string): Int32Array {
  const rows = values.length / classes;
  const ids = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    let hot = -1;
    for (let c = 0; c < classes; c++) {
      const v = values[r * classes + c];
      if (v === 1 && hot < 0) hot = c;
      else if (v !== 0) hot = -2;
    }
    if (hot < 0) throw new ValueError(`${what} row ${r} is not one-hot: sparseCategoricalCrossentropy takes class ids or one-hot rows`);
    ids[r] = hot;
  }
  return ids;
}
