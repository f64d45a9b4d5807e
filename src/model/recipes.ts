// Built-in model recipes: a known architecture with defaults that reach a stated accuracy, so a
// user (and `dendrite train --model cnn`) starts from something that works.
import { checkObject } from '../check.js';
import type { Engine } from '../engine/engine.js';
import { conv2d } from '../layers/conv2d.js';
import { dense } from '../layers/dense.js';
import { maxPooling2d } from '../layers/pooling.js';
import { flatten } from '../layers/reshape.js';
import { adam } from '../optimizers.js';
import { type Sequential, sequential } from './sequential.js';

export interface CnnRecipeOptions {
  /** Image shape, channels last. Default [28, 28, 1] (Fashion-MNIST; its [n, 784] rows feed it as they are). */
  inputShape?: [number, number, number];
  /** Default 10. */
  classes?: number;
  /** Adam's learning rate. Default 0.001. */
  learningRate?: number;
  engine?: Engine;
}

/** Training options the recipe's accuracy was stated for. */
export const fashionMnistCnnFit = { epochs: 10, batchSize: 128 } as const;

/**
 * The TensorFlow.js MNIST tutorial's CNN, compiled: conv 32 3×3 relu, max pool 2, conv 64 3×3 relu,
 * max pool 2, flatten, dense 128 relu, dense `classes` softmax (225,034 weights on [28, 28, 1]);
 * Adam, sparse categorical cross-entropy, accuracy. Train it with `fashionMnistCnnFit`.
 */
export function fashionMnistCnn(options: CnnRecipeOptions = {}): Sequential {
  checkObject(options, 'fashionMnistCnn options', ['inputShape', 'classes', 'learningRate', 'engine']);
  const { inputShape = [28, 28, 1], classes = 10, learningRate = 0.001, engine } = options;
  const model = sequential([
    conv2d({ filters: 32, kernelSize: 3, activation: 'relu', inputShape }),
    maxPooling2d({ poolSize: 2 }),
    conv2d({ filters: 64, kernelSize: 3, activation: 'relu' }),
    maxPooling2d({ poolSize: 2 }),
    flatten(),
    dense({ units: 128, activation: 'relu' }),
    dense({ units: classes, activation: 'softmax' }),
  ], engine ? { engine } : undefined);
  model.compile({ optimizer: adam({ learningRate }), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  return model;
}
