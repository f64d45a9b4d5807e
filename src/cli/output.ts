// How a command talks: human text on stdout (none with --quiet but the result), or JSON lines
// with --json; warnings on stderr. Also the --threads request, which the engine may not grant.
import { getEngine } from './lib.js';
import { type Flags, UsageError } from './args.js';

export interface Output {
  json: boolean;
  quiet: boolean;
  /** A line of text (suppressed by --quiet and --json). */
  log(line: string): void;
  /** A JSON-lines event (only with --json). */
  event(e: Record<string, unknown>): void;
  /** A warning on stderr (always). */
  warn(line: string): void;
}

export function output(flags: Flags): Output {
  const json = !!flags.json;
  const quiet = !!flags.quiet;
  return {
    json,
    quiet,
    log: (line) => void (!json && !quiet && console.log(line)),
    event: (e) => void (json && process.stdout.write(JSON.stringify(e) + '\n')),
    warn: (line) => void process.stderr.write(`dendrite: ${line}\n`),
  };
}

/** Engines that can run worker threads expose setThreads (see engine.info().threadsReason). */
type ThreadedEngine = { setThreads?(n: number): unknown; info(): { threads: number; threadsReason: string } };

/** Apply --threads N if given; say why, when the engine runs fewer. */
export async function threadsNote(flags: Flags, out: Output): Promise<void> {
  if (flags.threads === undefined) return;
  const n = flags.threads as number;
  if (n < 1) throw new UsageError(`--threads must be at least 1, got ${n}`);
  const engine = getEngine() as unknown as ThreadedEngine;
  if (typeof engine.setThreads === 'function') await engine.setThreads(n);
  const info = engine.info();
  if (info.threads < n) out.warn(`running on ${info.threads} thread${info.threads === 1 ? '' : 's'}, not ${n}: ${info.threadsReason}`);
}
