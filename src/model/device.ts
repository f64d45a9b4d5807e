// A dataset copied once into wasm memory, and the per-batch gather that fills the model's input
// and target slots from it by (shuffled) row index.
import type { Engine } from '../engine/engine.js';
import { ValueError } from '../errors.js';
import type { HostX, HostY } from './inputs.js';

export interface DeviceData {
  rows: number;
  cols: number;
  x: number;
  u8: boolean;
  scale: number;
  /** i32 class ids (rows) or f32 targets (rows, targetCols); 0 for inference-only data. */
  y: number;
  labels: boolean;
  targetCols: number;
  /** Row order, i32 (rows). */
  idx: number;
  /** f32 sample weight per row (rows); 0 when unweighted. */
  w: number;
}

/**
 * Copy x (and y, and per-row sample weights) into wasm memory; checks f32 inputs for NaN/Infinity
 * there (fast scan).
 */
export function upload(engine: Engine, x: HostX, y: HostY | undefined, what = 'x', weights?: Float32Array): DeviceData {
  const xBytes = x.data.byteLength;
  const yBytes = y ? (y.labels ? y.rows * 4 : y.rows * y.cols * 4) : 0;
  engine.checkFits(xBytes + yBytes + x.rows * (weights ? 8 : 4), `the dataset (${x.rows} rows × ${x.cols} columns)`);
  const d: DeviceData = {
    rows: x.rows,
    cols: x.cols,
    x: engine.alloc(xBytes, `${what} (${x.rows} rows)`),
    u8: x.data instanceof Uint8Array,
    scale: x.scale,
    y: 0,
    labels: false,
    targetCols: 0,
    idx: 0,
    w: 0,
  };
  try {
    engine.u8.set(new Uint8Array(x.data.buffer, x.data.byteOffset, xBytes), d.x);
    if (!d.u8) checkFinite(engine, d.x, x.rows, x.cols, what);
    if (y) {
      const src = (y.labels ?? y.dense) as Int32Array | Float32Array;
      d.y = engine.alloc(src.byteLength, 'targets');
      new Uint8Array(engine.u8.buffer).set(new Uint8Array(src.buffer, src.byteOffset, src.byteLength), d.y);
      d.labels = !!y.labels;
      d.targetCols = y.labels ? 1 : y.cols;
    }
    if (weights) {
      d.w = engine.allocFloats(x.rows, 'sample weights');
      engine.writeF32(d.w, weights);
    }
    d.idx = engine.alloc(x.rows * 4, 'row order');
    engine.k.iota_i32(d.idx, x.rows);
  } catch (e) {
    release(engine, d);
    throw e;
  }
  return d;
}

/** f32 rows (rows, cols) at ptr in wasm memory: a ValueError naming the first non-finite value's row and column. */
function checkFinite(engine: Engine, ptr: number, rows: number, cols: number, what: string): void {
  const bad = engine.k.nonfinite_index(ptr, rows * cols);
  if (bad >= 0) {
    const v = engine.f32[(ptr >>> 2) + bad];
    throw new ValueError(`${what} has a non-finite value at row ${Math.floor(bad / cols)}, column ${bad % cols}: ${v}`);
  }
}

/**
 * Rows straight into a batch slot, without the copy of the whole data (one batch: the *OnBatch
 * calls, predict): f32 checked as upload checks them, bytes scaled as gather scales them.
 */
export function writeRows(engine: Engine, x: HostX, slot: number): void {
  const f32 = engine.f32;
  const at = slot >>> 2;
  if (x.data instanceof Float32Array) {
    f32.set(x.data, at);
    checkFinite(engine, slot, x.rows, x.cols, 'x');
  } else {
    for (let i = 0; i < x.data.length; i++) f32[at + i] = x.data[i] * x.scale;
  }
}

export function release(engine: Engine, d: DeviceData): void {
  engine.release(d.x);
  engine.release(d.y);
  engine.release(d.idx);
  engine.release(d.w);
  d.x = d.y = d.idx = d.w = 0;
}

/** Rows [start, start+rows) of the current order into the input (and target, and weight) slots. */
export function gather(engine: Engine, d: DeviceData, start: number, rows: number, input: number, target: number, weights = 0): void {
  const k = engine.k;
  const idx = d.idx + start * 4;
  if (d.u8) k.gather_u8_f32(input, d.x, idx, rows, d.cols, d.scale);
  else k.gather_rows32(input, d.x, idx, rows, d.cols);
  if (d.y && target) k.gather_rows32(target, d.y, idx, rows, d.targetCols);
  if (d.w && weights) k.gather_rows32(weights, d.w, idx, rows, 1);
}
