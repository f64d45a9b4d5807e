// What `dendrite train` builds: layers, optimizer, loss, metrics and training options, from flags
// or from a JSON config file (--config), flags taking precedence. The file format:
//   { "layers": [{ "units": 64, "activation": "relu" }, { "units": 3, "activation": "softmax" }],
//     "optimizer": "adam" | { "name": "adam", "beta1": 0.9, ... }, "learningRate": 0.001,
//     "loss": "sparseCategoricalCrossentropy", "metrics": ["accuracy"],
//     "epochs": 10, "batchSize": 128, "validationSplit": 0.1, "seed": 42 }
// Layer entries take every option of their layer ({ "units": 64, ... } is dense; others name a
// "type": dropout, batchNormalization, layerNormalization, activation, where the library has it).
import { readFile } from 'node:fs/promises';
import * as lib from './lib.js';
import { DataError, type Optimizer, ValueError, lossNames, resolveOptimizerForCli } from './lib.js';
import { type Flags, UsageError } from './args.js';

/** One layer to build: the library's builder name and its options. */
export interface LayerSpec {
  type?: string;
  [option: string]: unknown;
}

export interface TrainSpec {
  layers: LayerSpec[];
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
  optimizer?: string | ({ name: string } & Record<string, number | boolean>);
  learningRate?: number;
  loss?: string;
  metrics?: string[];
  epochs?: number;
  batchSize?: number;
  validationSplit?: number;
  seed?: number;
}

const CONFIG_KEYS = ['layers', 'optimizer', 'learningRate', 'loss', 'metrics', 'epochs', 'batchSize', 'validationSplit', 'seed'];

/** The training spec from --config (if any) and flags; `classes` sizes the default output layer. */
export async function trainSpec(flags: Flags, classes: number | undefined): Promise<TrainSpec> {
  const file = flags.config === undefined ? {} : await readConfig(flags.config as string);
  const lr = (flags.lr as number | undefined) ?? file.learningRate;
  const loss = (flags.loss as string | undefined) ?? file.loss ?? 'sparseCategoricalCrossentropy';
  if (!lossNames.includes(loss as never)) throw new UsageError(`unknown loss "${loss}"; expected one of: ${lossNames.join(', ')}`);
  const model = flags.model ?? 'mlp';
  if (model !== 'mlp' && model !== 'cnn') throw new UsageError(`--model must be mlp or cnn, got "${model}"`);
  if (model === 'cnn' && (flags.layers !== undefined || file.layers !== undefined)) throw new UsageError('--model cnn sets the layers: give it without --layers or "layers" in --config');
  const layers =
    model === 'cnn' ? cnnLayers(outputLayer(loss, classes))
    : flags.layers !== undefined ? parseLayers(flags.layers as string)
    : file.layers ?? parseLayers(`256:relu,128:relu,${outputLayer(loss, classes)}`);
  checkOutputLayer(layers, loss, classes, flags.layers !== undefined ? '--layers' : `the layers of ${flags.config}`);
  const metrics = flags.metrics !== undefined ? (flags.metrics as string).split(',').map((m) => m.trim()).filter(Boolean) : file.metrics ?? defaultMetrics(loss);
  return {
    layers,
    optimizer: optimizer((flags.optimizer as string | undefined) ?? file.optimizer ?? 'adam', lr),
    loss,
    metrics,
    epochs: (flags.epochs as number | undefined) ?? file.epochs ?? (model === 'cnn' ? 15 : 10),
    batchSize: (flags['batch-size'] as number | undefined) ?? file.batchSize ?? 128,
    validationSplit: (flags['validation-split'] as number | undefined) ?? file.validationSplit ?? 0.1,
    seed: (flags.seed as number | undefined) ?? file.seed ?? 42,
  };
}

/**
 * "256:relu,dropout:0.2,128:relu,10:softmax" → layer specs: units[:activation] is a dense layer
 * (activation default linear), dropout:RATE, batchnorm, layernorm.
 */
export function parseLayers(spec: string): LayerSpec[] {
  return spec.split(',').map((part) => {
    const [head, arg, ...rest] = part.trim().split(':');
    const bad = () => new UsageError(`--layers entry "${part}" must be units:activation (e.g. 128:relu), dropout:RATE, batchnorm or layernorm`);
    if (rest.length) throw bad();
    if (/^\d+$/.test(head) && Number(head) >= 1) return { units: Number(head), activation: arg ?? 'linear' };
    if (head === 'dropout' && arg !== undefined && arg.trim() !== '' && Number.isFinite(Number(arg))) return { type: 'dropout', rate: Number(arg) };
    if ((head === 'batchnorm' || head === 'layernorm') && arg === undefined) return { type: head === 'batchnorm' ? 'batchNormalization' : 'layerNormalization' };
    throw bad();
  });
}

/** The tutorial CNN (fashionMnistCnn's layers) as layer specs, ending in `output` (units:activation). */
function cnnLayers(output: string): LayerSpec[] {
  return [
    { type: 'conv2d', filters: 32, kernelSize: 3, activation: 'relu' }, { type: 'maxPooling2d', poolSize: 2 },
    { type: 'conv2d', filters: 64, kernelSize: 3, activation: 'relu' }, { type: 'maxPooling2d', poolSize: 2 },
    { type: 'flatten' }, { units: 128, activation: 'relu' }, ...parseLayers(output),
  ];
}

/** The layer a spec describes; `inputShape` goes to the first layer. */
export function makeLayer(spec: LayerSpec, inputShape?: number[]): unknown {
  const { type = 'dense', ...options } = spec;
  const builder = (lib as unknown as Record<string, unknown>)[type];
  const known = ['dense', 'dropout', 'batchNormalization', 'layerNormalization', 'activation', 'conv2d', 'maxPooling2d', 'averagePooling2d', 'flatten'];
  if (!known.includes(type) || typeof builder !== 'function') {
    const have = known.filter((k) => typeof (lib as unknown as Record<string, unknown>)[k] === 'function');
    throw new ValueError(`unknown layer type "${type}"; this dendrite has: ${have.join(', ')}`);
  }
  return builder(inputShape ? { ...options, inputShape } : options);
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
  if (c.metrics !== undefined && (!Array.isArray(c.metrics) || c.metrics.some((m) => typeof m !== 'string'))) throw new DataError(`${path}: "metrics" must be an array of names`);
  return c;
}
