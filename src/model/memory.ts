// The model's memory plan, llm.c style: one region of all weights (trainable ones first, so the
// optimizer, the gradient checks and clipping each run once over one contiguous range; then the
// non-trainable ones such as batch-norm moving statistics), gradients in the trainable layout,
// optimizer state slots in the same layout, and activation slots for a batch capacity. Layers get
// pointers into these regions; nothing here runs per batch.
import { ValueError } from '../errors.js';
import { Dropout, MAX_DROPOUT_LAYERS } from '../layers/dropout.js';
import type { Sequential } from './sequential.js';

const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

/** Assign input widths, unique names (dense, dense_1, dropout, ...) and dropout streams. */
export function shapeLayers(model: Sequential, width: number): void {
  const names = new Set(model.layers.map((l) => l.name).filter((n) => n));
  const counts = new Map<string, number>();
  const seen = new Set<string>();
  let dropouts = 0;
  for (const layer of model.layers) {
    if (!layer.name) {
      do {
        const c = counts.get(layer.baseName) ?? 0;
        counts.set(layer.baseName, c + 1);
        layer.name = c === 0 ? layer.baseName : `${layer.baseName}_${c}`;
      } while (names.has(layer.name));
      names.add(layer.name);
    }
    if (seen.has(layer.name)) throw new ValueError(`two layers are named ${JSON.stringify(layer.name)}; layer names must be unique`);
    seen.add(layer.name);
    if (layer instanceof Dropout) layer.stream = dropouts++;
    layer.build(width);
    width = layer.units;
  }
  if (dropouts > MAX_DROPOUT_LAYERS) throw new ValueError(`a model can have at most ${MAX_DROPOUT_LAYERS} dropout layers, got ${dropouts}`);
}

/** Lay out params (trainable, then the rest) and grads, and point every layer at its weights. */
export function bindWeights(model: Sequential): void {
  const e = model.engine;
  const specs = model.layers.map((l) => l.weightShapes());
  let trainable = 0;
  let fixed = 0;
  for (const s of specs.flat()) {
    if (s.trainable) trainable += size(s.shape);
    else fixed += size(s.shape);
  }
  e.checkFits((2 * trainable + fixed) * 4, `the weights of ${trainable + fixed} parameters`);
  model.paramCount = trainable;
  model.weightCount = trainable + fixed;
  model.params = e.allocFloats(model.weightCount, 'weights');
  model.grads = e.allocFloats(trainable, 'gradients');
  let t = 0;
  let f = trainable;
  model.gradTensors = [];
  model.layers.forEach((layer, i) => {
    const w: number[] = [];
    const g: number[] = [];
    for (const s of specs[i]) {
      const n = size(s.shape);
      if (s.trainable) {
        w.push(model.params + t * 4);
        g.push(model.grads + t * 4);
        model.gradTensors.push(model.grads + t * 4, n);
        t += n;
      } else {
        w.push(model.params + f * 4);
        g.push(0);
        f += n;
      }
    }
    layer.bind(w, g);
  });
}

/** (Re)claim every activation slot for `rows` rows per batch. */
export function claimSlots(model: Sequential, rows: number): void {
  releaseSlots(model);
  const e = model.engine;
  const out = model.outputUnits;
  const perRow = model.inputDim + out + 1 + model.layers.reduce((s, l) => s + l.floatsPerRow(), 0);
  e.checkFits(rows * perRow * 4, `activations for a batch of ${rows} rows`);
  model.input = e.allocFloats(rows * model.inputDim, 'input batch');
  model.target = e.allocFloats(rows * out, 'target batch');
  model.sampleWeights = e.allocFloats(rows, 'sample weights');
  let pack = 0;
  for (const layer of model.layers) {
    layer.claimSlots(e, rows);
    pack = Math.max(pack, layer.packBytes(e, rows));
  }
  // The pack scratch also holds label-smoothed targets (rows, out) while the loss kernel runs.
  model.pack = e.alloc(Math.max(pack, 64, rows * out * 4), 'GEMM scratch');
  const scratch = Math.max(0, ...(model.compiled?.metrics ?? []).map((m) => m.scratch));
  model.metricScratch = e.alloc(Math.max(8 * scratch, 64), 'metric scratch');
  model.pass.engine = model.view.engine = e;
  model.capacity = rows;
}

export function releaseSlots(model: Sequential): void {
  if (!model.capacity) return;
  const e = model.engine;
  for (const layer of model.layers) layer.releaseSlots(e);
  for (const p of [model.input, model.target, model.sampleWeights, model.pack, model.metricScratch]) e.release(p);
  model.input = model.target = model.sampleWeights = model.pack = model.metricScratch = model.capacity = 0;
}

/** The optimizer's state slots (from its initial values) and the weights' backup. */
export function allocOptimizerState(model: Sequential): void {
  const e = model.engine;
  const opt = model.compiled!.optimizer;
  model.backup = e.allocFloats(model.weightCount, 'weights backup');
  for (let s = 0; s < opt.slots; s++) {
    const ptr = e.allocFloats(model.paramCount, 'optimizer state');
    e.f32.fill(opt.initialState[s] ?? 0, ptr >>> 2, (ptr >>> 2) + model.paramCount);
    model.optState.push(ptr);
  }
}

export function releaseOptimizerState(model: Sequential): void {
  for (const p of model.optState) model.engine.release(p);
  model.engine.release(model.backup);
  model.optState = [];
  model.backup = 0;
}
