// Browser storage behind one small interface, so the logic above it (storage.ts) is the same for
// every place and can be tested in Node against in-memory fakes. The real browser code is here:
// IndexedDB (any size the browser allows; one transaction per save, so a save is all or nothing),
// localStorage (a few MB per origin: small models, base64 text), and downloads (a Blob + anchor).
import { ModelFileError, StateError } from '../errors.js';
import { fromBase64, toBase64 } from './base64.js';

/** What a storage place offers: whole files by name. */
export interface ByteStore {
  read(name: string): Promise<Uint8Array | undefined>;
  /** Replace the file called `name` atomically (the old one survives a failed write). */
  write(name: string, bytes: Uint8Array): Promise<void>;
  /** True if something was removed. */
  remove(name: string): Promise<boolean>;
  /** Names and sizes, without reading the files. */
  list(): Promise<{ name: string; bytes: number }[]>;
}

// ---- IndexedDB ----------------------------------------------------------------------------------

const DB_NAME = 'dendrite';
const FILES = 'files'; // name -> Uint8Array
const INFO = 'info'; // name -> { name, bytes, savedAt }: listing never loads the files

/** A ByteStore over IndexedDB (database "dendrite"). `factory` defaults to the runtime's `indexedDB`. */
export function indexedDbStore(factory: IDBFactory | undefined = (globalThis as { indexedDB?: IDBFactory }).indexedDB): ByteStore {
  if (!factory) throw new StateError('indexeddb:// needs IndexedDB, which this runtime lacks (it is in browsers and web workers); save to a path or use model.toBytes()');
  const open = (): Promise<IDBDatabase> =>
    new Promise((resolve, reject) => {
      const request = factory.open(DB_NAME, 1);
      request.onupgradeneeded = () => {
        request.result.createObjectStore(FILES);
        request.result.createObjectStore(INFO);
      };
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(storageError('open IndexedDB', request.error));
      request.onblocked = () => reject(new ModelFileError('IndexedDB database "dendrite" is blocked by another open tab with an older version'));
    });
  /** Run `body` in one transaction over both stores; resolves with its result once committed. */
  const run = async <T>(mode: IDBTransactionMode, what: string, body: (files: IDBObjectStore, info: IDBObjectStore) => IDBRequest<T>): Promise<T> => {
    const db = await open();
    try {
      return await new Promise<T>((resolve, reject) => {
        const tx = db.transaction([FILES, INFO], mode);
        const request = body(tx.objectStore(FILES), tx.objectStore(INFO));
        tx.oncomplete = () => resolve(request.result);
        tx.onerror = () => reject(storageError(what, tx.error ?? request.error));
        tx.onabort = () => reject(storageError(what, tx.error ?? request.error));
      });
    } finally {
      db.close();
    }
  };
  return {
    async read(name) {
      const value = await run('readonly', `read "${name}" from IndexedDB`, (files) => files.get(name));
      if (value === undefined) return undefined;
      if (value instanceof Uint8Array) return value;
      if (value instanceof ArrayBuffer) return new Uint8Array(value);
      throw new ModelFileError(`IndexedDB entry "${name}" is not a model file (a ${typeof value})`);
    },
    async write(name, bytes) {
      await run('readwrite', `write "${name}" to IndexedDB`, (files, info) => {
        info.put({ name, bytes: bytes.length, savedAt: new Date().toISOString() }, name);
        // A view into a bigger buffer would store the whole buffer: store exactly the file.
        const own = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : bytes.slice();
        return files.put(own, name);
      });
    },
    async remove(name) {
      const had = await run('readwrite', `remove "${name}" from IndexedDB`, (files, info) => {
        const count = files.count(name);
        files.delete(name);
        info.delete(name);
        return count;
      });
      return had > 0;
    },
    async list() {
      const values: { name?: unknown; bytes?: unknown }[] = await run('readonly', 'list IndexedDB', (_, info) => info.getAll());
      return values.map((v) => ({ name: String(v?.name), bytes: Number(v?.bytes) || 0 }));
    },
  };
}

// ---- localStorage -------------------------------------------------------------------------------

const PREFIX = 'dendrite/';

/**
 * A ByteStore over localStorage, one key per file ("dendrite/<name>", base64 text). Browsers allow
 * about 5 MB of text per origin, so this suits small models; a full store is a clear error.
 */
export function localStorageStore(storage: Storage | undefined = (globalThis as { localStorage?: Storage }).localStorage): ByteStore {
  if (!storage) throw new StateError('localstorage:// needs localStorage, which this runtime lacks (browsers and Deno have it); save to a path or use model.toBytes()');
  return {
    async read(name) {
      const text = storage.getItem(PREFIX + name);
      if (text === null) return undefined;
      const bytes = fromBase64(text);
      if (!bytes) throw new ModelFileError(`localStorage entry "${PREFIX + name}" is not base64 model data`);
      return bytes;
    },
    async write(name, bytes) {
      try {
        storage.setItem(PREFIX + name, toBase64(bytes)); // setItem replaces whole or not at all
      } catch (e) {
        throw storageError(`store ${bytes.length} bytes as "${name}" in localStorage (about 5 MB of text per origin; use indexeddb:// for bigger models)`, e);
      }
    },
    async remove(name) {
      const had = storage.getItem(PREFIX + name) !== null;
      storage.removeItem(PREFIX + name);
      return had;
    },
    async list() {
      const out: { name: string; bytes: number }[] = [];
      for (let i = 0; i < storage.length; i++) {
        const key = storage.key(i);
        if (key === null || !key.startsWith(PREFIX)) continue;
        const text = storage.getItem(key) ?? '';
        const pad = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
        out.push({ name: key.slice(PREFIX.length), bytes: (text.length / 4) * 3 - pad });
      }
      return out;
    },
  };
}

// ---- downloads ------------------------------------------------------------------------------------

/** The part of `document` a download needs (a fake in tests). */
export interface DownloadDocument {
  createElement(tag: 'a'): { href: string; download: string; click(): void; remove(): void };
  body: { appendChild(node: unknown): unknown };
}

/** Offer `bytes` to the user as a file called `filename` (the browser's download prompt or folder). */
export function downloadBytes(bytes: Uint8Array, filename: string, doc: DownloadDocument | undefined = (globalThis as { document?: DownloadDocument }).document): void {
  if (!doc) throw new StateError('downloads:// needs a browser page (document); in Node or Deno save to a path, elsewhere use model.toBytes()');
  const url = URL.createObjectURL(new Blob([bytes as BlobPart], { type: 'application/octet-stream' }));
  const a = doc.createElement('a');
  a.href = url;
  a.download = filename;
  doc.body.appendChild(a);
  a.click();
  a.remove();
  // Revoking at once can cancel the download in some browsers; a minute later it is long started.
  const timer = setTimeout(() => URL.revokeObjectURL(url), 60_000) as { unref?: () => void };
  timer.unref?.();
}

function storageError(what: string, cause: unknown): ModelFileError {
  const detail = cause instanceof Error || (typeof cause === 'object' && cause !== null && 'name' in cause)
    ? `${(cause as { name: string }).name}: ${(cause as { message?: string }).message ?? ''}`
    : String(cause);
  return new ModelFileError(`could not ${what}: ${detail}`);
}
