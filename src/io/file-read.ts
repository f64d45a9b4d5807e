// Bounded file reads for Node and Deno. A model file is read in the order its format allows
// checking it: the 8-byte header length, then the header, then exactly the data section the header
// describes — so /dev/zero, a FIFO, a README or a 3 GB video is refused after a few bytes, never
// read whole. Other files (TF.js model.json and weights) are read up to a size limit. `node:`
// modules are imported inside the functions, so this file bundles for browsers.
import type { FileHandle } from 'node:fs/promises';
import { ModelFileError } from '../errors.js';
import { checkHeader, headerLength, parseHeader } from './safetensors.js';

/**
 * Largest data section read: its weights and their gradients must fit in WebAssembly's 4 GiB, so a
 * bigger file can never load (and Node's readFile stops at 2 GiB anyway).
 */
export const MAX_MODEL_DATA_BYTES = 2 ** 31;
/** Largest header read (the container's default limit). */
export const MAX_HEADER_BYTES = 16 * 1024 * 1024;
/** Largest file of other kinds (TF.js model.json, weights.bin). */
export const MAX_FILE_BYTES = 2 ** 31;

/**
 * Read a dendrite model file: header length, header, then exactly the data it describes. Problems
 * with the framing say "<path> is not a dendrite model file (…)"; a missing path or a directory
 * is a ModelFileError naming it. Works on regular files and on streams (FIFOs, /dev/stdin).
 */
export async function readModelFile(path: string): Promise<Uint8Array> {
  return withFile(path, async (handle, size) => {
    // Errors of the framing: "not a dendrite model file"; of the header's entries: the path.
    const named = async <T>(prefix: string, run: () => T | Promise<T>): Promise<T> => {
      try {
        return await run();
      } catch (e) {
        throw e instanceof ModelFileError ? new ModelFileError(prefix.replace('%', e.message)) : e;
      }
    };
    const first = await readExactly(handle, 8);
    const [n, raw, header] = await named(`${path} is not a dendrite model file (%)`, async () => {
      const n = headerLength(first, size === undefined ? MAX_HEADER_BYTES : size - 8, MAX_HEADER_BYTES);
      const raw = await readExactly(handle, n);
      if (raw.length < n) throw new ModelFileError(`header length ${n} but only ${raw.length} bytes follow`);
      return [n, raw, parseHeader(raw)] as const;
    });
    const { dataLength } = await named(`${path}: %`, () => checkHeader(header, size === undefined ? undefined : size - 8 - n));
    if (dataLength > MAX_MODEL_DATA_BYTES) {
      throw new ModelFileError(`${path} holds ${dataLength} bytes of tensors; a model can have at most ${MAX_MODEL_DATA_BYTES}`);
    }
    const bytes = new Uint8Array(8 + n + dataLength);
    bytes.set(first);
    bytes.set(raw, 8);
    const got = (await readExactly(handle, dataLength, bytes.subarray(8 + n))).length;
    if (got < dataLength) throw new ModelFileError(`${path} is truncated: its header describes ${dataLength} bytes of tensors, the file holds ${got}`);
    return bytes;
  });
}

/**
 * Read a whole file of at most `limit` bytes (default 2 GiB). A missing path, a directory or a
 * file over the limit is a ModelFileError naming the path; other I/O errors are rethrown as they are.
 */
export async function readFileBytes(path: string, limit = MAX_FILE_BYTES): Promise<Uint8Array> {
  return withFile(path, async (handle, size) => {
    const bytes = await readExactly(handle, Math.min(size ?? Infinity, limit + 1));
    if (bytes.length > limit) throw new ModelFileError(`${path} is larger than the ${limit}-byte limit for this kind of file`);
    return bytes;
  });
}

/** Open `path` for reading and pass its size (undefined for a stream such as a FIFO or device). */
async function withFile<T>(path: string, use: (handle: FileHandle, size: number | undefined) => Promise<T>): Promise<T> {
  const fs = await import('node:fs/promises');
  const named = (error: unknown) => {
    const code = (error as { code?: unknown } | null)?.code;
    if (code === 'ENOENT') return new ModelFileError(`no such file: ${path}`);
    return code === 'EISDIR' ? new ModelFileError(`${path} is a directory, not a model file`) : error;
  };
  const handle = await fs.open(path, 'r').catch((e) => Promise.reject(named(e)));
  try {
    const stat = await handle.stat();
    if (stat.isDirectory()) throw Object.assign(new Error(), { code: 'EISDIR' });
    return await use(handle, stat.isFile() ? stat.size : undefined);
  } catch (error) {
    throw named(error);
  } finally {
    await handle.close().catch(() => {});
  }
}

/** Up to `n` bytes from the handle's current position (fewer only at the end of the file). */
async function readExactly(handle: FileHandle, n: number, into = new Uint8Array(n)): Promise<Uint8Array> {
  let got = 0;
  while (got < n) {
    // Chunks of at most 1 GiB: one read call takes at most 2 GiB - 1 bytes.
    const { bytesRead } = await handle.read(into, got, Math.min(n - got, 2 ** 30), null);
    if (bytesRead === 0) break;
    got += bytesRead;
  }
  return into.subarray(0, got);
}
