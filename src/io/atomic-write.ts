// Whole-file reads and crash-safe writes for Node and Deno. A save either leaves the complete new
// file or the old one, never a torn mix: write a temp file beside the target, fsync it, rename it
// over the target (atomic within one directory on POSIX and NTFS), then fsync the directory so the
// rename itself survives a power cut. `node:` modules are imported inside the functions, so this
// file bundles for browsers (mark `node:*` external) and only fails if these are called there.
import type { FileHandle } from 'node:fs/promises';
import { ModelFileError } from '../errors.js';

/**
 * Atomically replace the file at `path` with `bytes`. On failure the temp file is removed, the old
 * file (if any) is left untouched, and the underlying error is rethrown. An existing target's
 * permission bits are kept; a symlink at `path` is replaced, not followed.
 */
export async function writeFileAtomic(path: string, bytes: Uint8Array): Promise<void> {
  const fs = await import('node:fs/promises');
  const { basename, dirname, join } = await import('node:path');
  const dir = dirname(path);
  const temp = join(dir, `.${basename(path)}.${randomHex()}.tmp`);
  let handle: FileHandle | undefined;
  let created = false;
  try {
    handle = await fs.open(temp, 'wx'); // 'x': never clobber another writer's temp file
    created = true;
    const old = await fs.stat(path).catch(() => undefined);
    if (old !== undefined) await handle.chmod(old.mode & 0o7777);
    await handle.writeFile(bytes);
    await handle.sync();
    await handle.close();
    handle = undefined;
    await fs.rename(temp, path);
  } catch (error) {
    await handle?.close().catch(() => {});
    if (created) await fs.rm(temp, { force: true }).catch(() => {});
    throw error;
  }
  await syncDirectory(fs, dir);
}

/**
 * Read a whole file. A missing path or a directory is a `ModelFileError` naming the path; other
 * I/O errors (permissions, …) are rethrown as they are.
 */
export async function readFileBytes(path: string): Promise<Uint8Array> {
  const fs = await import('node:fs/promises');
  try {
    const buffer = await fs.readFile(path);
    return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  } catch (error) {
    const code = (error as { code?: unknown } | null)?.code;
    if (code === 'ENOENT') throw new ModelFileError(`no such file: ${path}`);
    if (code === 'EISDIR') throw new ModelFileError(`${path} is a directory, not a model file`);
    throw error;
  }
}

/** Best effort: directories can't be opened for fsync on Windows, and some filesystems refuse. */
async function syncDirectory(fs: typeof import('node:fs/promises'), dir: string): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await fs.open(dir, 'r');
    await handle.sync();
  } catch {
    // The file itself is complete and renamed; only the rename's durability is not guaranteed.
  } finally {
    await handle?.close().catch(() => {});
  }
}

function randomHex(): string {
  const words = globalThis.crypto.getRandomValues(new Uint32Array(2));
  return Array.from(words, (w) => w.toString(16).padStart(8, '0')).join('');
}
