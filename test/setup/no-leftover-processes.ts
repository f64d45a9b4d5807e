// Vitest global setup: every process the test run starts must be gone when the suite ends (a
// workerd or Chromium left behind keeps a port and a core busy after CI says "done"). The run's
// processes are marked with an environment variable that children inherit, orphans included (an
// orphan is re-parented to init, so a walk down the process tree would miss it); teardown finds the
// marked processes through /proc (Linux), kills any still there, and fails the run naming them.
import { randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';

export const MARK = 'DENDRITE_TEST_RUN';

/** Processes other than this one whose environment carries `MARK=id`, with their command lines. */
export function markedProcesses(id: string): { pid: number; command: string }[] {
  if (!existsSync('/proc/self/environ')) return [];
  const found: { pid: number; command: string }[] = [];
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    try {
      if (!readFileSync(`/proc/${pid}/environ`, 'latin1').split('\0').includes(`${MARK}=${id}`)) continue;
      found.push({ pid, command: readFileSync(`/proc/${pid}/cmdline`, 'latin1').split('\0').join(' ').trim() });
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return found;
}

let id = '';

export function setup(): void {
  id = randomUUID();
  process.env[MARK] = id;
}

export async function teardown(): Promise<void> {
  // Vitest's own workers may still be shutting down: give them a moment.
  let left = markedProcesses(id);
  for (let i = 0; i < 50 && left.length; i++) {
    await new Promise((r) => setTimeout(r, 100));
    left = markedProcesses(id);
  }
  if (!left.length) return;
  for (const p of left) {
    try {
      process.kill(p.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  // Vitest reports an error thrown here but still exits 0: set the exit code too.
  process.exitCode = 1;
  throw new Error(`${left.length} process(es) started by the tests outlived the suite (now killed):\n${left.map((p) => `  ${p.pid} ${p.command}`).join('\n')}`);
}
