// Model files written by the CLI carry, beside the model, how its inputs were prepared (feature
// names, label column, class names, normalisation statistics) and how it was trained (options and
// the per-epoch history, so a resumed run plots the whole curve). They go in the safetensors
// __metadata__ under one extra key, which loadModel ignores, so the file stays a plain dendrite
// model for the library and for Python's safetensors; `predict` and `evaluate` read the key back
// and prepare new rows exactly as the training rows were.
import { open, rm } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import { checkSaveTarget, writeFileAtomic } from '../io/atomic-write.js';
import { readModelFile } from '../io/file-read.js';
import { checkDepth } from '../io/config-schema.js';
import { decodeSafetensors, encodeSafetensors } from '../io/safetensors.js';
import type { Normalization } from '../data/csv.js';
import { ModelFileError, type Sequential, ValueError, loadModel, loadOnnx, losses } from './lib.js';

export const CLI_KEY = 'dendrite.cli';

/** What the CLI records in a model file; every field optional (absent = raw values). */
export interface CliMeta {
  /** Where the training data came from: 'fashion-mnist', 'idx' or 'csv'. */
  source?: string;
  /** CSV feature columns, in model input order. */
  features?: string[];
  /** CSV label column. */
  label?: string;
  /** Class names by class id. */
  classes?: string[];
  /** Statistics applied to the features (CSV). */
  normalization?: Normalization;
  /** The training options, reused by --resume unless given again. */
  training?: { epochs: number; batchSize: number; validationSplit: number; seed: number };
  /** Per-epoch values of every run so far (loss, accuracy, valLoss, ...). */
  history?: Record<string, number[]>;
}

/** A model file as the CLI reads it. */
export interface LoadedModel {
  model: Sequential;
  meta: CliMeta;
  /** The file holds optimizer state and training position (saved with includeOptimizer). */
  checkpoint: boolean;
  /** An .onnx file, compiled here with a loss told from its output (ONNX files have none). */
  onnx?: { loss: string };
}

/** The model's bytes (a checkpoint with `includeOptimizer`) with the CLI record in the metadata. */
export function modelBytesWithMeta(model: Sequential, meta: CliMeta, options: { includeOptimizer?: boolean } = {}): Uint8Array {
  const { metadata, tensors } = decodeSafetensors(model.toBytes(options));
  const named = [...tensors].map(([name, t]) => ({ name, shape: t.shape, data: t.data }));
  return encodeSafetensors(named, { ...metadata, [CLI_KEY]: JSON.stringify(meta) });
}

export async function saveModelFile(model: Sequential, path: string, meta: CliMeta, options: { includeOptimizer?: boolean } = {}): Promise<number> {
  const bytes = modelBytesWithMeta(model, meta, options);
  await writeFileAtomic(path, bytes);
  return bytes.length;
}

/**
 * Check before a long run that `path` can take the model: what a save checks (a regular file or
 * nothing at the path, an existing folder), and that a file can be created there (not /proc).
 */
export async function checkOutPath(path: string): Promise<void> {
  await checkSaveTarget(path);
  const probe = join(dirname(path), `.${basename(path)}.${process.pid}-probe`);
  await open(probe, 'wx').then((h) => h.close(), (e: Error) => {
    throw new ValueError(`cannot save to ${JSON.stringify(path)}: no file can be created in ${JSON.stringify(dirname(path))} (${e.message})`);
  });
  await rm(probe, { force: true });
}

/** A native model file; with `foreign`, an .onnx file too (summary, evaluate, predict). */
export async function loadModelFile(path: string, foreign = false): Promise<LoadedModel> {
  if (foreign && extname(path).toLowerCase() === '.onnx') {
    const model = await loadOnnx(path);
    return { model, meta: {}, checkpoint: false, onnx: { loss: compileImported(model) } };
  }
  const bytes = await readModelFile(path);
  const model = await loadModel(bytes);
  const { metadata } = decodeSafetensors(bytes);
  return { model, meta: readMeta(metadata[CLI_KEY], path), checkpoint: metadata.checkpoint !== undefined };
}

/**
 * Compile a model that came without training settings, by its output: softmax → sparse
 * categorical crossentropy, one sigmoid → binary crossentropy, several linear outputs → the
 * logits of a classifier (PyTorch's CrossEntropyLoss takes logits), else mean squared error.
 * Returns what was chosen, for the user to see.
 */
function compileImported(model: Sequential): string {
  const units = model.outputUnits;
  const activation = model.layers[model.layers.length - 1].activation?.name ?? 'linear';
  const [loss, text] =
    units > 1 && activation === 'softmax' ? [losses.sparseCategoricalCrossentropy(), 'sparse categorical crossentropy'] :
    units === 1 && activation === 'sigmoid' ? [losses.binaryCrossentropy(), 'binary crossentropy'] :
    units > 1 && activation === 'linear' ? [losses.sparseCategoricalCrossentropy({ fromLogits: true }), 'sparse categorical crossentropy of logits'] :
    [losses.meanSquaredError(), 'mean squared error'];
  model.compile({ optimizer: 'adam', loss, metrics: text === 'mean squared error' ? ['mae'] : ['accuracy'] });
  return text;
}

function readMeta(text: string | undefined, path: string): CliMeta {
  if (text === undefined) return {}; // saved by the library: raw inputs, no names
  try {
    const meta = JSON.parse(text) as CliMeta;
    if (meta === null || typeof meta !== 'object' || Array.isArray(meta)) throw new Error('not an object');
    checkDepth(meta, `${path}: the CLI record ("${CLI_KEY}")`);
    return meta;
  } catch (e) {
    if (e instanceof ModelFileError) throw e;
    throw new ModelFileError(`${path}: the CLI record in the metadata ("${CLI_KEY}") is not valid JSON (${(e as Error).message})`);
  }
}
