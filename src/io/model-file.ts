// The native model file: one safetensors container (see io/safetensors.ts).
//
//   __metadata__  format "dendrite", formatVersion "1", config (JSON: name, inputShape, layers,
//                 compile settings), and for checkpoints `checkpoint` (JSON: optimizer step,
//                 epochs trained, generator seed and counter, as decimal strings where 64-bit)
//   tensors       "<layer>/<weight>" in parameter order (dense: kernel (in, units), bias (units));
//                 checkpoints add "optimizer/<slot>" (paramCount), the optimizer's state vectors
//                 in the layout of the flat parameter region
//
// Loading trusts nothing: the container checks lengths, offsets and dtypes; this file checks the
// version, the config, every tensor's name and shape against the config and the optimizer's
// state sizes against its slot count — all before the model allocates any wasm memory. What is
// then allocated (weights, gradients, optimizer state) is bounded by the tensors the file holds.
import { checkObject, describe } from '../check.js';
import type { Engine } from '../engine/engine.js';
import { DendriteError, MemoryLimitError, ModelFileError, StateError } from '../errors.js';
import { fileActivation } from '../layers/activations.js';
import { layerFromConfig, layerTypes } from '../layers/index.js';
import type { Layer, LayerConfig } from '../layers/layer.js';
import { type LossKind, resolveLoss } from '../losses.js';
import { lossFitsOutput } from '../model/compile.js';
import type { TrainingState } from '../model/core.js';
import type { ModelFileOptions } from '../model/files.js';
import { Sequential } from '../model/sequential.js';
import { type Optimizer, resolveOptimizer } from '../optimizers.js';
import { checkCheckpointKeys, checkDepth, checkLayerConfig, checkModelKeys, checkStateTensors, MAX_LAYERS } from './config-schema.js';
import { describe as shown, decodeSafetensors, encodeSafetensors, type NamedTensor } from './safetensors.js';

export const FORMAT = 'dendrite';
export const FORMAT_VERSION = 1;

export type { ModelFileOptions };

/** Options of `modelFromBytes` and `loadModel`. */
export interface ModelLoadOptions {
  /** Engine the model runs on; default: the shared engine of this runtime. */
  engine?: Engine;
}

/** A layer's saved config: its type and name, then the layer's own options. */
export interface SavedLayer {
  type: string;
  name: string;
  [option: string]: unknown;
}

/** @internal The JSON in metadata "config". */
export interface ModelConfig {
  name: string;
  /** One sample's shape: [features], or e.g. [28, 28, 1]. */
  inputShape: number[];
  /** Keras `model.trainable` (absent: true); each layer's own flag is in its config. */
  trainable?: boolean;
  layers: SavedLayer[];
  compile?: {
    optimizer: { name: string; config: Record<string, unknown> };
    loss: { name: string; kind: LossKind; fromLogits: boolean; delta: number };
    /** Metric names, or options objects ({ name, ... }). */
    metrics: unknown[];
  };
}

/** @internal The JSON in metadata "checkpoint". */
export interface CheckpointState {
  iterations: number;
  epochsTrained: number;
  /** The generator's 64-bit seed and counter as decimal strings (JSON numbers stop at 2^53). */
  seed: string;
  counter: string;
}

/** A tensor as the loader needs it (the container's DecodedTensor, or one from a TF.js file). */
export interface LoadedTensor {
  shape: number[];
  data: Float32Array;
}

const OPTIMIZER_PREFIX = 'optimizer/';

/** Serialise a model (built on demand): config, weights, compile settings, and optionally the training state. */
export function modelToBytes(model: Sequential, options: ModelFileOptions = {}): Uint8Array {
  if (!(model instanceof Sequential)) throw new ModelFileError(`modelToBytes takes a model, got ${describe(model)}`);
  if (options === null || typeof options !== 'object') throw new ModelFileError(`save options must be an object, got ${describe(options)}`);
  const tensors: NamedTensor[] = model.getWeights();
  const metadata: Record<string, string> = {
    format: FORMAT,
    formatVersion: String(FORMAT_VERSION),
    config: JSON.stringify(modelConfig(model)),
  };
  if (options.includeOptimizer) {
    const core = model.core;
    const c = core.compiled;
    if (!c) throw new StateError('includeOptimizer needs a compiled model: call compile({ optimizer, loss }) first, or save without it');
    const t = core.saveTrainingState(); // first: it lays the weights out for a trainable flag set since the last step
    const n = core.paramCount;
    const opt = c.optimizer;
    // Not trained since compile: the state vectors are still their initial values.
    const live = core.hasOptimizerState;
    for (let s = 0; s < opt.slots; s++) {
      const data = live ? t.slots[s] : new Float32Array(n).fill(opt.initialState[s] ?? 0);
      tensors.push({ name: `${OPTIMIZER_PREFIX}${s}`, shape: [n], data });
    }
    const state: CheckpointState = { iterations: t.iterations, epochsTrained: t.epochsTrained, seed: String(t.seed), counter: String(t.counter) };
    metadata.checkpoint = JSON.stringify(state);
  }
  return encodeSafetensors(tensors, metadata);
}

/** @internal The config part of the file, also the starting point of the TF.js and ONNX exports. */
export function modelConfig(model: Sequential): ModelConfig {
  const config: ModelConfig = {
    name: model.name,
    inputShape: model.core.inputShape!,
    trainable: model.trainable,
    layers: model.layers.map((l) => l.getConfig() as unknown as SavedLayer),
  };
  const c = model.core.compiled;
  if (c) config.compile = { optimizer: c.optimizer.getConfig(), loss: { ...c.loss }, metrics: c.metricNames };
  return config;
}

/** Rebuild a model (and, from a checkpoint, its training state) from file bytes; every problem is a ModelFileError. */
export function modelFromBytes(bytes: Uint8Array, options: ModelLoadOptions = {}): Sequential {
  if (!(bytes instanceof Uint8Array)) throw new ModelFileError(`a model file must be given as a Uint8Array, got ${describe(bytes)}`);
  checkObject(options, 'load options', ['engine']);
  const { metadata, tensors } = decodeSafetensors(bytes);
  if (metadata.format !== FORMAT) {
    throw new ModelFileError(`not a dendrite model file: metadata format is ${JSON.stringify(metadata.format)}, expected "${FORMAT}"`);
  }
  const versionText = metadata.formatVersion;
  if (typeof versionText !== 'string' || !/^[1-9][0-9]{0,8}$/.test(versionText)) {
    throw new ModelFileError(`bad format version ${JSON.stringify(versionText)}; expected a positive integer such as "${FORMAT_VERSION}"`);
  }
  const version = Number(versionText);
  if (version > FORMAT_VERSION) {
    throw new ModelFileError(`model file has format version ${version}; this dendrite reads up to version ${FORMAT_VERSION} (upgrade dendrite)`);
  }
  const config = checkConfig(parseJson(metadata.config, 'config'));
  const checkpoint = metadata.checkpoint === undefined ? undefined : checkCheckpoint(parseJson(metadata.checkpoint, 'checkpoint'));
  return assembleModel(config, tensors, checkpoint, options);
}

/**
 * @internal A model from a checked config and named tensors (from our file, or converted from
 * TF.js). Every tensor the config implies must be present with its shape, and nothing else, before
 * the first allocation; later failures dispose the half-made model.
 */
export function assembleModel(
  config: ModelConfig,
  tensors: ReadonlyMap<string, LoadedTensor>,
  checkpoint: CheckpointState | undefined,
  options: ModelLoadOptions,
): Sequential {
  let model: Sequential;
  try {
    model = new Sequential(config.layers.map(layerFromSaved), { name: config.name, engine: options.engine });
    model.layers.forEach((l, i) => (l.name = config.layers[i].name));
    // The model's flag alone: its setter would also set every layer's, which their configs hold.
    model.core.trainable = config.trainable ?? true;
  } catch (e) {
    throw fileError(e, 'model config is invalid');
  }
  // `trainable`: the weight is of a trainable kind (checked within ±2^64 even in a frozen layer, which
  // may be unfrozen); `inTraining`: it is in the optimizer's range now (the layer and model not frozen).
  const expected: { key: string; shape: number[]; trainable: boolean; inTraining: boolean }[] = [];
  let shape = config.inputShape;
  try {
    for (const l of model.layers) {
      l.build(shape);
      for (const w of l.weightShapes()) {
        expected.push({ key: `${l.name}/${w.name}`, shape: w.shape, trainable: w.trainable, inTraining: w.trainable && model.core.trains(l) });
      }
      shape = l.outShape;
    }
  } catch (e) {
    throw fileError(e, 'model config is invalid');
  }
  const weightCount = expected.length;
  checkModelFits(model, config.inputShape.reduce((a, d) => a * d, 1), expected);
  // The optimizer's state covers the weights in training (non-trainable ones, like moving
  // statistics and frozen layers' weights, sit after them in the parameter region and are never updated by it).
  const paramCount = expected.reduce((n, { shape, inTraining }) => n + (inTraining ? shape.reduce((a, d) => a * d, 1) : 0), 0);
  let optimizer: Optimizer | undefined;
  if (config.compile) {
    try {
      optimizer = resolveOptimizer(config.compile.optimizer);
    } catch (e) {
      throw fileError(e, 'model config has an invalid optimizer');
    }
  }
  if (checkpoint) {
    if (!optimizer) throw new ModelFileError('model file has a checkpoint but no compile settings to resume with');
    for (let s = 0; s < optimizer.slots; s++) expected.push({ key: `${OPTIMIZER_PREFIX}${s}`, shape: [paramCount], trainable: false, inTraining: false });
  }
  for (const { key, shape } of expected) {
    const t = tensors.get(key);
    if (!t) throw new ModelFileError(`model file lacks tensor "${key}" (shape [${shape}]) that its config needs`);
    if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
      throw new ModelFileError(`tensor "${key}" has shape [${t.shape}] but the config needs [${shape}]`);
    }
  }
  const trainable = expected.slice(0, weightCount).filter((e) => e.trainable).map((e) => e.key);
  checkStateTensors(config.layers, trainable, checkpoint && config.compile?.optimizer.name, config.compile?.optimizer.config, (key) => tensors.get(key)?.data);
  const used = new Set(expected.map((e) => e.key));
  const extra = [...tensors.keys()].filter((k) => !used.has(k));
  if (extra.length) {
    const hint = !checkpoint && extra.some((k) => k.startsWith(OPTIMIZER_PREFIX)) ? ' (optimizer state without checkpoint metadata)' : '';
    throw new ModelFileError(`model file has tensors its config does not use${hint}: ${extra.slice(0, 8).join(', ')}${extra.length > 8 ? ', …' : ''}`);
  }
  try {
    model.build({ inputShape: config.inputShape, seed: 0 });
    model.setWeights(expected.slice(0, weightCount).map((e) => tensors.get(e.key)!.data));
    // A file from before compile refused a loss its output cannot carry (docs/keras-conformance.md)
    // keeps its weights: it loads uncompiled, to be compiled again with a loss that fits.
    const compile = config.compile && lossFitsOutput(resolveLoss(config.compile.loss), model.core.outputSize, model.layers) ? config.compile : undefined;
    if (compile) {
      const { loss, metrics } = compile;
      model.compile({ optimizer: optimizer!, loss: loss as never, metrics: metrics as never });
      if (checkpoint) restoreTraining(model, optimizer!, tensors, checkpoint);
    }
  } catch (e) {
    model.dispose();
    throw fileError(e, 'model file is inconsistent');
  }
  return model;
}

/**
 * Every size the config implies, against the engine's memory before anything is allocated: the
 * weights, their gradients and one row through every layer (what predict on one row needs). A tiny
 * file can describe layers gigabytes wide; refused here, it never reaches build or an exporter.
 */
function checkModelFits(model: Sequential, width: number, weights: { shape: number[]; trainable: boolean }[]): void {
  let floats = 0;
  for (const { shape, trainable } of weights) floats += shape.reduce((a, d) => a * d, 1) * (trainable ? 2 : 1);
  let perRow = width + 1 + model.layers[model.layers.length - 1].outputSize; // input, sample weight, target
  for (const l of model.layers) perRow += l.floatsPerRow();
  const bytes = (floats + perRow) * 4;
  try {
    model.core.engine.checkFits(bytes, 'the model in this file');
  } catch (e) {
    // More than any engine holds is the file's fault; more than this engine has left is not.
    if (!(e instanceof MemoryLimitError) || bytes <= 2 ** 32) throw e;
    throw new ModelFileError(`model config describes a model that cannot fit in memory: ${floats} floats of weights and gradients, ${perRow} per row of activations`);
  }
}

/** The optimizer's state vectors and step, the epoch count and the generator: what fit resumes from. */
function restoreTraining(model: Sequential, optimizer: Optimizer, tensors: ReadonlyMap<string, LoadedTensor>, c: CheckpointState): void {
  const state: TrainingState = {
    epochsTrained: c.epochsTrained,
    seed: BigInt(c.seed),
    counter: BigInt(c.counter),
    iterations: c.iterations,
    slots: Array.from({ length: optimizer.slots }, (_, s) => tensors.get(`${OPTIMIZER_PREFIX}${s}`)!.data),
  };
  model.core.restoreTrainingState(state);
}

/** One layer from its saved config (layerFromConfig knows every type); errors name the layer. */
function layerFromSaved(config: SavedLayer): Layer {
  try {
    const c = config as LayerConfig;
    // Files from before leakyRelu's default became 0.2 (Keras 3) wrote a bare name for 0.3.
    return layerFromConfig('activation' in c ? { ...c, activation: fileActivation(c.activation) } : c);
  } catch (e) {
    if (!(e instanceof DendriteError) || e instanceof ModelFileError) throw e;
    throw new ModelFileError(`layer "${config.name}" (${config.type}): ${e.message}`);
  }
}

/**
 * @internal Check a config (from our file or built from a TF.js file) against the schema in
 * config-schema.ts: depth first, then keys, types and ranges of the model, every layer and the
 * compile settings.
 */
export function checkConfig(c: unknown): ModelConfig {
  checkDepth(c, 'model config');
  if (!isObject(c)) throw new ModelFileError(`model config must be a JSON object, got ${shown(c)}`);
  if (!Array.isArray(c.layers) || c.layers.length === 0) throw new ModelFileError('model config must list at least one layer');
  if (c.layers.length > MAX_LAYERS) throw new ModelFileError(`model config lists ${c.layers.length} layers; a model file may have at most ${MAX_LAYERS}`);
  const shape = c.inputShape;
  // At most 8 dimensions and 2^31 values per sample: more can never fit in a wasm32 memory.
  if (!Array.isArray(shape) || shape.length === 0 || shape.length > 8 || !shape.every((d) => Number.isSafeInteger(d) && d >= 1) || shape.reduce((a, d) => a * d, 1) > 2 ** 31) {
    throw new ModelFileError(`model config inputShape must be one sample's shape ([features], or e.g. [28, 28, 1]), got ${shown(shape)}`);
  }
  checkModelKeys(c, 'model config');
  const names = new Set<string>();
  for (const [i, l] of c.layers.entries()) {
    if (!isObject(l)) throw new ModelFileError(`layer ${i} of the model config must be an object, got ${shown(l)}`);
    if (typeof l.type !== 'string') throw new ModelFileError(`layer ${i} has no type`);
    if (typeof l.name !== 'string' || l.name === '') throw new ModelFileError(`layer ${i} has no name`);
    if (names.has(l.name)) throw new ModelFileError(`two layers are named ${shown(l.name)}`);
    names.add(l.name);
    const where = `layer ${shown(l.name)} (${shown(l.type).slice(1, -1)})`;
    if (!layerTypes.includes(l.type)) throw new ModelFileError(`${where}: unsupported layer type ${shown(l.type)}; this version supports: ${layerTypes.join(', ')}`);
    checkLayerConfig(l, where);
  }
  const loss = (c.compile as ModelConfig['compile'])?.loss;
  if (loss && resolveLoss({ kind: loss.kind } as never).name !== loss.name) {
    throw new ModelFileError(`model config compile.loss names ${shown(loss.name)} but its kind "${loss.kind}" is ${resolveLoss({ kind: loss.kind } as never).name}`);
  }
  return { ...c, name: c.name ?? 'sequential' } as unknown as ModelConfig;
}

function checkCheckpoint(c: unknown): CheckpointState {
  checkDepth(c, 'checkpoint');
  checkCheckpointKeys(c, 'checkpoint');
  return c as unknown as CheckpointState;
}

function parseJson(text: string | undefined, key: string): unknown {
  if (text === undefined) throw new ModelFileError(`model file has no "${key}" in its metadata`);
  try {
    return JSON.parse(text);
  } catch {
    throw new ModelFileError(`model ${key} in the metadata is not valid JSON`);
  }
}

/**
 * Errors of our own classes caused by the file's contents become ModelFileErrors. A real lack of
 * memory stays a MemoryLimitError; anything else is a bug and passes through.
 */
function fileError(e: unknown, context: string): unknown {
  if (e instanceof ModelFileError || e instanceof MemoryLimitError || !(e instanceof DendriteError)) return e;
  return new ModelFileError(`${context}: ${e.message}`);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
