// Saving and loading model files by path (Node and Deno). Writes are atomic: temp file + rename.
import type { Engine } from '../engine/engine.js';
import type { Sequential } from '../model/sequential.js';
import { readFileBytes, writeFileAtomic } from './atomic-write.js';
import { modelFromBytes, modelToBytes } from './model-file.js';

/** Write the model to `path` atomically (a crash mid-save leaves any previous file intact). */
export async function saveModel(model: Sequential, path: string): Promise<void> {
  await writeFileAtomic(path, modelToBytes(model));
}

/** Load a model from a path or from file bytes. */
export async function loadModel(source: string | Uint8Array | ArrayBuffer, options: { engine?: Engine } = {}): Promise<Sequential> {
  const bytes = typeof source === 'string' ? await readFileBytes(source) : source instanceof ArrayBuffer ? new Uint8Array(source) : source;
  return modelFromBytes(bytes, options);
}
