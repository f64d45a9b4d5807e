// What the CLI uses of the library (one import point, so the CLI bundle shares the entry's setup).
export * from '../index.js';
import { type Optimizer, resolveOptimizer } from '../optimizers.js';

/** An optimizer by name with the CLI's learning rate. */
export function resolveOptimizerForCli(name: string, learningRate: number): Optimizer {
  return resolveOptimizer({ name: name.toLowerCase(), config: { learningRate } });
}
