// The weights' plan: one params region with the weights in training first, layer by layer in Keras
// order (so the optimizer, the gradient checks and clipping each run once over one contiguous
// range, which grads and the optimizer state share), then the rest — batch-norm moving statistics
// and frozen layers' weights. Laid out at build, and again when the trainable set changes
// (core.syncTrainable, before a step). Nothing here runs per batch.
import type { Engine } from '../engine/engine.js';
import type { Layer } from '../layers/layer.js';
import { sizeOf } from '../layers/shape.js';

/** Where one weight tensor lives in the params region (in floats), and whether it is in the trainable range. */
export interface Place {
  at: number;
  size: number;
  trainable: boolean;
}

/** The part of the model core the plan reads and writes (the core is one; an interface keeps the imports one-way). */
export interface Weights {
  readonly layers: Layer[];
  readonly engine: Engine;
  readonly compiled?: { optimizer: { initialState: number[] } };
  trains(layer: Layer): boolean;
  planned: boolean[];
  learnable: boolean[];
  places: Place[];
  firstTrainable: number;
  params: number;
  grads: number;
  optState: number[];
  gradTensors: number[];
  paramCount: number;
  weightCount: number;
}

/**
 * The places of every weight tensor for the current trainable set: trainable ones first, in layer
 * order (the optimizer, the gradient checks and clipping each run once over that range), then the
 * rest. Records the plan in the core (planned, learnable, firstTrainable) and returns the places.
 */
function planWeights(model: Weights): { places: Place[]; trainable: number; total: number } {
  const specs = model.layers.map((l) => l.weightShapes());
  const trains = model.layers.map((l, i) => model.trains(l) && specs[i].some((s) => s.trainable));
  let trainable = 0;
  let total = 0;
  specs.forEach((layerSpecs, i) => {
    for (const s of layerSpecs) {
      total += sizeOf(s.shape);
      if (s.trainable && trains[i]) trainable += sizeOf(s.shape);
    }
  });
  let t = 0;
  let f = trainable;
  const places: Place[] = [];
  specs.forEach((layerSpecs, i) => {
    for (const s of layerSpecs) {
      const size = sizeOf(s.shape);
      const inRange = s.trainable && trains[i];
      places.push({ at: inRange ? t : f, size, trainable: inRange });
      if (inRange) t += size;
      else f += size;
    }
  });
  model.learnable = specs.map((layerSpecs) => layerSpecs.some((s) => s.trainable));
  model.planned = trains;
  model.firstTrainable = trains.indexOf(true) < 0 ? trains.length : trains.indexOf(true);
  return { places, trainable, total };
}

/** Point every layer at its weights (and their gradients: 0 for the non-trainable ones) in the current regions. */
function bindLayers(model: Weights): void {
  let j = 0;
  model.gradTensors = [];
  for (const layer of model.layers) {
    const w: number[] = [];
    const g: number[] = [];
    for (let n = layer.weightShapes().length; n > 0; n--, j++) {
      const { at, size, trainable } = model.places[j];
      w.push(model.params + at * 4);
      g.push(trainable ? model.grads + at * 4 : 0);
      if (trainable) model.gradTensors.push(model.grads + at * 4, size);
    }
    layer.bind(w, g);
  }
}

/** Lay out params (trainable, then the rest) and grads, and point every layer at its weights. */
export function bindWeights(model: Weights): void {
  const e = model.engine;
  const { places, trainable, total } = planWeights(model);
  e.checkFits((trainable + total) * 4, `the weights of ${total} parameters`);
  model.paramCount = trainable;
  model.weightCount = total;
  model.places = places;
  model.params = e.allocFloats(total, 'weights');
  model.grads = e.allocFloats(trainable, 'gradients');
  bindLayers(model);
}

/**
 * The trainable set changed: move every weight to its place in the new plan, size the gradients
 * for it, and carry the optimizer's state over for the weights that stay trainable (new ones start
 * from the optimizer's initial values, frozen ones' state is dropped; docs/keras-conformance.md).
 * Everything is checked to fit before the first allocation, so a refusal leaves the model as it was.
 */
export function replanWeights(model: Weights): void {
  const e = model.engine;
  const old = { places: model.places, params: model.params, grads: model.grads, state: model.optState, planned: model.planned, learnable: model.learnable, first: model.firstTrainable };
  const { places, trainable, total } = planWeights(model);
  const slots = old.state.length;
  try {
    e.checkFits((total + trainable * (1 + slots)) * 4, `the weights of ${total} parameters, laid out again for a new trainable set`);
  } catch (error) {
    Object.assign(model, { planned: old.planned, learnable: old.learnable, firstTrainable: old.first });
    throw error;
  }
  const opt = model.compiled?.optimizer;
  const params = e.allocFloats(total, 'weights');
  const grads = e.allocFloats(trainable, 'gradients');
  const state = old.state.map((_, s) => {
    const ptr = e.allocFloats(trainable, 'optimizer state');
    e.f32.fill(opt?.initialState[s] ?? 0, ptr >>> 2, (ptr >>> 2) + trainable);
    return ptr;
  });
  const u8 = e.u8;
  places.forEach((to, j) => {
    const from = old.places[j];
    u8.copyWithin(params + to.at * 4, old.params + from.at * 4, old.params + (from.at + to.size) * 4);
    if (!to.trainable || !from.trainable) return;
    state.forEach((ptr, s) => u8.copyWithin(ptr + to.at * 4, old.state[s] + from.at * 4, old.state[s] + (from.at + to.size) * 4));
  });
  for (const p of [old.params, old.grads, ...old.state]) e.release(p);
  Object.assign(model, { params, grads, optState: state, places, paramCount: trainable, weightCount: total });
  bindLayers(model);
}

