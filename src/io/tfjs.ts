// TF.js LayersModel import and export: model.json (Keras-style topology, weightsManifest) plus the
// weights as raw little-endian float32 — what tf.loadLayersModel reads and model.save writes.
// Both sides are channels last with Keras' weight layouts ((in, units), (kh, kw, in, out), ...) and
// names ("<layer>/<weight>"), so weights map one to one; export writes them in TF.js' save order.
// Import trusts nothing: the topology is read layer by layer (tfjs-topology.ts), the manifest's
// dtypes, shapes and byte counts are checked against the weight data before any tensor is made,
// and the resulting config and tensors then go through the same checks as a native file
// (model-file.ts assembleModel).
import { checkObject, describe, pathString } from '../check.js';
import { ModelFileError, ValueError } from '../errors.js';
import { Sequential } from '../model/sequential.js';
import { writeFileAtomic } from './atomic-write.js';
import { readFileBytes } from './file-read.js';
import { type LoadedTensor, type ModelConfig, type ModelLoadOptions, type SavedLayer, assembleModel, checkConfig, modelConfig } from './model-file.js';
import { concat } from './protobuf.js';
import { describe as shown } from './safetensors.js';
import { readSource } from './storage.js';
import { layerMappings, trainingConfigFromTfjs, trainingConfigToTfjs } from './tfjs-layers.js';
import { checkShapes, topology } from './tfjs-topology.js';
import { type TfjsLayer, activationToTfjs } from './tfjs-values.js';

const DTYPE_BYTES: Record<string, number> = { float32: 4, int32: 4, float16: 2, uint8: 1, bool: 1 };

/** One weight in the manifest. */
export interface TfjsWeightSpec {
  name: string;
  shape: number[];
  dtype: string;
  group?: string;
  quantization?: unknown;
}

/** model.json as TF.js writes and reads it (format "layers-model"). */
export interface TfjsModelJson {
  modelTopology: { class_name: string; config: { name: string; layers: TfjsLayer[] }; keras_version?: string; backend?: string };
  format?: string;
  generatedBy?: string;
  convertedBy?: string | null;
  weightsManifest: { paths: string[]; weights: TfjsWeightSpec[] }[];
  trainingConfig?: Record<string, unknown>;
}

/** What `toTfjs` returns: the two files of a TF.js LayersModel. */
export interface TfjsArtifacts {
  /** The content of model.json (write it with JSON.stringify). */
  modelJson: TfjsModelJson;
  /** The weights file named in modelJson.weightsManifest[0].paths[0]. */
  weightData: Uint8Array;
}

/** Options of `toTfjs` / `saveTfjs`. */
export interface ToTfjsOptions {
  /** File name of the weights, as written into model.json. Default 'weights.bin' (as tfjs-node's file:// saves). */
  weightsPath?: string;
}

/** Weight bytes for `fromTfjs`: all of them concatenated, or by manifest path. */
export type TfjsWeights = Uint8Array | ArrayBuffer | Record<string, Uint8Array | ArrayBuffer>;

// ---- export -------------------------------------------------------------------------------------

/** The model as a TF.js LayersModel: model.json and its weights, loadable with tf.loadLayersModel. */
export function toTfjs(model: Sequential, options: ToTfjsOptions = {}): TfjsArtifacts {
  if (!(model instanceof Sequential)) throw new ValueError(`toTfjs takes a model, got ${describe(model)}`);
  checkObject(options, 'toTfjs options', ['weightsPath']);
  const weightsPath = options.weightsPath ?? 'weights.bin';
  if (typeof weightsPath !== 'string' || !isPlainFileName(weightsPath)) {
    throw new ValueError(`weightsPath must be a plain file name such as "weights.bin", got ${describe(weightsPath)}`);
  }
  const weights = model.getWeights(); // builds an unbuilt model, so the config below knows its shapes
  const config = modelConfig(model);
  const taken = new Set(config.layers.map((l) => l.name));
  const layers: TfjsLayer[] = [];
  for (const l of config.layers) {
    const mapping = layerMappings.find((m) => m.type === l.type);
    if (!mapping) throw new ValueError(`layer "${l.name}" (${l.type}) has no TF.js equivalent; TF.js export supports: ${layerMappings.map((m) => m.type).join(', ')}`);
    let tf: TfjsLayer = { class_name: mapping.classNames[0], config: { name: l.name, ...mapping.toTfjs(l), trainable: l.trainable !== false } };
    if (layers.length === 0) tf.config.batch_input_shape = [null, ...config.inputShape];
    if (l.type === 'activation') {
      // TF.js' Activation layer takes the activation strings; leakyRelu is a LeakyReLU layer instead.
      const { activation, layer } = activationOut(l);
      if (layer) tf = { class_name: layer.class_name, config: { ...layer.config, ...tf.config } };
      else tf.config.activation = activation;
      layers.push(tf);
      continue;
    }
    layers.push(tf);
    if (l.activation !== undefined) {
      const { activation, layer } = activationOut(l);
      tf.config.activation = activation;
      if (layer) {
        let name = `${l.name}_activation`;
        for (let i = 1; taken.has(name); i++) name = `${l.name}_activation_${i}`;
        taken.add(name);
        layers.push({ class_name: layer.class_name, config: { ...layer.config, name, trainable: l.trainable !== false } });
      }
    }
  }
  const ordered = tfjsWeightOrder(model, weights);
  const specs: TfjsWeightSpec[] = ordered.map((w) => ({ name: tfjsWeightName(config, w.name), shape: w.shape, dtype: 'float32' }));
  const weightData = new Uint8Array(ordered.reduce((n, w) => n + w.data.byteLength, 0));
  let at = 0;
  for (const w of ordered) {
    weightData.set(new Uint8Array(w.data.buffer, w.data.byteOffset, w.data.byteLength), at);
    at += w.data.byteLength;
  }
  const modelJson: TfjsModelJson = {
    modelTopology: { class_name: 'Sequential', config: { name: config.name, layers }, keras_version: 'tfjs-layers 4.22.0', backend: 'tensor_flow.js' },
    format: 'layers-model',
    generatedBy: 'dendrite',
    convertedBy: null,
    weightsManifest: [{ paths: [weightsPath], weights: specs }],
  };
  const training = trainingConfigToTfjs(config.compile);
  if (training) modelJson.trainingConfig = training;
  return { modelJson, weightData };
}

function activationOut(l: SavedLayer): ReturnType<typeof activationToTfjs> {
  try {
    return activationToTfjs(l.activation);
  } catch (e) {
    throw new ValueError(`layer "${l.name}": ${(e as Error).message}`);
  }
}

/**
 * The order TF.js saves weights in: every trainable weight in layer order, then the rest (moving
 * statistics, and the weights of frozen layers: `trainable` false on the layer or the model).
 */
function tfjsWeightOrder<W extends { name: string }>(model: Sequential, weights: W[]): W[] {
  const frozen = (o: object) => (o as { trainable?: boolean }).trainable === false;
  const training = frozen(model) ? [] : model.layers.filter((l) => !frozen(l));
  const trainable = new Set(training.flatMap((l) => l.weightShapes().filter((w) => w.trainable !== false).map((w) => `${l.name}/${w.name}`)));
  return [...weights.filter((w) => trainable.has(w.name)), ...weights.filter((w) => !trainable.has(w.name))];
}

function tfjsWeightName(config: ModelConfig, name: string): string {
  const slash = name.lastIndexOf('/');
  const layer = config.layers.find((l) => l.name === name.slice(0, slash));
  const renamed = layerMappings.find((m) => m.type === layer?.type)?.weightNames?.[name.slice(slash + 1)];
  return renamed ? `${name.slice(0, slash)}/${renamed}` : name;
}

/** Write model.json and its weights file into `dir` (Node, Deno), each atomically; weights first. */
export async function saveTfjs(model: Sequential, dir: string, options: ToTfjsOptions = {}): Promise<{ modelJson: string; weights: string }> {
  if (typeof dir !== 'string' || dir === '') throw new ValueError(`saveTfjs needs a directory, got ${describe(dir)}`);
  pathString(dir, 'saveTfjs directory');
  const { modelJson, weightData } = toTfjs(model, options);
  const { join } = await import('node:path');
  const paths = { modelJson: join(dir, 'model.json'), weights: join(dir, modelJson.weightsManifest[0].paths[0]) };
  // Weights before model.json: a crash in between leaves an old model.json whose sizes either
  // still match (same architecture: a consistent model) or are caught by the loader's checks.
  await writeFileAtomic(paths.weights, weightData);
  await writeFileAtomic(paths.modelJson, new TextEncoder().encode(JSON.stringify(modelJson)));
  return paths;
}

// ---- import -------------------------------------------------------------------------------------

/**
 * A dendrite model from a TF.js LayersModel: model.json (object or text) and its weights (the
 * concatenated bytes, or bytes by manifest path). Also takes TF.js' in-memory ModelArtifacts
 * (`{ modelTopology, weightSpecs, weightData }`) with no second argument.
 */
export function fromTfjs(modelJson: unknown, weights?: TfjsWeights, options: ModelLoadOptions = {}): Sequential {
  const json = typeof modelJson === 'string' ? parseJson(modelJson) : modelJson;
  if (!isObject(json)) throw new ModelFileError(`model.json must be a JSON object, got ${describe(json)}`);
  if (json.format !== undefined && json.format !== 'layers-model') {
    throw new ModelFileError(`model.json has format ${shown(json.format)}; dendrite reads TF.js LayersModels ("layers-model"), not graph models`);
  }
  const { config, fuse, checks } = topology(json.modelTopology);
  const specs = weightSpecs(json);
  const data = weightBytes(json, weights);
  const tensors = decodeWeights(specs, data, fuse);
  inferDepthMultipliers(config, tensors);
  const compile = trainingConfigFromTfjs(json.trainingConfig);
  if (compile) config.compile = compile;
  const checked = checkConfig(config);
  checkShapes(checked, checks);
  return assembleModel(checked, tensors, undefined, options);
}

/**
 * Load a TF.js LayersModel: a path or http(s) URL of model.json (weights read beside it), or the
 * files a user picked (model.json and its weight files, as File objects).
 */
export async function loadTfjs(source: string | Blob[], options: ModelLoadOptions = {}): Promise<Sequential> {
  if (Array.isArray(source)) {
    const named = source.map((f) => ({ name: (f as File).name ?? '', blob: f }));
    const json = named.find((f) => f.name.endsWith('.json'));
    if (!json) throw new ValueError(`loadTfjs needs model.json among the files, got ${named.map((f) => JSON.stringify(f.name)).join(', ') || 'none'}`);
    const weights: Record<string, Uint8Array> = {};
    for (const f of named) if (f !== json) weights[f.name] = await readSource(f.blob);
    return fromTfjs(new TextDecoder().decode(await readSource(json.blob)), weights, options);
  }
  if (typeof source !== 'string' || source === '') throw new ValueError(`loadTfjs needs the path or URL of model.json, or the picked files; got ${describe(source)}`);
  const json = parseJson(new TextDecoder().decode(await readSource(source)));
  const paths = isObject(json) ? manifestPaths(json) : [];
  const weights: Record<string, Uint8Array> = {};
  const remote = /^https?:\/\//i.test(source);
  for (const p of paths) {
    if (!isPlainFileName(p)) throw new ModelFileError(`weights path ${shown(p)} in model.json must be a file name beside it (no directories, URLs or "..")`);
    weights[p] = remote ? await readSource(new URL(p, source).href) : await readFileBytes(await sibling(source, p));
  }
  return fromTfjs(json, weights, options);
}

/**
 * TF.js 4.22 saves SeparableConv2D without its depth_multiplier: the depthwise kernel's last
 * dimension (kh, kw, in, multiplier) says it (1 without one, for the shape check to name).
 */
function inferDepthMultipliers(config: ModelConfig, tensors: ReadonlyMap<string, LoadedTensor>): void {
  for (const l of config.layers) {
    if (l.type !== 'separableConv2d' || l.depthMultiplier !== undefined) continue;
    const shape = tensors.get(`${l.name}/depthwise_kernel`)?.shape;
    l.depthMultiplier = shape?.length === 4 && shape[3] >= 1 ? shape[3] : 1;
  }
}

/** Weight specs from weightsManifest (model.json) or weightSpecs (ModelArtifacts), minus optimizer state. */
function weightSpecs(json: Record<string, unknown>): TfjsWeightSpec[] {
  const raw = Array.isArray(json.weightSpecs) ? json.weightSpecs : manifestGroups(json).flatMap((g) => (g.weights as unknown[]) ?? []);
  const specs: TfjsWeightSpec[] = [];
  for (const [i, s] of (raw as unknown[]).entries()) {
    if (!isObject(s) || typeof s.name !== 'string' || !Array.isArray(s.shape)) throw new ModelFileError(`weight ${i} of the manifest must be { name, shape, dtype }, got ${describe(s)}`);
    const where = `weight "${s.name.slice(0, 64)}"`;
    if (!s.shape.every((d) => Number.isSafeInteger(d) && (d as number) >= 0)) throw new ModelFileError(`${where} has shape ${shown(s.shape)}; expected non-negative integers`);
    if (s.quantization != null) throw new ModelFileError(`${where} is quantized (${shown(s.quantization)}); dendrite reads float32 weights only`);
    // Optimizer state (TF.js' includeOptimizer) is skipped, but its bytes still sit in the data.
    const optimizerState = s.group === 'optimizer' && typeof s.dtype === 'string' && Object.hasOwn(DTYPE_BYTES, s.dtype);
    if (s.dtype !== 'float32' && !optimizerState) throw new ModelFileError(`${where} has dtype ${shown(s.dtype)}; dendrite reads float32 weights only`);
    specs.push(s as unknown as TfjsWeightSpec);
  }
  return specs;
}

function manifestGroups(json: Record<string, unknown>): Record<string, unknown>[] {
  const m = json.weightsManifest;
  if (m === undefined) return [];
  if (!Array.isArray(m) || !m.every(isObject)) throw new ModelFileError('model.json weightsManifest must be a list of { paths, weights }');
  return m as Record<string, unknown>[];
}

function manifestPaths(json: Record<string, unknown>): string[] {
  return manifestGroups(json).flatMap((g) => {
    if (!Array.isArray(g.paths) || !g.paths.every((p) => typeof p === 'string')) throw new ModelFileError('model.json weightsManifest paths must be lists of file names');
    return g.paths as string[];
  });
}

/** All weight bytes in manifest order. */
function weightBytes(json: Record<string, unknown>, weights: TfjsWeights | undefined): Uint8Array {
  let w = weights ?? (json.weightData as TfjsWeights | ArrayBuffer[] | undefined);
  if (Array.isArray(w) && w.every((b) => b instanceof ArrayBuffer)) w = concat(w.map((b) => new Uint8Array(b))); // TF.js ≥ 4.10 may split it
  if (w instanceof Uint8Array) return w;
  if (w instanceof ArrayBuffer) return new Uint8Array(w);
  if (!isObject(w)) throw new ValueError(`fromTfjs needs the weights: their bytes, or { [path]: bytes } for the manifest's paths; got ${describe(w)}`);
  const parts = manifestPaths(json).map((p) => {
    const part = Object.hasOwn(w, p) ? (w as Record<string, unknown>)[p] : undefined;
    if (part instanceof Uint8Array) return part;
    if (part instanceof ArrayBuffer) return new Uint8Array(part);
    throw new ModelFileError(`weights file ${shown(p)} named in model.json was not given`);
  });
  return concat(parts);
}


/** Tensors by dendrite name; sizes are checked against the data before any tensor is made. */
function decodeWeights(specs: TfjsWeightSpec[], data: Uint8Array, fuse: Map<string, string>): Map<string, LoadedTensor> {
  let total = 0;
  const sizes = specs.map((s) => {
    const n = s.shape.includes(0) ? 0 : s.shape.reduce((a, d) => a * d, 1) * DTYPE_BYTES[s.dtype];
    total += n;
    return n;
  });
  if (!Number.isSafeInteger(total) || total !== data.length) {
    throw new ModelFileError(`the manifest's weights need ${Number.isSafeInteger(total) ? total : 'more than 2^53'} bytes but the weight data has ${data.length}`);
  }
  const tensors = new Map<string, LoadedTensor>();
  let at = 0;
  for (const [i, s] of specs.entries()) {
    const bytes = data.subarray(at, at + sizes[i]);
    at += sizes[i];
    if (s.group === 'optimizer') continue; // TF.js optimizer state: dendrite's optimizers start fresh
    const key = s.name.replace(/:0$/, '');
    if (tensors.has(key)) throw new ModelFileError(`the manifest lists weight "${key.slice(0, 64)}" twice`);
    const layer = key.slice(0, key.lastIndexOf('/'));
    if (fuse.has(layer)) throw new ModelFileError(`weight "${key.slice(0, 64)}" belongs to activation layer "${layer}", which has none`);
    const copy = new Float32Array(sizes[i] / 4);
    new Uint8Array(copy.buffer).set(bytes);
    tensors.set(key, { shape: s.shape, data: copy });
  }
  return tensors;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new ModelFileError(`model.json is not valid JSON: ${(e as Error).message}`);
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A file name with no directory part, scheme or "..": what a manifest may name beside model.json. */
function isPlainFileName(p: string): boolean {
  return p !== '' && p !== '.' && p !== '..' && !/[/\\]/.test(p) && !/^[a-z][a-z0-9+.-]*:/i.test(p);
}

async function sibling(modelJsonPath: string, file: string): Promise<string> {
  const { dirname, join } = await import('node:path');
  const { fileURLToPath } = await import('node:url');
  const base = /^file:\/\//i.test(modelJsonPath) ? fileURLToPath(modelJsonPath) : modelJsonPath;
  return join(dirname(base), file);
}
