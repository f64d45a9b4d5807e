// Epoch loggers: csvLogger (Keras CSVLogger: a header `epoch,<keys sorted>` then one row per
// epoch) and jsonLinesLogger (one JSON object per epoch). Each writes to a file (Node, Deno:
// truncated at the start of training unless `append`) or hands each line to `write`.
import { checkObject } from '../check.js';
import { ValueError } from '../errors.js';
import { Callback, type Logs } from './base.js';

export interface LoggerOptions {
  /** File to write (Node, Deno). Give this or `write`. */
  path?: string;
  /** Receives each line, newline included (any runtime). */
  write?: (line: string) => void | Promise<void>;
  /** Add to an existing file instead of replacing it (csv: no second header). Default false. */
  append?: boolean;
}

export interface CsvLoggerOptions extends LoggerOptions {
  /** Column separator. Default ','. */
  separator?: string;
}

abstract class LineLogger extends Callback {
  readonly path?: string;
  readonly append: boolean;
  private readonly sink?: (line: string) => void | Promise<void>;
  /** True when the file already had content (append mode): no header again. */
  protected hadContent = false;

  constructor(o: LoggerOptions, what: string, keys: readonly string[] = []) {
    super();
    if (o === null || typeof o !== 'object' || (o.path === undefined) === (o.write === undefined)) {
      throw new ValueError(`${what} needs exactly one of { path } or { write: (line) => ... }`);
    }
    checkObject(o, `${what}()`, ['path', 'write', 'append', ...keys]);
    if (o.write !== undefined && typeof o.write !== 'function') throw new ValueError(`${what} write must be a function (line) => void`);
    if (o.path !== undefined && (typeof o.path !== 'string' || o.path === '')) throw new ValueError(`${what} path must be a non-empty string`);
    this.path = o.path;
    this.sink = o.write;
    this.append = o.append ?? false;
  }

  async onTrainBegin(): Promise<void> {
    if (this.path === undefined) return;
    const fs = await import('node:fs/promises');
    if (this.append) {
      const stat = await fs.stat(this.path).catch(() => undefined);
      this.hadContent = !!stat && stat.size > 0;
    } else {
      await fs.writeFile(this.path, '');
      this.hadContent = false;
    }
  }

  protected async emit(line: string): Promise<void> {
    if (this.sink) return void (await this.sink(line));
    const fs = await import('node:fs/promises');
    await fs.appendFile(this.path!, line);
  }
}

export class CsvLogger extends LineLogger {
  readonly separator: string;
  private keys?: string[];

  constructor(o: CsvLoggerOptions) {
    super(o, 'csvLogger', ['separator']);
    this.separator = o.separator ?? ',';
  }

  override async onTrainBegin(): Promise<void> {
    this.keys = undefined;
    await super.onTrainBegin();
  }

  async onEpochEnd(epoch: number, logs: Logs): Promise<void> {
    let head = '';
    if (!this.keys) {
      this.keys = Object.keys(logs).sort();
      if (!this.hadContent) head = ['epoch', ...this.keys].join(this.separator) + '\n';
    }
    const row = [String(epoch), ...this.keys.map((k) => (logs[k] === undefined ? 'NA' : String(logs[k])))].join(this.separator);
    await this.emit(`${head}${row}\n`);
  }
}

export class JsonLinesLogger extends LineLogger {
  constructor(o: LoggerOptions) {
    super(o, 'jsonLinesLogger');
  }

  async onEpochEnd(epoch: number, logs: Logs): Promise<void> {
    // NaN / Infinity are not JSON: written as null.
    await this.emit(`${JSON.stringify({ epoch, ...logs }, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v))}\n`);
  }
}

/** Write each epoch's logs as a CSV row (Keras `CSVLogger`). */
export function csvLogger(options: CsvLoggerOptions): CsvLogger {
  return new CsvLogger(options);
}

/** Write each epoch's logs as one JSON object per line. */
export function jsonLinesLogger(options: LoggerOptions): JsonLinesLogger {
  return new JsonLinesLogger(options);
}
