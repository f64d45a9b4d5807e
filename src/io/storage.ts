// Where model files go and come from, in every runtime, named the way TF.js users know:
//
//   'model.dnd', '/abs/path', 'file:///…'   Node / Deno file (saves are atomic: temp file + rename)
//   'indexeddb://name'                      browser IndexedDB (any size the browser grants)
//   'localstorage://name'                   browser or Deno localStorage (small models: ~5 MB of text)
//   'downloads://name'                      browser download of name.dnd (save only)
//   'https://…', 'http://…'                 fetch (load only)
//   a File / Blob, a Uint8Array / ArrayBuffer  file-input loading, edge KV, object stores (load only;
//                                           save with model.toBytes())
import { describe, pathString } from '../check.js';
import { ModelFileError, ValueError } from '../errors.js';
import { type SaveResult, registerModelWriters } from '../model/files.js';
import type { Sequential } from '../model/sequential.js';
import { writeFileAtomic } from './atomic-write.js';
import { readFileBytes, readModelFile } from './file-read.js';
import { modelFromBytes, modelToBytes, type ModelFileOptions, type ModelLoadOptions } from './model-file.js';
import { type ByteStore, downloadBytes, indexedDbStore, localStorageStore } from './stores.js';

/** A path, or a URL with one of the schemes above. */
export type SaveTarget = string;
/** A path or URL, a File / Blob, or the file's bytes. */
export type LoadSource = string | Uint8Array | ArrayBuffer | Blob;

/** Options of `saveModel` / `model.save`. */
export type SaveOptions = ModelFileOptions;
/** Options of `loadModel`. */
export type LoadOptions = ModelLoadOptions;

export type { SaveResult };

/** A model kept in browser storage. */
export interface StoredModel {
  /** The URL to load it with, e.g. 'indexeddb://mnist'. */
  url: string;
  /** Size of the model file in bytes. */
  bytes: number;
}

/** @internal Stores by scheme; tests swap in fakes. */
export const stores: Record<'indexeddb' | 'localstorage', () => ByteStore> = {
  indexeddb: () => indexedDbStore(),
  localstorage: () => localStorageStore(),
};

const SCHEME = /^([a-zA-Z][a-zA-Z0-9+.-]+):\/\/(.*)$/s;
const SAVE_SCHEMES = 'a path, file://, indexeddb://, localstorage:// or downloads://';
const LOAD_SCHEMES = 'a path, file://, indexeddb://, localstorage://, http:// or https://, a File / Blob, or bytes';

/** Save a model's file (see the scheme list at the top of this file). */
export async function saveModel(model: Sequential, target: SaveTarget, options: SaveOptions = {}): Promise<SaveResult> {
  if (typeof target !== 'string' || target === '') throw new ValueError(`save needs a path or URL (${SAVE_SCHEMES}), got ${describe(target)}`);
  const url = SCHEME.exec(target);
  const scheme = url?.[1].toLowerCase();
  if (scheme === 'http' || scheme === 'https') {
    throw new ValueError(`save cannot write to ${scheme}:// URLs; send model.toBytes() yourself (e.g. fetch(url, { method: 'PUT', body: model.toBytes() }))`);
  }
  if (scheme !== undefined && scheme !== 'file' && scheme !== 'downloads' && !isStoreScheme(scheme)) {
    throw new ValueError(`unknown storage scheme "${scheme}://" in ${JSON.stringify(target)}; expected ${SAVE_SCHEMES}`);
  }
  const name = url ? storeName(url[2], target) : '';
  const path = scheme === undefined ? pathString(target, 'save path') : scheme === 'file' ? await filePath(target) : '';
  const bytes = modelToBytes(model, options);
  if (path) await writeFileAtomic(path, bytes);
  else if (scheme === 'downloads') downloadBytes(bytes, /\.[a-z0-9]+$/i.test(name) ? name : `${name}.dnd`);
  else await stores[scheme as 'indexeddb' | 'localstorage']().write(name, bytes);
  return { target, bytes: bytes.length };
}

// model.toBytes() and model.save() reach this folder through this registration (the model does not
// import io/, which imports the model).
registerModelWriters({
  toBytes: (model, options) => modelToBytes(model as Sequential, options),
  save: (model, target, options) => saveModel(model as Sequential, target, options),
});

/** Load a model (see the scheme list at the top of this file). */
export async function loadModel(source: LoadSource, options: LoadOptions = {}): Promise<Sequential> {
  return modelFromBytes(await readSource(source, readModelFile), options);
}

/** @internal The bytes behind any load source (also used by the TF.js loader for model.json). */
export async function readSource(source: LoadSource, readFile: (path: string) => Promise<Uint8Array> = readFileBytes): Promise<Uint8Array> {
  if (source instanceof Uint8Array) return source;
  if (source instanceof ArrayBuffer) return new Uint8Array(source);
  if (typeof Blob !== 'undefined' && source instanceof Blob) return new Uint8Array(await source.arrayBuffer());
  if (typeof source !== 'string' || source === '') throw new ValueError(`load needs ${LOAD_SCHEMES}; got ${describe(source)}`);
  const url = SCHEME.exec(source);
  if (!url) return readFile(pathString(source, 'load path'));
  const scheme = url[1].toLowerCase();
  if (scheme === 'file') return readFile(await filePath(source));
  if (scheme === 'http' || scheme === 'https') return fetchBytes(source);
  if (!isStoreScheme(scheme)) {
    const hint = scheme === 'downloads' ? ' (downloads:// only saves; load the downloaded file from a file input)' : '';
    throw new ValueError(`cannot load from ${JSON.stringify(source)}${hint}; expected ${LOAD_SCHEMES}`);
  }
  const bytes = await stores[scheme]().read(storeName(url[2], source));
  if (!bytes) throw new ModelFileError(`no model stored at ${source}`);
  return bytes;
}

/** Models kept in 'indexeddb://' or 'localstorage://', with their sizes. */
export async function listModels(scheme: string): Promise<StoredModel[]> {
  const s = typeof scheme === 'string' ? scheme.toLowerCase().replace(/:(\/\/)?$/, '') : '';
  if (!isStoreScheme(s)) throw new ValueError(`listModels takes 'indexeddb://' or 'localstorage://', got ${describe(scheme)}`);
  const entries = await stores[s]().list();
  return entries.map(({ name, bytes }) => ({ url: `${s}://${name}`, bytes })).sort((a, b) => (a.url < b.url ? -1 : 1));
}

/** Delete a model kept in 'indexeddb://name' or 'localstorage://name'; true if there was one. */
export async function removeModel(url: string): Promise<boolean> {
  const m = typeof url === 'string' ? SCHEME.exec(url) : null;
  const scheme = m?.[1].toLowerCase() ?? '';
  if (!m || !isStoreScheme(scheme)) throw new ValueError(`removeModel takes an 'indexeddb://name' or 'localstorage://name' URL, got ${describe(url)}`);
  return stores[scheme]().remove(storeName(m[2], url));
}

function isStoreScheme(s: string): s is 'indexeddb' | 'localstorage' {
  return s === 'indexeddb' || s === 'localstorage';
}

function storeName(name: string, url: string): string {
  if (name === '') throw new ValueError(`${JSON.stringify(url)} names no model: add a name after "://"`);
  return name;
}

async function filePath(url: string): Promise<string> {
  const { fileURLToPath } = await import('node:url');
  try {
    return pathString(fileURLToPath(url), `the path of ${JSON.stringify(url)}`);
  } catch (e) {
    if (e instanceof ValueError) throw e;
    throw new ValueError(`${JSON.stringify(url)} is not a valid file:// URL: ${(e as Error).message}`);
  }
}

async function fetchBytes(url: string): Promise<Uint8Array> {
  let response: Response;
  try {
    response = await fetch(url);
  } catch (e) {
    throw new ModelFileError(`could not fetch ${url}: ${(e as Error).message}`);
  }
  if (!response.ok) throw new ModelFileError(`could not fetch ${url}: HTTP ${response.status} ${response.statusText}`.trimEnd());
  return new Uint8Array(await response.arrayBuffer());
}
