// Crash-safe writes for Node and Deno (bounded reads are in file-read.ts). A save either leaves the complete new
// file or the old one, never a torn mix: write a temp file beside the target, fsync it, rename it
// over the target (atomic within one directory on POSIX and NTFS), then fsync the directory so the
// rename itself survives a power cut. `node:` modules are imported inside the functions, so this
// file bundles for browsers (mark `node:*` external) and only fails if these are called there.
import type { FileHandle } from 'node:fs/promises';
import { ValueError } from '../errors.js';

/**
 * Atomically replace the file at `path` with `bytes`. On failure the temp file is removed, the old
 * file (if any) is left untouched, and the underlying error is rethrown. An existing target's
 * permission bits are kept; a symlink to a regular file is replaced, not followed. What is not ours
 * to replace is refused first (see checkSaveTarget); temp files of this target left by a process
 * that died mid-save (SIGKILL, a second Ctrl-C) are removed.
 */
export async function writeFileAtomic(path: string, bytes: Uint8Array): Promise<void> {
  const fs = await import('node:fs/promises');
  const { basename, dirname, join } = await import('node:path');
  await checkSaveTarget(path);
  const dir = dirname(path);
  await removeStaleTemps(fs, dir, basename(path));
  const temp = join(dir, `.${basename(path)}.${processId()}-${randomHex()}.tmp`);
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
    await checkSaveTarget(path); // again: the write took time, and rename would replace anything
    await fs.rename(temp, path);
  } catch (error) {
    await handle?.close().catch(() => {});
    if (created) await fs.rm(temp, { force: true }).catch(() => {});
    throw error;
  }
  await syncDirectory(fs, dir);
}

/**
 * Throw a ValueError naming `path` unless a save may write there: the path must not end in a
 * separator, its folder must exist (folders are never created: a typo should not make one), and
 * whatever is at the path must be a regular file or a symlink to one, never a directory, device,
 * FIFO or socket. With `probe`, also create and remove a temp file, so an unwritable folder (or
 * /proc) is found before, not after, a long training run.
 */
export async function checkSaveTarget(path: string, probe = false): Promise<void> {
  const fs = await import('node:fs/promises');
  const { basename, dirname, join, sep } = await import('node:path');
  const name = JSON.stringify(path);
  if (path.endsWith('/') || path.endsWith(sep) || basename(path) === '' || basename(path) === '.' || basename(path) === '..') {
    throw new ValueError(`cannot save to ${name}: it names a folder, not a file; add a file name (e.g. ${JSON.stringify(join(path, 'model.dnd'))})`);
  }
  const dir = dirname(path);
  let folder: import('node:fs').Stats;
  try {
    folder = await fs.stat(dir);
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new ValueError(`cannot save to ${name}: the folder ${JSON.stringify(dir)} does not exist (saves do not create folders; create it first)`);
    throw e;
  }
  if (!folder.isDirectory()) throw new ValueError(`cannot save to ${name}: ${JSON.stringify(dir)} is not a folder`);
  const link = await fs.lstat(path).catch(() => undefined);
  if (link !== undefined && !link.isFile()) {
    // A symlink is judged by what it points to; a dangling one is simply replaced.
    const target = link.isSymbolicLink() ? await fs.stat(path).catch(() => undefined) : link;
    if (target !== undefined && !target.isFile()) {
      throw new ValueError(`cannot save to ${name}: it is ${kindOf(target)}${link.isSymbolicLink() ? ' (through a symlink)' : ''}, not a regular file; a save only replaces regular files`);
    }
  }
  if (probe) {
    const temp = join(dir, `.${basename(path)}.${processId()}-${randomHex()}.tmp`);
    try {
      await (await fs.open(temp, 'wx')).close();
    } catch (e) {
      throw new ValueError(`cannot save to ${name}: no file can be created in ${JSON.stringify(dir)} (${(e as Error).message})`);
    }
    await fs.rm(temp, { force: true });
  }
}

/** "a directory", "a character device", … for a message. */
function kindOf(s: import('node:fs').Stats): string {
  if (s.isDirectory()) return 'a directory';
  if (s.isCharacterDevice()) return 'a character device';
  if (s.isBlockDevice()) return 'a block device';
  if (s.isFIFO()) return 'a FIFO (named pipe)';
  if (s.isSocket()) return 'a socket';
  return 'not a regular file';
}

/**
 * Remove `.<name>.<pid>-<hex>.tmp` files beside the target whose writing process is gone. A live
 * process's temp file (another save in progress, in this or another process) is left alone.
 */
async function removeStaleTemps(fs: typeof import('node:fs/promises'), dir: string, name: string): Promise<void> {
  const { join } = await import('node:path');
  const prefix = `.${name}.`;
  let entries: string[];
  try {
    entries = await fs.readdir(dir);
  } catch {
    return; // unreadable folder: nothing to clean, the write itself reports real problems
  }
  for (const entry of entries) {
    if (!entry.startsWith(prefix)) continue;
    const m = /^(\d+)-[0-9a-f]{16}\.tmp$/.exec(entry.slice(prefix.length));
    if (m && !(await isRunning(Number(m[1])))) await fs.rm(join(dir, entry), { force: true }).catch(() => {});
  }
}

/** True unless the OS says no process has this id (ESRCH); when unsure, assume it runs. */
async function isRunning(pid: number): Promise<boolean> {
  if (pid === processId()) return true;
  try {
    const { kill } = await import('node:process');
    kill(pid, 0);
    return true;
  } catch (e) {
    return (e as { code?: string }).code !== 'ESRCH';
  }
}

function processId(): number {
  const g = globalThis as { process?: { pid?: number }; Deno?: { pid?: number } };
  return g.process?.pid ?? g.Deno?.pid ?? 0;
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
