// Child processes for the runtime tests and the cold-start script: run one to completion with a
// time limit, or keep a server running until stopped. Everything listens on 127.0.0.1 only.
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

/** The repository root (where package.json is). */
export const root = fileURLToPath(new URL('../../', import.meta.url));

/** A free TCP port on the loopback interface. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/**
 * Run a command to completion. Resolves with { code, stdout, stderr } (code null when it was
 * killed at `timeoutMs`); never rejects for a non-zero exit.
 */
export function run(command, args, { timeoutMs = 60_000, env = {}, cwd = root, input } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => {
      stderr += `\n[killed after ${timeoutMs} ms]`;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(input ?? '');
  });
}

/** The last line of `text` that parses as a JSON object (scripts print their result last). */
export function lastJson(text) {
  const lines = text.trim().split('\n').reverse();
  for (const line of lines) {
    if (!line.startsWith('{')) continue;
    try {
      return JSON.parse(line);
    } catch {
      // not the result line
    }
  }
  throw new Error(`no JSON result line in output:\n${text}`);
}

/** Throw a readable error unless a run() result exited with 0 (and, unless allowed, wrote no stderr). */
export function expectOk({ code, stdout, stderr }, { allowStderr = false } = {}) {
  if (code === 0 && (allowStderr || stderr.trim() === '')) return;
  const tail = (s) => (s.length > 3000 ? `…${s.slice(-3000)}` : s);
  throw new Error(`exit code ${code}\n--- stderr ---\n${tail(stderr)}\n--- stdout ---\n${tail(stdout)}`);
}
