// What the CLI uses of the library (one import point, so the CLI bundle shares the entry's setup).
export * from '../index.js';
import { type Optimizer, resolveOptimizer } from '../optimizers.js';

/** An optimizer by name with the CLI's learning rate and any other options from a config file. */
export function resolveOptimizerForCli(name: string, learningRate: number | object, config: Record<string, unknown> = {}): Optimizer {
  return resolveOptimizer({ name: name.toLowerCase(), config: { ...config, learningRate } });
}
export { splitRows } from '../model/fit.js';
export { fashionMnistCnnBody, fashionMnistCnnLearningRate } from '../model/recipes.js';
