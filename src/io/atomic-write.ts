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
  const { kill, pid } = await import('node:process'); // Node's, and Deno's through its node: layer
  await removeStaleTemps(fs, dir, basename(path), kill);
  const temp = join(dir, `.${basename(path)}.${pid}-${randomHex()}.tmp`);
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
 * FIFO or socket.
 */
export async function checkSaveTarget(path: string): Promise<void> {
  const fs = await import('node:fs/promises');
  const { basename, dirname, sep } = await import('node:path');
  const refuse = (why: string) => new ValueError(`cannot save to ${JSON.stringify(path)}: ${why}`);
  const dir = dirname(path);
  if (path.endsWith('/') || path.endsWith(sep) || ['', '.', '..'].includes(basename(path))) {
    throw refuse('it names a folder, not a file');
  }
  const folder = await fs.stat(dir).catch(() => undefined);
  if (!folder?.isDirectory()) throw refuse(`the folder ${JSON.stringify(dir)} does not exist (saves do not create folders)`);
  const link = await fs.lstat(path).catch(() => undefined);
  // A symlink is judged by what it points to; a dangling one is simply replaced.
  const target = link?.isSymbolicLink() ? await fs.stat(path).catch(() => undefined) : link;
  if (target && !target.isFile()) {
    const kind = KINDS.find(([is]) => target[is]())?.[1] ?? 'special';
    throw refuse(`it is ${kind}${link!.isSymbolicLink() ? ' (through a symlink)' : ''}, not a regular file; a save only replaces regular files`);
  }
}

const KINDS = [
  ['isDirectory', 'a directory'], ['isCharacterDevice', 'a character device'], ['isBlockDevice', 'a block device'],
  ['isFIFO', 'a FIFO (named pipe)'], ['isSocket', 'a socket'],
] as const;

/**
 * Remove `.<name>.<pid>-<hex>.tmp` files beside the target whose writing process is gone. A live
 * process's temp file (another save in progress, in this or another process) is left alone.
 */
async function removeStaleTemps(fs: typeof import('node:fs/promises'), dir: string, name: string, kill: (pid: number, signal: 0) => void): Promise<void> {
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
    if (m && !isRunning(Number(m[1]), kill)) await fs.rm(join(dir, entry), { force: true }).catch(() => {});
  }
}

/** True unless the OS says no process has this id (ESRCH); when unsure, assume it runs. */
function isRunning(pid: number, kill: (pid: number, signal: 0) => void): boolean {
  try {
    kill(pid, 0);
    return true;
  } catch (e) {
    return (e as { code?: string }).code !== 'ESRCH';
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
