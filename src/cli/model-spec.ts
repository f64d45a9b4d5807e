// What `dendrite train` builds: layers, optimizer, loss, metrics and training options, from flags
// or from a JSON config file (--config), flags taking precedence. The file format:
//   { "layers": [{ "units": 64, "activation": "relu" }, { "units": 3, "activation": "softmax" }],
//     "optimizer": "adam" | { "name": "adam", "beta1": 0.9, ... }, "learningRate": 0.001,
//     "loss": "sparseCategoricalCrossentropy", "metrics": ["accuracy"],
//     "epochs": 10, "batchSize": 128, "validationSplit": 0.1, "seed": 42 }
// Layer entries take every option of their layer ({ "units": 64, ... } is dense; others name a
// "type", the library's builder: conv2d, maxPooling2d, flatten, dropout, ...), and "inputShape"
// the shape of one sample ([28, 28, 1]) as --input-shape does.
import { readFile } from 'node:fs/promises';
import { DataError, type Optimizer, ValueError, fashionMnistCnnBody, fashionMnistCnnLearningRate, lossNames, resolveOptimizerForCli } from './lib.js';
import { type Flags, UsageError } from './args.js';
import type { Dataset } from './data.js';
import { type LayerSpec, parseLayers } from './layer-spec.js';

export interface TrainSpec {
  layers: LayerSpec[];
  /** Each layer as the user wrote it, for messages: '--layers entry 2 "maxpool:2"'. */
  sources: string[];
  /** The shape of one sample, when given (--input-shape or the config's inputShape). */
  inputShape?: number[];
  optimizer: Optimizer;
  loss: string;
  metrics: string[];
  epochs: number;
  batchSize: number;
  validationSplit: number;
  seed: number;
}

interface ConfigFile {
  layers?: LayerSpec[];
  inputShape?: number[];
  optimizer?: string | ({ name: string } & Record<string, number | boolean>);
  learningRate?: number;
  loss?: string;
  metrics?: string[];
  epochs?: number;
  batchSize?: number;
  validationSplit?: number;
  seed?: number;
}

const CONFIG_KEYS = ['layers', 'inputShape', 'optimizer', 'learningRate', 'loss', 'metrics', 'epochs', 'batchSize', 'validationSplit', 'seed'];

/** The training spec from --config (if any) and flags; `classes` sizes the default output layer. */
export async function trainSpec(flags: Flags, classes: number | undefined): Promise<TrainSpec> {
  const file = flags.config === undefined ? {} : await readConfig(flags.config as string);
  const optimizerSpec = (flags.optimizer as string | undefined) ?? file.optimizer ?? 'adam';
  const recipeAdam = flags.model === 'cnn' && typeof optimizerSpec === 'string' && optimizerSpec.toLowerCase() === 'adam';
  // --model cnn with Adam starts from the recipe's rate, as fashionMnistCnn does.
  const lr = (flags.lr as number | undefined) ?? file.learningRate ?? (recipeAdam ? fashionMnistCnnLearningRate : undefined);
  const loss = (flags.loss as string | undefined) ?? file.loss ?? 'sparseCategoricalCrossentropy';
  if (!lossNames.includes(loss as never)) throw new UsageError(`unknown loss "${loss}"; expected one of: ${lossNames.join(', ')}`);
  checkModelFlags(flags);
  const model = flags.model ?? 'mlp';
  if (model === 'cnn' && (flags.layers !== undefined || file.layers !== undefined)) throw new UsageError('--model cnn sets the layers: give it without --layers or "layers" in --config');
  const given = flags.layers !== undefined ? parseLayers(flags.layers as string) : undefined;
  const layers = model === 'cnn' ? cnnLayers(outputLayer(loss, classes)) : given?.layers ?? file.layers ?? parseLayers(`256:relu,128:relu,${outputLayer(loss, classes)}`).layers;
  const sources = given ? given.entries.map((e, i) => `--layers entry ${i + 1} "${e}"`)
    : layers.map((_, i) => model === 'cnn' ? `layer ${i + 1} of --model cnn` : file.layers ? `layer ${i + 1} of ${flags.config}` : `layer ${i + 1}`);
  checkOutputLayer(layers, loss, classes, flags.layers !== undefined ? '--layers' : `the layers of ${flags.config}`);
  const metrics = flags.metrics !== undefined ? (flags.metrics as string).split(',').map((m) => m.trim()).filter(Boolean) : file.metrics ?? defaultMetrics(loss);
  return {
    layers,
    sources,
    inputShape: flags['input-shape'] !== undefined ? parseInputShape(flags['input-shape'] as string) : file.inputShape,
    optimizer: optimizer(optimizerSpec, lr),
    loss,
    metrics,
    epochs: (flags.epochs as number | undefined) ?? file.epochs ?? (model === 'cnn' ? 15 : 10),
    batchSize: (flags['batch-size'] as number | undefined) ?? file.batchSize ?? 128,
    validationSplit: (flags['validation-split'] as number | undefined) ?? file.validationSplit ?? 0.1,
    seed: (flags.seed as number | undefined) ?? file.seed ?? 42,
  };
}

/** --model, --layers and --input-shape are checked before any data is read: usage errors, at once. */
export function checkModelFlags(flags: Flags): void {
  if (flags.model !== undefined && flags.model !== 'mlp' && flags.model !== 'cnn') throw new UsageError(`--model must be mlp or cnn, got "${flags.model}"`);
  if (flags.layers !== undefined) parseLayers(flags.layers as string);
  if (flags['input-shape'] !== undefined) parseInputShape(flags['input-shape'] as string);
}

/** "28,28,1" → [28, 28, 1]. */
export function parseInputShape(text: string): number[] {
  const dims = text.split(',').map((d) => d.trim());
  if (!dims.every((d) => /^\d+$/.test(d) && Number(d) >= 1 && Number.isSafeInteger(Number(d)))) {
    throw new UsageError(`--input-shape must be sizes ≥ 1 separated by commas, e.g. 28,28,1 (height, width, channels), got "${text}"`);
  }
  return dims.map(Number);
}

const SPATIAL_2D = ['conv2d', 'separableConv2d', 'depthwiseConv2d', 'maxPooling2d', 'averagePooling2d', 'globalMaxPooling2d', 'globalAveragePooling2d',
  'zeroPadding2d', 'upSampling2d', 'spatialDropout2d'];
const SPATIAL_1D = ['conv1d', 'maxPooling1d', 'averagePooling1d', 'globalMaxPooling1d', 'globalAveragePooling1d', 'zeroPadding1d', 'spatialDropout1d'];
/** Layers that take samples of any shape: the next layer decides. */
const ANY_SHAPE = ['dropout', 'batchNormalization', 'layerNormalization', 'activation'];

/**
 * The shape of one sample: the given one (its size must be the data's row width: rows feed the
 * model as they are, no copy), else as the first layer that cares wants it: images for a 2-D
 * layer (the IDX files' [h, w] with one channel, or s × s for rows of s² values), [steps, 1] for
 * a 1-D one, flat rows otherwise.
 */
export function inputShapeFor(spec: TrainSpec, data: Dataset): number[] {
  const width = data.x.shape[1];
  if (spec.inputShape) {
    const size = spec.inputShape.reduce((a, b) => a * b, 1);
    if (size === width) return spec.inputShape;
    const what = spec.inputShape.length > 1 ? `${spec.inputShape.join(' × ')} = ${size}` : String(size);
    const rows = data.sampleShape ? `${width} values (${data.sampleShape.join(' × ')} images)` : `${width} feature columns`;
    throw new UsageError(`--input-shape ${spec.inputShape.join(',')} holds ${what} values per sample, but the rows of ${data.name} have ${rows}`);
  }
  const i = spec.layers.findIndex((l) => !ANY_SHAPE.includes(l.type ?? 'dense'));
  const first = spec.layers[i]?.type ?? 'dense';
  const s = data.sampleShape;
  if (SPATIAL_1D.includes(first)) return s?.length === 2 ? s : [width, 1];
  if (!SPATIAL_2D.includes(first)) return [width];
  if (s?.length === 3) return s;
  if (s?.length === 2) return [...s, 1];
  const side = Math.round(Math.sqrt(width));
  if (side * side === width) return [side, side, 1];
  throw new UsageError(`${spec.sources[i]} takes images, but rows of ${width} values are not s × s one-channel images: give their shape with --input-shape H,W,C`);
}

/** The recipe CNN (fashionMnistCnn's layers: the tutorial CNN with batch norm and dropout) as layer specs, ending in `output` (units:activation). */
function cnnLayers(output: string): LayerSpec[] {
  return [...fashionMnistCnnBody.map((config) => ({ ...config })), ...parseLayers(output).layers];
}

function outputLayer(loss: string, classes: number | undefined): string {
  if (/^(mse|mae|meanSquaredError|meanAbsoluteError|huber)$/.test(loss)) return '1:linear';
  if (loss === 'binaryCrossentropy') return '1:sigmoid';
  if (classes === undefined) throw new UsageError('cannot tell how many classes there are: give --layers with the output layer');
  return `${classes}:softmax`;
}

/**
 * Class output must be one probability per class (softmax over `classes` units), binary output one
 * probability (1 sigmoid unit): otherwise predict would print "probabilities" of 1.16 or 1e30 and
 * accuracy would compare ids the model cannot produce.
 */
function checkOutputLayer(layers: LayerSpec[], loss: string, classes: number | undefined, where: string): void {
  const kind = loss === 'binaryCrossentropy' ? 'binary' : /^(sparseC|c)ategoricalCrossentropy$/.test(loss) ? 'classes' : undefined;
  if (!kind) return;
  const dense = layers.map((l) => (l.type ?? 'dense') === 'dense');
  const i = dense.lastIndexOf(true);
  if (i < 0) return; // no dense layer: the builder reports it
  // A separate activation layer after the last dense one decides the output.
  const after = layers.slice(i + 1).reverse().find((l) => l.type === 'activation');
  const units = layers[i].units;
  const activation = String(after?.activation ?? layers[i].activation ?? 'linear');
  const [want, wantUnits] = kind === 'binary' ? ['sigmoid', 1] : ['softmax', classes];
  const end = wantUnits === undefined ? `N:${want}` : `${wantUnits}:${want}`;
  const what = kind === 'binary' ? `one probability (loss ${loss})` : `a probability per class (loss ${loss}${classes === undefined ? '' : `, ${classes} classes in the data`})`;
  if ((wantUnits !== undefined && units !== wantUnits) || activation !== want) {
    throw new UsageError(`${where} ends with ${units} units and activation ${activation}, but the output must be ${what}: ${wantUnits ?? 'one unit per class'} units with activation ${want} (e.g. end with ${end})`);
  }
}

function defaultMetrics(loss: string): string[] {
  return /^(mse|mae|meanSquaredError|meanAbsoluteError|huber)$/.test(loss) ? ['mae'] : ['accuracy'];
}

function optimizer(spec: ConfigFile['optimizer'], lr: number | undefined): Optimizer {
  if (typeof spec === 'string') return resolveOptimizerForCli(spec, lr ?? defaultLr(spec));
  const { name, ...config } = spec!;
  return resolveOptimizerForCli(name, lr ?? (config.learningRate as number | undefined) ?? defaultLr(name), config);
}

/** Keras' defaults: 0.01 for SGD, 0.001 for the adaptive ones. */
function defaultLr(name: string): number {
  return name.toLowerCase() === 'sgd' ? 0.01 : 0.001;
}

async function readConfig(path: string): Promise<ConfigFile> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new DataError((e as { code?: string }).code === 'ENOENT' ? `no such file: ${path}` : `cannot read ${path}: ${(e as Error).message}`);
  }
  let c: ConfigFile;
  try {
    c = JSON.parse(text) as ConfigFile;
  } catch (e) {
    throw new DataError(`${path}: is not valid JSON (${(e as Error).message})`);
  }
  if (c === null || typeof c !== 'object' || Array.isArray(c)) throw new DataError(`${path}: expected a JSON object like { "layers": [...], "optimizer": "adam" }`);
  const unknown = Object.keys(c).filter((k) => !CONFIG_KEYS.includes(k));
  if (unknown.length) throw new DataError(`${path}: unknown key(s) ${unknown.join(', ')}; expected: ${CONFIG_KEYS.join(', ')}`);
  if (c.layers !== undefined && (!Array.isArray(c.layers) || c.layers.length === 0 || c.layers.some((l) => l === null || typeof l !== 'object'))) {
    throw new DataError(`${path}: "layers" must be a non-empty array of objects like { "units": 64, "activation": "relu" }`);
  }
  if (c.optimizer !== undefined && typeof c.optimizer !== 'string' && (c.optimizer === null || typeof c.optimizer !== 'object' || typeof c.optimizer.name !== 'string')) {
    throw new DataError(`${path}: "optimizer" must be a name or { "name": "adam", ... }`);
  }
  for (const k of ['learningRate', 'epochs', 'batchSize', 'validationSplit', 'seed'] as const) {
    if (c[k] !== undefined && typeof c[k] !== 'number') throw new ValueError(`${path}: "${k}" must be a number, got ${JSON.stringify(c[k])}`);
  }
  if (c.inputShape !== undefined && (!Array.isArray(c.inputShape) || !c.inputShape.length || c.inputShape.some((d) => !Number.isSafeInteger(d) || d < 1))) {
    throw new DataError(`${path}: "inputShape" must be an array of sizes ≥ 1 like [28, 28, 1], got ${JSON.stringify(c.inputShape)}`);
  }
  if (c.metrics !== undefined && (!Array.isArray(c.metrics) || c.metrics.some((m) => typeof m !== 'string'))) throw new DataError(`${path}: "metrics" must be an array of names`);
  return c;
}
