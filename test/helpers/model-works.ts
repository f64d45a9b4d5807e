// What a model loaded from a file must do (issue 17): predict finite values and take one finite
// training step. Used by the model-file fuzz runs.
import type { Sequential } from '../../src/index.js';

/** Targets for rows whose classes are `labels`, in the form the model's loss takes (mse when not compiled). */
export function targetsFor(m: Sequential, labels: number[]): unknown {
  const units = m.outputUnits;
  if (m.compiled?.loss.kind === 'scce') return labels.map((c) => c % units);
  return labels.map((c) => Array.from({ length: units }, (_, j) => (j === c % units ? 1 : 0)));
}

/** undefined when the model predicts finite values and trains one finite step on x; else what went wrong. */
export function modelWorks(m: Sequential, x: number[][], labels: number[]): string | undefined {
  try {
    const p = m.predict(x).data;
    if (!p.every(Number.isFinite)) return `predict returned ${Array.from(p).find((v) => !Number.isFinite(v))}`;
  } catch (e) {
    return `predict threw ${(e as Error).name}: ${(e as Error).message}`;
  }
  try {
    if (!m.compiled) m.compile({ optimizer: 'sgd', loss: 'mse' });
    const logs = m.trainOnBatch(x, targetsFor(m, labels) as never);
    if (!Number.isFinite(logs.loss)) return `training step loss ${logs.loss}`;
    if (!m.getWeights().every((w) => w.data.every(Number.isFinite))) return 'training step left non-finite weights';
  } catch (e) {
    return `training step threw ${(e as Error).name}: ${(e as Error).message}`;
  }
  return undefined;
}
