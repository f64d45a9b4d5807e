// Where the CLI's rows come from: Fashion-MNIST, an IDX image/label pair, a CSV file with a label
// column, or (for predict) JSON rows. Training records how rows were prepared (CliMeta);
// evaluate and predict prepare new rows the same way from the record saved in the model file.
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { type CsvOptions, normalize, readCsv, readCsvHeader } from '../data/csv.js';
import { DataError, type Matrix, datasets, readIdx } from './lib.js';
import { type FlagSpec, type Flags, UsageError, choice, exclusive } from './args.js';
import type { CliMeta } from './model-file.js';

/** Rows ready for the model, with labels when the source has them. */
export interface Dataset {
  x: Matrix;
  y?: Int32Array | Float32Array | Uint8Array;
  /** For messages: "Fashion-MNIST test split", a path. */
  name: string;
  /** The shape of one image ([28, 28]) when the source has one (IDX, Fashion-MNIST); rows are flat. */
  sampleShape?: number[];
}

/** The first `n` rows (all when `n` is undefined or more), as views: nothing is copied. */
export function firstRows(d: Dataset, n: number | undefined): Dataset {
  const rows = d.x.shape[0];
  if (n === undefined || n >= rows) return d;
  const cols = d.x.shape[1];
  return { ...d, x: { ...d.x, data: d.x.data.subarray(0, n * cols), shape: [n, cols] }, y: d.y?.subarray(0, n) };
}

export const dataFlags: FlagSpec = {
  dataset: 'string',
  'data-dir': 'string',
  csv: 'string',
  images: 'string',
  labels: 'string',
  'label-column': 'string',
  header: 'string',
  delimiter: 'string',
};

export const DATA_HELP = `data (one source):
  --dataset fashion-mnist Fashion-MNIST's official split (default when no other
                          source is given)
  --data-dir DIR          folder with its four IDX files (.gz or raw); default:
                          the usual places
  --csv FILE              CSV rows of numeric features and a label column
  --images FILE           IDX images (u8 pixels are scaled to [0, 1]) ...
  --labels FILE           ... with an IDX file of class ids
  --label-column COL      CSV label column: name or 0-based index (default:
                          label/class/target/y, else the last)
  --header auto|yes|no    whether the CSV's first row names the columns
                          (default auto)
  --delimiter C           CSV field separator (default: detected among , ; tab)`;

type Source = 'fashion-mnist' | 'csv' | 'idx';

/** Which source the flags name (prefix '' or 'test-'); undefined when none. */
export function sourceOf(flags: Flags, prefix = ''): Source | undefined {
  exclusive(flags, `${prefix}csv`, `${prefix}images`, ...(prefix ? [] : ['dataset']));
  if (flags[`${prefix}csv`] !== undefined) return 'csv';
  if (flags[`${prefix}images`] !== undefined || flags[`${prefix}labels`] !== undefined) return 'idx';
  if (!prefix && flags.dataset !== undefined) {
    if (flags.dataset !== 'fashion-mnist') throw new UsageError(`unknown dataset "${flags.dataset}"; available: fashion-mnist`);
    return 'fashion-mnist';
  }
  return undefined;
}

/**
 * Training rows (and test rows when the source has a test split or --test-* is given). With the
 * record of a checkpoint (`saved`, for --resume) rows are prepared as they were then: same
 * columns, classes and normalisation statistics.
 */
export async function loadTraining(flags: Flags, saved?: CliMeta): Promise<{ train: Dataset; test?: Dataset; meta: CliMeta }> {
  const source = sourceOf(flags) ?? 'fashion-mnist';
  if (saved?.source && saved.source !== source) {
    throw new UsageError(`the checkpoint was trained on ${saved.source} data; give the same source again (${SOURCE_FLAG[saved.source] ?? saved.source})`);
  }
  if (source === 'fashion-mnist') {
    const fm = await datasets.fashionMnist({ dir: flags['data-dir'] as string | undefined });
    const meta: CliMeta = { source, classes: fm.classNames };
    const images = { sampleShape: [28, 28] };
    return { train: { ...fm.train, ...images, name: 'Fashion-MNIST training split' }, test: { ...fm.test, ...images, name: 'Fashion-MNIST test split' }, meta };
  }
  let train: Dataset;
  let meta: CliMeta;
  if (source === 'idx') {
    train = await loadIdxPair(flags.images as string | undefined, flags.labels as string | undefined, true);
    meta = { source };
  } else {
    const path = flags.csv as string;
    const fresh = !saved;
    const csv = readCsv(await readText(path), {
      ...csvOptions(flags, path, saved),
      labelType: choice(flags, 'label-type', ['auto', 'class', 'number'] as const, 'auto'),
      classes: saved?.classes,
      normalize: fresh ? choice(flags, 'normalize', ['none', 'minmax', 'standard'] as const, 'none') : saved.normalization,
    });
    if (!csv.y) throw new DataError(`${path}: has no label column`);
    train = { x: csv.x, y: csv.y, name: path };
    meta = { source, features: csv.features, label: csv.label, classes: csv.classes, normalization: csv.normalization };
  }
  const test = sourceOf(flags, 'test-') ? await loadLabelled(flags, meta, 'test-') : undefined;
  return { train, test, meta };
}

const SOURCE_FLAG: Record<string, string> = { csv: '--csv FILE', idx: '--images FILE --labels FILE', 'fashion-mnist': '--dataset fashion-mnist' };

/** Labelled rows for evaluation, prepared as the model's training rows were. */
export async function loadLabelled(flags: Flags, meta: CliMeta, prefix = ''): Promise<Dataset> {
  const given = sourceOf(flags, prefix);
  if (!given && meta.source && meta.source !== 'fashion-mnist') {
    throw new UsageError(`the model was trained on ${meta.source} data; give the rows to evaluate (${SOURCE_FLAG[meta.source] ?? '--csv FILE'})`);
  }
  const source = given ?? 'fashion-mnist';
  if (source === 'fashion-mnist') {
    const fm = await datasets.fashionMnist({ dir: flags['data-dir'] as string | undefined });
    return { ...fm.test, x: applyNormalization(fm.test.x, meta), name: 'Fashion-MNIST test split', sampleShape: [28, 28] };
  }
  if (source === 'idx') {
    const d = await loadIdxPair(flags[`${prefix}images`] as string | undefined, flags[`${prefix}labels`] as string | undefined, true, prefix);
    return { ...d, x: applyNormalization(d.x, meta) };
  }
  const path = flags[`${prefix}csv`] as string;
  const csv = readCsv(await readText(path), { ...csvOptions(flags, path, meta), classes: meta.classes, normalize: meta.normalization });
  if (!csv.y) throw new DataError(`${path}: has no label column`);
  return { x: csv.x, y: csv.y, name: path };
}

/** Rows must hold one sample of the model's input shape each (flat: no copy is made to reshape them). */
export function checkWidth(d: Dataset, inputShape: number[]): void {
  const width = d.x.shape[1];
  const size = inputShape.reduce((a, b) => a * b, 1);
  if (width === size) return;
  const what = d.sampleShape ? `${d.sampleShape.join(' × ')} images (${width} values)` : `rows of ${width} values`;
  throw new DataError(`${d.name}: has ${what}, but the model takes samples of shape [${inputShape.join(', ')}] (${size} values)`);
}

/** Rows to predict (labels, if present, are ignored): CSV, IDX images or JSON. */
export async function loadRows(flags: Flags, meta: CliMeta, inputShape: number[]): Promise<Dataset> {
  exclusive(flags, 'csv', 'images', 'json');
  const inputDim = inputShape.reduce((a, b) => a * b, 1);
  if (flags.images !== undefined) {
    const d = await loadIdxPair(flags.images as string, undefined, false);
    checkWidth(d, inputShape);
    return { ...d, x: applyNormalization(d.x, meta) };
  }
  if (flags.json !== undefined) {
    const path = flags.json as string;
    return { x: applyNormalization(jsonRows(await readText(path), path, meta, inputDim), meta), name: path };
  }
  if (flags.csv === undefined) throw new UsageError('predict needs rows: --csv FILE, --images FILE or --json FILE');
  const path = flags.csv as string;
  const o = csvOptions(flags, path, meta);
  const text = await readText(path);
  // Columns by the model's names when the file has them (a headerless file's are "column N");
  // else by position: every column, or all but an explicit --label-column.
  const { columns } = readCsvHeader(text, o);
  const byName = meta.features?.every((f) => columns.includes(f));
  const x = readCsv(text, { ...o, features: byName ? o.features : undefined, labelColumn: byName ? null : flags['label-column'] === undefined ? null : o.labelColumn }).x;
  if (x.shape[1] !== inputDim) {
    const hint = flags['label-column'] === undefined ? ' (use --label-column to leave the label out)' : '';
    throw new DataError(`${path}: has ${x.shape[1]} feature columns but the model expects ${inputDim}${meta.features ? ` (${meta.features.join(', ')})` : ''}${hint}`);
  }
  return { x: applyNormalization(x, meta), name: path };
}

function csvOptions(flags: Flags, path: string, meta?: CliMeta): CsvOptions {
  const header = choice(flags, 'header', ['auto', 'yes', 'no'] as const, 'auto');
  const col = flags['label-column'] as string | undefined;
  const o: CsvOptions = {
    name: path,
    header: header === 'auto' ? 'auto' : header === 'yes',
    delimiter: flags.delimiter === 'tab' ? '\t' : (flags.delimiter as string | undefined),
    labelColumn: col ?? columnRef(meta?.label),
  };
  if (meta?.features) o.features = meta.features.map((f) => columnRef(f)!);
  return o;
}

/** A saved column name; "column N" (the name given to columns of a headerless file) is index N-1. */
function columnRef(name: string | undefined): string | number | undefined {
  const m = name === undefined ? null : /^column (\d+)$/.exec(name);
  return m ? Number(m[1]) - 1 : name;
}

function applyNormalization(x: Matrix, meta: CliMeta): Matrix {
  return meta.normalization ? normalize(x, meta.normalization) : x;
}

async function loadIdxPair(images: string | undefined, labels: string | undefined, needLabels: boolean, prefix = ''): Promise<Dataset> {
  if (images === undefined) throw new UsageError(`--${prefix}labels needs --${prefix}images`);
  if (needLabels && labels === undefined) throw new UsageError(`--${prefix}images needs --${prefix}labels (an IDX file of class ids)`);
  const img = await readIdx(await readBytes(images), { name: images });
  if (img.shape.length < 2) throw new DataError(`${images}: IDX images need at least 2 dimensions (rows, features...), got shape [${img.shape}]`);
  const rows = img.shape[0];
  const cols = img.shape.slice(1).reduce((a, b) => a * b, 1);
  const x: Matrix = img.data instanceof Uint8Array ? { data: img.data, shape: [rows, cols], scale: 1 / 255 } : { data: Float32Array.from(img.data), shape: [rows, cols] };
  const sampleShape = img.shape.slice(1);
  if (labels === undefined) return { x, name: images, sampleShape };
  const lab = await readIdx(await readBytes(labels), { name: labels });
  if (lab.shape.length !== 1 || lab.dtype === 'float32' || lab.dtype === 'float64') {
    throw new DataError(`${labels}: IDX labels must be one integer per row (1-D), got ${lab.dtype} of shape [${lab.shape}]`);
  }
  if (lab.shape[0] !== rows) throw new DataError(`${labels}: has ${lab.shape[0]} labels but ${images} has ${rows} images`);
  return { x, y: Int32Array.from(lab.data), name: images, sampleShape };
}

/** JSON rows: [[f1, f2, ...], ...] or [{ "f1": .., "f2": .. }, ...] keyed by the model's feature names. */
function jsonRows(text: string, path: string, meta: CliMeta, inputDim: number): Matrix {
  let rows: unknown;
  try {
    rows = JSON.parse(text);
  } catch (e) {
    throw new DataError(`${path}: is not valid JSON (${(e as Error).message})`);
  }
  if (!Array.isArray(rows) || rows.length === 0) throw new DataError(`${path}: expected a non-empty JSON array of rows`);
  const data = new Float32Array(rows.length * inputDim);
  rows.forEach((row, r) => {
    let values: unknown[];
    if (Array.isArray(row)) values = row;
    else if (row !== null && typeof row === 'object') {
      if (!meta.features) throw new DataError(`${path}: row ${r} is an object, but the model has no feature names (it was not trained from a CSV with a header); give arrays`);
      const missing = meta.features.filter((f) => !(f in row));
      if (missing.length) throw new DataError(`${path}: row ${r} lacks feature(s) ${missing.join(', ')}`);
      values = meta.features.map((f) => (row as Record<string, unknown>)[f]);
    } else throw new DataError(`${path}: row ${r} must be an array of numbers or an object, got ${JSON.stringify(row)}`);
    if (values.length !== inputDim) throw new DataError(`${path}: row ${r} has ${values.length} values but the model expects ${inputDim}`);
    values.forEach((v, c) => {
      if (typeof v !== 'number' || !Number.isFinite(v)) throw new DataError(`${path}: row ${r}, value ${c} is ${JSON.stringify(v)}, not a finite number`);
      if (Math.abs(v) > 3.4028234663852886e38) throw new DataError(`${path}: row ${r}, value ${c} is ${v}, beyond float32's range (±3.4e38)`);
      data[r * inputDim + c] = v;
    });
  });
  return { data, shape: [rows.length, inputDim] };
}

async function readBytes(path: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(await readFile(path));
  } catch (e) {
    throw fileError(e, path);
  }
}

async function readText(path: string): Promise<string> {
  try {
    return path === '-' ? readFileSync(0, 'utf8') : await readFile(path, 'utf8');
  } catch (e) {
    throw fileError(e, path);
  }
}

function fileError(e: unknown, path: string): Error {
  const code = (e as { code?: string }).code;
  if (code === 'ENOENT') return new DataError(`no such file: ${path}`);
  if (code === 'EISDIR') return new DataError(`${path} is a directory, not a data file`);
  if (code === 'EACCES') return new DataError(`cannot read ${path}: permission denied`);
  return e as Error;
}
