// What the spatial layers (convolution, pooling) share: Keras' integer-or-pair options, the
// padding names, the rank check of their input (channels last: [h, w, c] or [length, c]) and the
// 64-byte geometry descriptor each keeps in wasm memory for its kernels (engine/conv-plan.ts).
import { oneOf } from '../check.js';
import { type Geometry, DESC_BYTES, type Padding, writeDesc } from '../engine/conv-plan.js';
import type { Engine } from '../engine/engine.js';
import { ShapeError, ValueError } from '../errors.js';

export type { Padding };

/** Keras' `kernelSize: 3` or `[3, 3]` (strides, dilation rate, pool size alike) as a checked pair. */
export function pair(value: unknown, what: string, fallback?: number | [number, number]): [number, number] {
  const v = value ?? fallback;
  const p = typeof v === 'number' ? [v, v] : v;
  if (!Array.isArray(p) || p.length !== 2 || !p.every((d) => Number.isSafeInteger(d) && d > 0)) {
    throw new ValueError(`${what} must be a positive integer or a pair of them, e.g. 3 or [3, 3], got ${JSON.stringify(value)}`);
  }
  return [p[0], p[1]];
}

/** Keras' integer option of the 1-D layers (a one-element array is accepted as Keras does). */
export function single(value: unknown, what: string, fallback?: number): number {
  const v = Array.isArray(value) && value.length === 1 ? value[0] : value ?? fallback;
  if (!Number.isSafeInteger(v) || (v as number) < 1) throw new ValueError(`${what} must be a positive integer, got ${JSON.stringify(value)}`);
  return v as number;
}

/** Keras' `dataFormat`, accepted for portability: channels last (NHWC) is the only layout. */
export function checkFormat(value: unknown, what: string): void {
  if (value !== undefined && value !== 'channelsLast') throw new ValueError(`${what} dataFormat: only 'channelsLast' (NHWC) is supported, got ${JSON.stringify(value)}`);
}

export function padding(value: unknown, what: string): Padding {
  return oneOf(value ?? 'valid', ['valid', 'same'] as const, what);
}

/** True while the input shape is not known yet ([0]: a model without inputShape and data). */
export function unknown(shape: readonly number[]): boolean {
  return shape.includes(0);
}

/** Throw a ShapeError unless the per-sample input has `rank` dimensions (channels last). */
export function checkRank(shape: readonly number[], rank: number, layer: string): void {
  if (shape.length !== rank) {
    const want = rank === 3 ? '[height, width, channels]' : '[steps, channels]';
    throw new ShapeError(`${layer} expects samples of shape ${want} (rank ${rank}, channels last), got [${shape}] (rank ${shape.length})`);
  }
}

/** A descriptor region holding g, for the kernels (released with the layer's slots). */
export function allocDesc(engine: Engine, g: Geometry, what: string): number {
  const ptr = engine.alloc(DESC_BYTES, `${what} geometry`);
  writeDesc(engine.i32, ptr, g);
  return ptr;
}
