// The compact layer syntax of `dendrite train --layers`: comma-separated entries, each
// NAME:VALUE:...:KEY=VALUE...: a layer name, its main values in a fixed order, then any option of
// the layer's builder by its Keras name (strides=2, padding=same). A bare number is a dense layer
// (128:relu). Every value may also be given by name (conv:filters=32:kernelSize=3), so each entry
// reads one way only: values first, in order; named options after them, each once.
import { closest, suggestion } from '../check.js';
import * as lib from './lib.js';
import { DendriteError, type Layer, ValueError, activationNames } from './lib.js';
import { UsageError } from './args.js';

/** One layer to build: the library's builder name and its options. */
export interface LayerSpec {
  type?: string;
  [option: string]: unknown;
}

interface Kind {
  /** The library's builder. */
  type: string;
  /** Options given by position, in order. */
  args: string[];
  /** How many of them must be there. */
  required: number;
  /** The entry's form and what it is, for --help and messages. */
  form: string;
  what: string;
}

const kind = (type: string, args: string[], required: number, form: string, what: string): Kind => ({ type, args, required, form, what });
const CONV = ['filters', 'kernelSize', 'activation'];

/** The entries by name; `dense` is also written as a bare number (128:relu). */
export const LAYER_KINDS: Record<string, Kind> = {
  dense: kind('dense', ['units', 'activation'], 1, 'UNITS[:ACT]', 'dense, e.g. 128:relu or dense:128:relu'),
  conv: kind('conv2d', CONV, 2, 'conv:FILTERS:KERNEL[:ACT]', '2-D convolution, e.g. conv:32:3:relu'),
  conv1d: kind('conv1d', CONV, 2, 'conv1d:FILTERS:KERNEL[:ACT]', '1-D convolution over [steps, channels]'),
  separable: kind('separableConv2d', CONV, 2, 'separable:FILTERS:KERNEL[:ACT]', 'depthwise then 1×1 convolution'),
  depthwise: kind('depthwiseConv2d', ['kernelSize', 'activation'], 1, 'depthwise:KERNEL[:ACT]', 'one filter per input channel'),
  maxpool: kind('maxPooling2d', ['poolSize'], 0, 'maxpool[:SIZE]', '2-D max pooling (size 2 by default)'),
  avgpool: kind('averagePooling2d', ['poolSize'], 0, 'avgpool[:SIZE]', '2-D average pooling'),
  maxpool1d: kind('maxPooling1d', ['poolSize'], 0, 'maxpool1d[:SIZE]', '1-D max pooling'),
  avgpool1d: kind('averagePooling1d', ['poolSize'], 0, 'avgpool1d[:SIZE]', '1-D average pooling'),
  globalmaxpool: kind('globalMaxPooling2d', [], 0, 'globalmaxpool', 'maximum of each channel over the image'),
  globalavgpool: kind('globalAveragePooling2d', [], 0, 'globalavgpool', 'mean of each channel over the image'),
  globalmaxpool1d: kind('globalMaxPooling1d', [], 0, 'globalmaxpool1d', 'the same over the steps'),
  globalavgpool1d: kind('globalAveragePooling1d', [], 0, 'globalavgpool1d', 'the same over the steps'),
  zeropad: kind('zeroPadding2d', ['padding'], 0, 'zeropad[:PAD]', 'zeros around the image (1 by default; 1x2)'),
  zeropad1d: kind('zeroPadding1d', ['padding'], 0, 'zeropad1d[:PAD]', 'zeros before and after the steps'),
  upsample: kind('upSampling2d', ['size'], 0, 'upsample[:SIZE]', 'repeat rows and columns (2 by default)'),
  flatten: kind('flatten', [], 0, 'flatten', 'one vector per sample'),
  reshape: kind('reshape', ['targetShape'], 1, 'reshape:SHAPE', 'e.g. reshape:7x7x16 (one size may be -1)'),
  dropout: kind('dropout', ['rate'], 1, 'dropout:RATE', 'e.g. dropout:0.25'),
  spatialdropout: kind('spatialDropout2d', ['rate'], 1, 'spatialdropout:RATE', 'drop whole channels of an image'),
  spatialdropout1d: kind('spatialDropout1d', ['rate'], 1, 'spatialdropout1d:RATE', 'drop whole channels of steps'),
  batchnorm: kind('batchNormalization', [], 0, 'batchnorm', 'batch normalisation (over the channels)'),
  layernorm: kind('layerNormalization', [], 0, 'layernorm', 'layer normalisation'),
  activation: kind('activation', ['activation'], 1, 'activation:ACT', 'an activation on its own'),
};

/** Other spellings: the long names and the library's builder names (compared without case). */
const ALIASES: Record<string, string> = {
  conv2d: 'conv', separableconv2d: 'separable', depthwiseconv2d: 'depthwise', maxpool2d: 'maxpool', avgpool2d: 'avgpool',
  maxpooling2d: 'maxpool', averagepooling2d: 'avgpool', maxpooling1d: 'maxpool1d', averagepooling1d: 'avgpool1d',
  globalmaxpool2d: 'globalmaxpool', globalavgpool2d: 'globalavgpool', globalmaxpooling2d: 'globalmaxpool',
  globalaveragepooling2d: 'globalavgpool', globalmaxpooling1d: 'globalmaxpool1d', globalaveragepooling1d: 'globalavgpool1d',
  batchnormalization: 'batchnorm', layernormalization: 'layernorm', zeropadding2d: 'zeropad', zeropad2d: 'zeropad',
  zeropadding1d: 'zeropad1d', upsampling2d: 'upsample', upsample2d: 'upsample', spatialdropout2d: 'spatialdropout',
};

/** What an entry is expected to look like, for messages. */
const EXPECTED = `UNITS[:ACTIVATION] (dense) or one of: ${Object.keys(LAYER_KINDS).filter((k) => k !== 'dense').join(', ')}`;

/** "conv:32:3:relu,maxpool:2,flatten,10:softmax" → layer specs; the entries, for messages. */
export function parseLayers(spec: string): { layers: LayerSpec[]; entries: string[] } {
  const entries = spec.split(',').map((e) => e.trim());
  const layers = entries.map((entry, i) => {
    const where = `--layers entry ${i + 1} "${entry}"`;
    const spec = parseEntry(entry, where);
    wrapped(() => makeLayer(spec), where, UsageError); // the builder checks the options' values
    return spec;
  });
  return { layers, entries };
}

function parseEntry(entry: string, where: string): LayerSpec {
  if (entry === '') throw new UsageError(`${where}: is empty; expected ${EXPECTED} (entries are separated by commas)`);
  const [head, ...parts] = entry.split(':');
  const dense = /^\d+$/.test(head);
  const name = dense ? 'dense' : (ALIASES[head.toLowerCase()] ?? head.toLowerCase());
  const k = LAYER_KINDS[name];
  if (!k) {
    const near = closest(head, [...Object.keys(LAYER_KINDS), ...Object.keys(ALIASES)]);
    const hint = near === undefined ? '' : ` (did you mean "${ALIASES[near] ?? near}"?)`;
    throw new UsageError(`${where}: unknown layer "${head}"${hint}; expected ${EXPECTED}`);
  }
  const values = dense ? [head, ...parts] : parts;
  const options = new Map<string, unknown>(); // own keys only: "constructor=1" is an unknown option, not a clash
  let named = false;
  values.forEach((raw, j) => {
    const eq = raw.indexOf('=');
    if (eq < 0 && named) throw new UsageError(`${where}: the value "${raw}" comes after a named option; give values first, in the order ${k.form}, then KEY=VALUE options`);
    if (eq < 0 && j >= k.args.length) {
      const form = k.args.length ? `${k.args.length} value${k.args.length > 1 ? 's' : ''} (${k.form})` : `no values (${k.form})`;
      throw new UsageError(`${where}: "${raw}" is one value too many: ${name} takes ${form}, then options as KEY=VALUE (e.g. strides=2)`);
    }
    named ||= eq >= 0;
    const key = eq < 0 ? k.args[j] : raw.slice(0, eq);
    const text = eq < 0 ? raw : raw.slice(eq + 1);
    if (key === '') throw new UsageError(`${where}: "${raw}" has no option name before "="`);
    if (text === '') throw new UsageError(`${where}: ${key} has no value`);
    if (key === 'type') throw new UsageError(`${where}: "type" is not an option: the entry's first word names the layer (${k.form})`);
    if (options.has(key)) throw new UsageError(`${where}: ${key} is given twice`);
    if (key === 'inputShape') throw new UsageError(`${where}: the input shape is given with --input-shape (e.g. --input-shape 28,28,1), not in --layers`);
    options.set(key, value(key, text, where));
  });
  const missing = k.args.slice(0, k.required).filter((a) => !options.has(a));
  if (missing.length) throw new UsageError(`${where}: ${name} needs ${missing.join(' and ')}: ${k.form}`);
  return { type: k.type, ...Object.fromEntries(options) };
}

/** A value as the builder wants it: numbers, true/false, 3x3 pairs (shapes: 7x7x16), names. */
function value(key: string, text: string, where: string): unknown {
  if (key === 'activation' && !(activationNames as readonly string[]).includes(text)) {
    throw new UsageError(`${where}: unknown activation "${text}"${suggestion(text, activationNames)}; expected one of: ${activationNames.join(', ')}`);
  }
  if (text === 'true' || text === 'false') return text === 'true';
  const list = /^-?\d+(x-?\d+)+$/i.test(text) ? text.split(/x/i).map(Number) : undefined;
  if (key === 'targetShape') {
    const dims = list ?? (/^-?\d+$/.test(text) ? [Number(text)] : undefined);
    if (!dims) throw new UsageError(`${where}: targetShape must be sizes joined by x, e.g. 7x7x16 or 784 (one may be -1), got "${text}"`);
    return dims;
  }
  if (list) return list;
  const n = Number(text);
  return text.trim() !== '' && Number.isFinite(n) ? n : text;
}

/** The layer a spec describes (`type`: a builder name, default dense); `inputShape` goes to the first layer. */
export function makeLayer(spec: LayerSpec, inputShape?: number[]): Layer {
  const { type = 'dense', ...options } = spec;
  const known = Object.values(LAYER_KINDS).map((k) => k.type);
  const builder = (lib as unknown as Record<string, (o: object) => Layer>)[type];
  if (!known.includes(type) || typeof builder !== 'function') {
    throw new ValueError(`unknown layer type "${type}"${suggestion(type, known)}; this dendrite has: ${known.join(', ')}`);
  }
  return builder(inputShape ? { ...options, inputShape } : options);
}

/**
 * The layers on `inputShape`, each one's output shape checked where it is made, so that a window
 * larger than its input names the entry (`sources[i]`) rather than failing in fit; the output must
 * be one vector per sample. `Err` is UsageError for --layers, ValueError for a config file.
 */
export function buildLayers(specs: LayerSpec[], inputShape: number[], sources: string[], Err: new (m: string) => Error): Layer[] {
  let shape = inputShape;
  const layers = specs.map((spec, i) => {
    const layer = wrapped(() => makeLayer(spec, i === 0 ? inputShape : undefined), sources[i], Err);
    shape = wrapped(() => layer.computeOutputShape(shape), `${sources[i]} gets samples of shape [${shape.join(', ')}]`, Err);
    return layer;
  });
  if (shape.length !== 1) {
    throw new Err(`the last layer, ${sources[sources.length - 1]}, outputs samples of shape [${shape.join(', ')}], but the loss compares one vector per sample: put flatten (or globalavgpool) before the dense layers`);
  }
  return layers;
}

/** `f()`, with a library error's message prefixed by `where`, as an `Err`. */
function wrapped<T>(f: () => T, where: string, Err: new (m: string) => Error): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof DendriteError) throw new Err(`${where}: ${e.message}`);
    throw e;
  }
}

/** Words joined by `sep`, wrapped to lines of at most `width` columns after `indent`. */
function wrap(words: string[], indent: string, width = 80, sep = ', '): string {
  const lines: string[] = [];
  let line = indent;
  for (const [i, w] of words.entries()) {
    const piece = w + (i < words.length - 1 ? sep.trimEnd() : '');
    if (line.length + piece.length + 1 > width && line.trim()) {
      lines.push(line.trimEnd());
      line = indent;
    }
    line += (line.trim() ? ' ' : '') + piece;
  }
  return [...lines, line].join('\n');
}

/** The --layers reference in `train --help`, made from the table (80 columns). */
export const LAYERS_HELP = [
  'layers (--layers SPEC): entries separated by commas, first layer first. An entry',
  'is a layer name, its values in the order shown, then options as KEY=VALUE, all',
  'joined by ":"',
  ...Object.values(LAYER_KINDS).map((k) => `  ${k.form.padEnd(31)} ${k.what}`),
  '  Options take the layer\'s Keras names: conv:32:3:relu:strides=2:padding=same,',
  '  64:relu:useBias=false, maxpool:3:strides=2, batchnorm:momentum=0.9. A size is',
  '  one number or HxW (kernelSize=3x1); any value may be named instead of placed:',
  '  conv:filters=32:kernelSize=3:activation=relu. ACT is one of:',
  wrap(activationNames, '    '),
  '  example (what --model cnn builds for 10 classes, one argument on two lines):',
  '    conv:32:3:relu,maxpool:2,batchnorm:momentum=0.9,conv:64:3:relu,maxpool:2,',
  '    batchnorm:momentum=0.9,flatten,dropout:0.25,128:relu,dropout:0.4,10:softmax',
].join('\n');
