// The native model file: one safetensors container (see io/safetensors.ts) whose __metadata__
// holds the format name, version and the model config as JSON; tensors are the layers' weights
// named "<layer>/kernel" (in, units) and "<layer>/bias" (units), in parameter order. Loading
// checks the container, then the config, then every tensor's name and shape against the config,
// before the model allocates anything.
import { describe } from '../check.js';
import type { Engine } from '../engine/engine.js';
import { DendriteError, ModelFileError } from '../errors.js';
import { type DenseConfig, dense } from '../layers/dense.js';
import { type LossKind, losses } from '../losses.js';
import { Sequential } from '../model/sequential.js';
import { decodeSafetensors, encodeSafetensors } from './safetensors.js';

export const FORMAT = 'dendrite';
export const FORMAT_VERSION = 1;

interface ModelConfig {
  name: string;
  inputShape: number[];
  layers: DenseConfig[];
  compile?: {
    optimizer: { name: string; config: Record<string, number | boolean> };
    loss: { name: string; kind: LossKind; fromLogits: boolean; delta: number };
    metrics: string[];
  };
}

/** Serialise a built model (config, weights and, if compiled, its compile settings). */
export function modelToBytes(model: Sequential): Uint8Array {
  const weights = model.getWeights();
  const config: ModelConfig = {
    name: model.name,
    inputShape: [model.inputDim],
    layers: model.layers.map((l) => l.getConfig()),
  };
  const c = model.compiled;
  if (c) config.compile = { optimizer: c.optimizer.getConfig(), loss: { ...c.loss }, metrics: c.metricNames };
  return encodeSafetensors(weights, {
    format: FORMAT,
    formatVersion: String(FORMAT_VERSION),
    config: JSON.stringify(config),
  });
}

/** Rebuild a model from file bytes; every inconsistency is a ModelFileError. */
export function modelFromBytes(bytes: Uint8Array, options: { engine?: Engine } = {}): Sequential {
  if (!(bytes instanceof Uint8Array)) throw new ModelFileError(`a model file must be given as a Uint8Array, got ${describe(bytes)}`);
  const { metadata, tensors } = decodeSafetensors(bytes);
  if (metadata.format !== FORMAT) {
    throw new ModelFileError(`not a dendrite model file: metadata format is ${JSON.stringify(metadata.format)}, expected "${FORMAT}"`);
  }
  const version = Number(metadata.formatVersion);
  if (!Number.isInteger(version) || version < 1) throw new ModelFileError(`bad format version ${JSON.stringify(metadata.formatVersion)}`);
  if (version > FORMAT_VERSION) {
    throw new ModelFileError(`model file has format version ${version}; this dendrite reads up to version ${FORMAT_VERSION} (upgrade dendrite)`);
  }
  const config = parseConfig(metadata.config);
  let model: Sequential;
  try {
    model = new Sequential(
      config.layers.map((l) => dense({ ...l })),
      { name: config.name, engine: options.engine },
    );
    model.layers.forEach((l, i) => (l.name = config.layers[i].name));
  } catch (e) {
    throw new ModelFileError(`model config is invalid: ${(e as Error).message}`);
  }
  // Every tensor the config implies, with its shape, before any allocation.
  const expected: string[] = [];
  let width = config.inputShape[0];
  for (const l of model.layers) {
    l.build(width);
    for (const { name, shape } of l.weightShapes()) {
      const key = `${l.name}/${name}`;
      const t = tensors.get(key);
      if (!t) throw new ModelFileError(`model file lacks tensor "${key}" (shape [${shape}]) that its config needs`);
      if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
        throw new ModelFileError(`tensor "${key}" has shape [${t.shape}] but the config needs [${shape}]`);
      }
      expected.push(key);
    }
    width = l.units;
  }
  const extra = [...tensors.keys()].filter((k) => !expected.includes(k));
  if (extra.length) throw new ModelFileError(`model file has tensors its config does not use: ${extra.join(', ')}`);
  try {
    model.build({ inputShape: config.inputShape, seed: 0 });
    model.setWeights(expected.map((key) => tensors.get(key)!.data));
    if (config.compile) {
      const { optimizer, loss, metrics } = config.compile;
      const lossObj = loss.kind === 'huber' ? losses.huber({ delta: loss.delta }) : { ...loss };
      model.compile({ optimizer: optimizer as never, loss: lossObj as never, metrics });
    }
  } catch (e) {
    model.dispose();
    if (e instanceof DendriteError && !(e instanceof ModelFileError)) throw new ModelFileError(`model file is inconsistent: ${e.message}`);
    throw e;
  }
  return model;
}

function parseConfig(text: string | undefined): ModelConfig {
  if (text === undefined) throw new ModelFileError('model file has no "config" in its metadata');
  let c: ModelConfig;
  try {
    c = JSON.parse(text) as ModelConfig;
  } catch {
    throw new ModelFileError('model config in the metadata is not valid JSON');
  }
  if (c === null || typeof c !== 'object' || !Array.isArray(c.layers) || c.layers.length === 0) {
    throw new ModelFileError('model config must list at least one layer');
  }
  if (!Array.isArray(c.inputShape) || c.inputShape.length !== 1 || !Number.isSafeInteger(c.inputShape[0]) || c.inputShape[0] < 1) {
    throw new ModelFileError(`model config inputShape must be [features], got ${JSON.stringify(c.inputShape)}`);
  }
  for (const [i, l] of c.layers.entries()) {
    if (l === null || typeof l !== 'object' || l.type !== 'dense') {
      throw new ModelFileError(`layer ${i} has unsupported type ${JSON.stringify((l as { type?: unknown })?.type)}; this version supports: dense`);
    }
    if (typeof l.name !== 'string' || l.name === '') throw new ModelFileError(`layer ${i} has no name`);
  }
  if (typeof c.name !== 'string') c.name = 'sequential';
  return c;
}
