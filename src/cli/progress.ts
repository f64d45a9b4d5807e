// Training progress as fit callbacks, in one of four styles:
//   bar   a Keras-style bar redrawn in place (at most ~10 times a second) on a terminal:
//           Epoch 3/10
//            211/422 [==============>...............] - ETA: 4s - loss: 0.3121 - 11,204 samples/s
//         and at the end of the epoch the same line completed with the epoch's metrics;
//   line  one plain line per epoch (pipes, files, CI);
//   json  one JSON object per line (machine-readable logs);
//   none  nothing (--quiet).
import type { Callbacks, Logs } from './lib.js';

export type ProgressStyle = 'bar' | 'line' | 'json' | 'none';

export interface ProgressOptions {
  /** Epoch count shown as the total ("Epoch 3/10"): the run's last epoch. */
  epochs: number;
  /** Rows trained on per epoch. */
  trainRows: number;
  batchSize: number;
  write?: (s: string) => void;
  /** Terminal width for the bar. */
  columns?: () => number;
  now?: () => number;
}

/** The style for this output: a bar only on an interactive terminal outside CI. */
export function autoStyle(stream: { isTTY?: boolean }, env: Record<string, string | undefined>): ProgressStyle {
  return stream.isTTY && !env.CI ? 'bar' : 'line';
}

/** "valAccuracy" → "val accuracy". */
export const label = (key: string) => key.replace(/[A-Z]/g, (c) => ' ' + c.toLowerCase());

export const fmtNum = (n: number) => Math.round(n).toLocaleString('en-US');

export function formatSeconds(s: number): string {
  if (s < 60) return `${Math.round(s)}s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m}m${String(Math.round(s % 60)).padStart(2, '0')}s` : `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

/** The fit callbacks for a style, plus `interrupted()` to end a half-drawn bar cleanly. */
export function progress(style: ProgressStyle, o: ProgressOptions): Callbacks & { interrupted(): void } {
  const write = o.write ?? ((s: string) => void process.stdout.write(s));
  const now = o.now ?? (() => performance.now());
  const columns = o.columns ?? (() => process.stdout.columns || 100);
  const batches = Math.ceil(o.trainRows / o.batchSize);
  let started = 0;
  let lastDraw = -Infinity;
  let open = false; // a bar line is on screen without its newline
  let lossSum = 0;
  let latest: Logs = {};
  let seen = 0;
  let done = 0;

  const barLine = (extra: string[], fit = true) => {
    const n = String(batches);
    const head = `${String(done).padStart(n.length)}/${n}`;
    const width = Math.max(10, Math.min(30, columns() - head.length - 60));
    const filled = Math.floor((done / batches) * width);
    const bar = done >= batches ? '='.repeat(width) : '='.repeat(Math.max(0, filled - 1)) + (filled > 0 ? '>' : '') + '.'.repeat(width - Math.max(filled, 0));
    const line = [`${head} [${bar}]`, ...extra].join(' - ');
    // While redrawing in place the line must not wrap (\r only returns to the last row).
    return fit && line.length >= columns() ? line.slice(0, columns() - 1) : line;
  };
  const running = () => [`loss: ${(lossSum / seen).toFixed(4)}`, ...Object.entries(latest).map(([k, v]) => `${label(k)}: ${v.toFixed(4)}`)];

  return {
    onEpochBegin(epoch) {
      started = now();
      lastDraw = -Infinity;
      lossSum = seen = done = 0;
      latest = {};
      if (style === 'bar') write(`Epoch ${epoch + 1}/${o.epochs}\n`);
    },
    onBatchEnd(_batch, logs: Logs) {
      if (style !== 'bar') return;
      // fit reports each batch's own loss, which the bar averages over the epoch so far (as Keras
      // shows it); metrics come already accumulated over the epoch, and are shown as they are.
      const size = logs.size ?? o.batchSize;
      lossSum += logs.loss * size;
      for (const [k, v] of Object.entries(logs)) if (k !== 'batch' && k !== 'size' && k !== 'loss') latest[k] = v;
      seen += size;
      done++;
      const t = now();
      if (t - lastDraw < 100 && done < batches) return; // ~10 redraws a second
      lastDraw = t;
      const elapsed = (t - started) / 1000;
      const eta = (elapsed / done) * (batches - done);
      write(`\r${barLine([`ETA: ${formatSeconds(eta)}`, ...running(), `${fmtNum(seen / Math.max(elapsed, 1e-9))} samples/s`])}\x1b[K`);
      open = true;
    },
    onEpochEnd(epoch, logs: Logs) {
      const seconds = (now() - started) / 1000;
      const rate = o.trainRows / Math.max(seconds, 1e-9);
      if (style === 'bar') {
        done = batches;
        const metrics = Object.entries(logs).map(([k, v]) => `${label(k)}: ${v.toFixed(4)}`);
        write(`\r${barLine([`${seconds.toFixed(1)}s`, ...metrics, `${fmtNum(rate)} samples/s`], false)}\x1b[K\n`);
        open = false;
      } else if (style === 'line') {
        const metrics = Object.entries(logs).map(([k, v]) => `${label(k)} ${v.toFixed(4)}`);
        write(`Epoch ${String(epoch + 1).padStart(String(o.epochs).length)}/${o.epochs}  ${metrics.join('  ')}  ${seconds.toFixed(1)}s  ${Math.round(rate)} samples/s\n`);
      } else if (style === 'json') {
        write(JSON.stringify({ event: 'epoch', epoch: epoch + 1, epochs: o.epochs, ...logs, seconds: round(seconds), samplesPerSecond: Math.round(rate) }) + '\n');
      }
    },
    interrupted() {
      if (open) write('\n');
      open = false;
    },
  };
}

const round = (x: number) => Math.round(x * 1000) / 1000;
