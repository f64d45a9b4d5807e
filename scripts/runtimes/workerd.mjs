// workerd from .runtime-tools (see tools.mjs): serve a config on a free loopback port until
// stopped. The real binary is spawned, not the npm wrapper: a SIGTERM to the wrapper would leave
// the binary running.
import { spawn } from 'node:child_process';
import { freePort, root } from './process.mjs';
import { toolBinary, toolsDir } from './tools.mjs';

export const workerdBin = toolBinary('workerd') ?? `${toolsDir}/node_modules/.bin/workerd (not installed: npm test installs it)`;

/**
 * Start `workerd serve <config>` with its socket `socket` moved to 127.0.0.1:<free port>. Resolves
 * once `readyPath` answers HTTP, with { url, stop(), output() }; rejects if workerd exits first or
 * `timeoutMs` passes.
 */
export async function startWorkerd(config, { socket = 'http', readyPath = '/', timeoutMs = 30_000 } = {}) {
  const port = await freePort();
  const child = spawn(workerdBin, ['serve', config, `--socket-addr=${socket}=127.0.0.1:${port}`], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  let exited = false;
  child.on('exit', () => (exited = true));
  const stop = () =>
    new Promise((resolve) => {
      if (exited) return resolve();
      child.once('exit', resolve);
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), 2000).unref();
    });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (exited) throw new Error(`workerd exited before serving:\n${output}`);
    try {
      await fetch(url + readyPath, { signal: AbortSignal.timeout(1000) });
      return { url, stop, output: () => output };
    } catch {
      if (Date.now() > deadline) {
        await stop();
        throw new Error(`workerd did not answer on ${url} within ${timeoutMs} ms:\n${output}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}
