// Everything beyond the model file that decides how training continues: epochs trained (the
// shuffle stream's position), the seeded generator, and the optimizer's step count and state
// vectors. Carried to the worker and back so that fitInWorker continues exactly as fit on the
// calling thread would, bit for bit.
import { Rng } from '../engine/rng.js';
import type { Sequential } from '../model/sequential.js';

export interface TrainingState {
  epochsTrained: number;
  seed: bigint;
  counter: bigint;
  /** Optimizer steps taken (Adam's t). */
  iterations: number;
  /** The optimizer's state vectors (moments, accumulators), each as long as the parameters; empty before the first step. */
  slots: Float32Array[];
}

export function captureState(model: Sequential): TrainingState {
  const e = model.engine;
  return {
    epochsTrained: model.epochsTrained,
    seed: model.rng?.seed ?? 0n,
    counter: model.rng?.counter ?? 0n,
    iterations: model.compiled?.optimizer.iterations ?? 0,
    slots: model.optState.map((ptr) => e.readF32(ptr, model.paramCount)),
  };
}

/** Put a captured state into a built, compiled model with the same layers. */
export function applyState(model: Sequential, s: TrainingState): void {
  model.epochsTrained = s.epochsTrained;
  model.rng = new Rng(s.seed);
  model.rng.counter = s.counter;
  const optimizer = model.compiled!.optimizer;
  optimizer.iterations = s.iterations;
  if (s.slots.length === 0) return;
  model.ensureOptimizerState();
  model.optState.forEach((ptr, i) => model.engine.writeF32(ptr, s.slots[i]));
}

/** The ArrayBuffers to transfer (not copy) with a state. */
export function stateBuffers(s: TrainingState): ArrayBuffer[] {
  return s.slots.map((a) => a.buffer as ArrayBuffer);
}
