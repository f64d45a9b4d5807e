// The up-front memory check. Before fit, evaluate, predict (and the first batch of fitDataset or
// trainOnBatch) allocate anything, add up every buffer the call will need in the engine's wasm
// memory — weights and gradients if the model has none yet, the optimizer's state and the weights'
// backup when training, activation slots if the batch capacity grows, the copy of the data — and
// refuse with one MemoryLimitError naming the total and its parts when that can never fit (wasm32:
// 4 GiB per engine). Checking piece by piece as they are allocated is not enough: a model whose
// weights fit but whose optimizer state does not would grow the memory by gigabytes first, and
// wasm memory never shrinks. Shapes only: nothing is copied or converted here.
import { formatBytes } from '../engine/heap.js';
import { sizeOf } from '../layers/shape.js';
import type { ModelCore } from './core.js';
import { ownShape } from './inputs.js';

export interface BudgetOptions {
  /** Rows per batch (capped at the data's rows). */
  batchSize: number;
  /** The call trains: optimizer state and the weights' backup are needed. */
  training: boolean;
  /** The data is copied into wasm memory as a whole (fit, evaluate, predict), not batch by batch. */
  wholeData: boolean;
}

/** Throw MemoryLimitError (before any allocation) if `call` on `inputs` (x, then e.g. validation x) can never fit. */
export function checkMemory(model: ModelCore, call: string, inputs: unknown[], o: BudgetOptions): void {
  const inputShape = model.inputShape ?? ownShape(inputs[0]);
  const width = inputShape ? sizeOf(inputShape) : 0;
  if (!width || model.layers.length === 0) return; // build() or toHostX report these
  let rows = 0;
  let data = 0;
  for (const x of inputs) {
    const [r, bytes] = dataSize(x, width);
    rows = Math.max(rows, r);
    data += bytes + r * 4 * (model.outputSize + 2); // x, targets (at most a row of outputs), row order, weight
  }
  if (!o.wholeData) data = 0;
  const batch = Math.min(o.batchSize, rows);
  const opt = model.compiled?.optimizer;
  const needsState = o.training && opt && !(model.backup && model.optState.length === opt.slots);
  let params = 0;
  let weights = 0;
  let activations = 0;
  // Per call on a built model this is a few comparisons: the layer walk only when something is new.
  if (!model.built || needsState || batch > model.capacity) {
    // Weights and activation floats per row, layer by layer at the shapes build() would give them
    // (an unbuilt layer may not know its size yet: count the most any layer kind takes).
    let trainable = 0;
    let perRow = width + 1 + model.outputSize; // input, sample-weight and target slots
    let shape = inputShape!;
    let scratch = 0; // the shared scratch region (GEMM packing, a convolution's im2col columns)
    for (const layer of model.layers) {
      const c = model.paramCounts(layer, shape);
      trainable += c.trainable;
      params += c.trainable + c.nonTrainable;
      scratch = Math.max(scratch, layer.packBytesFor(model.engine, shape, batch));
      shape = layer.computeOutputShape(shape);
      perRow += layer.inputSize ? layer.floatsPerRow() : Math.max(layer.floatsPerRow(), 3 * sizeOf(shape) + 1);
    }
    weights = (model.built ? 0 : (params + trainable) * 4) + (needsState ? (params + opt!.slots * trainable) * 4 : 0);
    activations = batch > model.capacity ? batch * perRow * 4 + scratch : 0;
  }
  const total = weights + activations + data;
  try {
    if (total) model.engine.checkFits(total, call);
  } catch {
    // Only now spell out the parts: the same check again, throwing the heap's MemoryLimitError
    // (how much, the limit, and what to do: smaller batches, fewer or smaller layers, fitDataset).
    const parts: [string, number][] = [
      [`the model (${params} parameters)`, weights],
      [`activations for batches of ${batch} rows`, activations],
      [`the data (${rows} rows)`, data],
    ];
    model.engine.checkFits(total, `${call}: ${parts.filter((p) => p[1]).map((p) => `${p[0]} ${formatBytes(p[1])}`).join(', ')}`);
  }
}

/** [rows, bytes] `x` takes in wasm memory: u8 stays a byte per value, the rest become f32. */
function dataSize(x: unknown, width: number): [number, number] {
  const a = (x as { data?: unknown } | null)?.data ?? x; // a Matrix's data, or the array itself
  const n = ArrayBuffer.isView(a) ? (a as Float32Array).length : Array.isArray(a) ? a.length * (Array.isArray(a[0]) ? width : 1) : 0;
  return [Math.floor(n / width), n * (a instanceof Uint8Array ? 1 : 4)];
}
