// `dendrite convert IN OUT`: between the native file (.dnd), a TF.js LayersModel (model.json plus
// weights, in a folder) and ONNX (.onnx), with whatever readers and writers src/io provides. A
// CSV model's normalisation is folded into its first layer for the foreign formats, since they
// have no place for it: the exported model then takes raw feature values, like `dendrite predict`.
import { mkdir, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import * as lib from './lib.js';
import { type Sequential, ValueError } from './lib.js';
import { type FlagSpec, UsageError, choice, parseArgs } from './args.js';
import { type CliMeta, loadModelFile, saveModelFile } from './model-file.js';
import { writeFileAtomic } from '../io/atomic-write.js';
import { output } from './output.js';

type Format = 'dnd' | 'tfjs' | 'onnx';
const FORMAT_NAMES: Record<Format, string> = { dnd: 'native (.dnd)', tfjs: 'TF.js LayersModel (model.json)', onnx: 'ONNX (.onnx)' };

const SHORT: Record<Format, string> = { dnd: 'native', tfjs: 'TF.js', onnx: 'ONNX' };

type Reader = (path: string) => Promise<{ model: Sequential; meta: CliMeta }>;
type Writer = (model: Sequential, path: string, meta: CliMeta) => Promise<string>;
const fn = (name: string) => (lib as unknown as Record<string, unknown>)[name] as ((...a: unknown[]) => unknown) | undefined;

/** Readers and writers present in this build of the library. */
function formats(): { read: Partial<Record<Format, Reader>>; write: Partial<Record<Format, Writer>> } {
  const read: Partial<Record<Format, Reader>> = { dnd: (p) => loadModelFile(p) };
  const write: Partial<Record<Format, Writer>> = {
    dnd: async (m, p, meta) => (await saveModelFile(m, p, meta), p),
  };
  const loadTfjs = fn('loadTfjs');
  if (loadTfjs) read.tfjs = async (p) => ({ model: (await loadTfjs(await modelJsonPath(p))) as Sequential, meta: {} });
  const saveTfjs = fn('saveTfjs');
  if (saveTfjs) {
    write.tfjs = async (m, p) => {
      const dir = extname(p).toLowerCase() === '.json' ? join(p, '..') : p;
      await mkdir(dir, { recursive: true });
      return ((await saveTfjs(m, dir)) as { modelJson: string }).modelJson;
    };
  }
  const loadOnnx = fn('loadOnnx');
  // Compiled with the loss its output implies (an ONNX file has none), so evaluate takes the result.
  if (loadOnnx) read.onnx = (p) => loadModelFile(p, true);
  const saveOnnx = fn('saveOnnx');
  const toOnnx = fn('toOnnx');
  if (saveOnnx) write.onnx = async (m, p) => (await saveOnnx(m, p), p);
  else if (toOnnx) write.onnx = async (m, p) => (await writeFileAtomic(p, toOnnx(m) as Uint8Array), p);
  return { read, write };
}

export function convertUsage(): string {
  const { read, write } = formats();
  const list = (o: object) => Object.keys(o).map((f) => FORMAT_NAMES[f as Format]).join(', ');
  return `usage: dendrite convert INPUT OUTPUT [--from FORMAT] [--to FORMAT]

Convert a model between formats; FORMAT is dnd, tfjs or onnx, by default told from the path:
*.dnd native, *.onnx ONNX, model.json or a folder TF.js. A CSV-trained model's normalisation
is folded into the first layer when exporting, so the result takes raw feature values. An
ONNX model comes in with NHWC images and compiled with the loss its output implies.

  reads:  ${list(read)}
  writes: ${list(write)}

  --from FORMAT, --to FORMAT   override the format told from the path
  --debug                      show stack traces`;
}

const convertFlags: FlagSpec = { from: 'string', to: 'string' };

export async function convert(argv: string[]): Promise<number> {
  const { flags, positional } = parseArgs(argv, convertFlags);
  if (flags.help) return void console.log(convertUsage()), 0;
  if (positional.length !== 2) throw new UsageError('convert needs an input and an output: dendrite convert model.dnd model.onnx');
  const [input, outputPath] = positional;
  const all = ['dnd', 'tfjs', 'onnx'] as const;
  const from = flags.from === undefined ? await formatOf(input, true) : choice(flags, 'from', all, 'dnd');
  const to = flags.to === undefined ? await formatOf(outputPath, false) : choice(flags, 'to', all, 'dnd');
  const { read, write } = formats();
  const reader = read[from];
  const writer = write[to];
  const avail = (o: object) => Object.keys(o).map((f) => FORMAT_NAMES[f as Format]).join(', ');
  if (!reader) throw new ValueError(`this dendrite cannot read ${FORMAT_NAMES[from]} files; it reads: ${avail(read)}`);
  if (!writer) throw new ValueError(`this dendrite cannot write ${FORMAT_NAMES[to]} files; it writes: ${avail(write)}`);
  const { model, meta } = await reader(input);
  const out = output({});
  let kept = meta;
  if (to !== 'dnd' && meta.normalization) {
    foldNormalization(model, meta.normalization);
    kept = { ...meta, normalization: undefined };
    out.warn('folded the CSV normalisation into the first layer: the exported model takes raw feature values');
  }
  const written = await writer(model, outputPath, kept);
  model.dispose();
  console.log(`Converted ${input} to ${written} (${SHORT[from]} → ${SHORT[to]})`);
  return 0;
}

/**
 * x' = (x − offset) / scale feeding x'·W + b equals x·W' + b' with W'[i][j] = W[i][j] / scale[i]
 * and b'[j] = b[j] − Σᵢ offset[i] / scale[i] · W[i][j] (W is (in, units)).
 */
export function foldNormalization(model: Sequential, n: { offset: number[]; scale: number[] }): void {
  // Per-feature statistics fold into a dense layer only; shape-only layers and dropout before it
  // keep the features in order (dropout is the identity at inference).
  const first = model.layers.find((l) => !['Flatten', 'Reshape', 'Dropout'].includes(l.type));
  if (first?.type !== 'Dense') {
    throw new ValueError(`cannot fold the CSV normalisation into the first layer, ${first?.name} (${first?.type}): only a dense layer takes per-feature statistics, and TF.js and ONNX files have no other place for them; train without --normalize (scale the features beforehand) to export this model`);
  }
  const weights = model.getWeights();
  const [kernel, bias] = weights;
  const [inputs, units] = kernel.shape;
  if (n.offset.length !== inputs) throw new ValueError(`normalisation has ${n.offset.length} features but the model takes ${inputs}`);
  const w = new Float64Array(kernel.data);
  const b = bias && bias.shape.length === 1 && bias.shape[0] === units ? new Float64Array(bias.data) : undefined;
  if (!b) throw new ValueError('cannot fold the normalisation into a first layer without bias; convert a model trained without --normalize');
  for (let i = 0; i < inputs; i++) {
    for (let j = 0; j < units; j++) {
      const v = w[i * units + j] / n.scale[i];
      w[i * units + j] = v;
      b[j] -= n.offset[i] * v;
    }
  }
  weights[0] = { ...kernel, data: Float32Array.from(w) };
  weights[1] = { ...bias, data: Float32Array.from(b) };
  model.setWeights(weights);
}

async function formatOf(path: string, reading: boolean): Promise<Format> {
  const ext = extname(path).toLowerCase();
  if (ext === '.dnd' || ext === '.safetensors') return 'dnd';
  if (ext === '.onnx') return 'onnx';
  if (ext === '.json') return 'tfjs';
  const isDir = await stat(path).then((s) => s.isDirectory(), () => !reading && ext === '');
  if (isDir) return 'tfjs';
  throw new UsageError(`cannot tell the format of "${path}" from its name; give --${reading ? 'from' : 'to'} dnd|tfjs|onnx`);
}

async function modelJsonPath(p: string): Promise<string> {
  return (await stat(p).then((s) => s.isDirectory(), () => false)) ? join(p, 'model.json') : p;
}
