// Per-sample shapes (channels last, as Keras / TF.js: NHWC, NWC), without the batch dimension:
// [784] for a row of features, [28, 28, 1] for an image. A dimension of 0 means "not known yet"
// (a model whose first layer has no inputShape and has seen no data).
import { ShapeError, ValueError } from '../errors.js';

/** What these helpers need of a layer (Layer has it; a structural type keeps layer.ts ↔ shape.ts acyclic). */
interface Shaped {
  readonly inputShape?: number[];
  computeOutputShape(inputShape: number[]): number[];
}

/** Floats in one sample of this shape. */
export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** A checked per-sample shape: a non-empty array of positive integers (a ValueError when it is an option). */
export function checkShape(shape: unknown, what: string, option = false): number[] {
  if (!Array.isArray(shape) || shape.length === 0 || !shape.every((d) => Number.isSafeInteger(d) && d > 0)) {
    throw new (option ? ValueError : ShapeError)(`${what} must be a non-empty array of positive integers (the shape of one sample, e.g. [784] or [28, 28, 1]), got ${JSON.stringify(shape)}`);
  }
  return shape.slice();
}

/** The first layer's inputShape, which fixes the model's; undefined while not given. */
export function inputShapeOf(layers: readonly Shaped[]): number[] | undefined {
  return layers[0]?.inputShape;
}

/** The output shape of a stack of layers for an input shape ([0]: unknown input). */
export function outputShapeOf(layers: readonly Shaped[], input: number[] | undefined): number[] {
  let shape = input ?? [0];
  for (const layer of layers) shape = layer.computeOutputShape(shape);
  return shape;
}

/** As summary() and error messages print a batch shape: [null, 26, 26, 32]; unknown dimensions as '?'. */
export function batchShapeText(shape: readonly number[]): string {
  return `[null, ${shape.map((d) => d || '?').join(', ')}]`;
}
