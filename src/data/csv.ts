// CSV → a feature matrix and labels (RFC 4180: fields split by a delimiter; a field in double
// quotes may hold the delimiter, line breaks and "" for a quote). Rows are parsed one at a time
// into a growing Float32Array, so a 60,000 × 785 file never exists as 47 million strings. Every
// bad row is a DataError naming its line. Normalisation statistics are returned so that the same
// transform can be applied later (at predict time) with `normalize`. No node: imports.
import { checkObject, describe } from '../check.js';
import { DataError, ValueError } from '../errors.js';
import type { Matrix } from '../types.js';

/**
 * A per-feature affine transform x' = (x − offset) / scale, as fitted on training data:
 * `minmax` maps each feature's [min, max] to [0, 1], `standard` gives it mean 0 and variance 1.
 * A constant feature gets scale 1 (it becomes 0 rather than NaN).
 */
export interface Normalization {
  method: 'minmax' | 'standard';
  offset: number[];
  scale: number[];
}

/** Options of `readCsv`. */
export interface CsvOptions {
  /** Name used in error messages, e.g. the file path. Default `'CSV'`. */
  name?: string;
  /** Field separator (one character). Default: whichever of `,` `;` tab is most frequent in the first line. */
  delimiter?: string;
  /**
   * Whether the first row names the columns. Default `'auto'`: it does when some column holds a
   * non-number in the first row and a number in the second.
   */
  header?: boolean | 'auto';
  /**
   * The label column: a header name, or a 0-based index (negative counts from the end); `null`
   * for none (rows to predict). Default: the column named `label`, `class`, `target` or `y`
   * (any case) if there is a header, else the last column.
   */
  labelColumn?: string | number | null;
  /**
   * Feature columns in the order the model expects them (names need a header). Default: every
   * column except the label, left to right.
   */
  features?: (string | number)[];
  /**
   * How labels are read. `'class'`: each distinct value is a class (ids in sorted order, names in
   * `classes`). `'number'`: numeric targets (regression). Default `'auto'`: integers ≥ 0 are class
   * ids as they are; other numbers are targets; anything else is a class name.
   */
  labelType?: 'auto' | 'class' | 'number';
  /** Known class names (from training): label values are mapped to their index; others are an error. */
  classes?: string[];
  /** `'minmax'` or `'standard'` fits statistics on this data; a `Normalization` re-applies saved ones. Default none. */
  normalize?: 'none' | 'minmax' | 'standard' | Normalization;
}

/** What `readCsv` returns. */
export interface CsvData {
  /** Features, [rows, features] f32 (normalised if asked). */
  x: Matrix;
  /** Class ids (Int32Array) or numeric targets (Float32Array); absent without a label column. */
  y?: Int32Array | Float32Array;
  /** Feature names: the header's, or `column 1`, `column 2`... (1-based, as spreadsheets count). */
  features: string[];
  /** Name of the label column, if any. */
  label?: string;
  /** Class names by id, when labels were names (or `labelType: 'class'`, or `classes` was given). */
  classes?: string[];
  /** The statistics applied, when `normalize` was asked for. */
  normalization?: Normalization;
}

const LABEL_NAMES = ['label', 'class', 'target', 'y'];

/** Parse CSV text (or UTF-8 bytes) into features and labels; see CsvOptions. */
const CSV_KEYS = ['name', 'delimiter', 'header', 'labelColumn', 'features', 'labelType', 'classes', 'normalize'] as const satisfies readonly (keyof CsvOptions)[];

export function readCsv(source: string | Uint8Array, options: CsvOptions = {}): CsvData {
  const text = typeof source === 'string' ? source : new TextDecoder('utf-8', { fatal: false }).decode(source);
  if (typeof text !== 'string') throw new ValueError(`readCsv takes a string or a Uint8Array, got ${describe(source)}`);
  checkObject(options, 'readCsv options', CSV_KEYS);
  const name = options.name ?? 'CSV';
  const delimiter = options.delimiter ?? detectDelimiter(text);
  if (delimiter.length !== 1 || delimiter === '"' || delimiter === '\n' || delimiter === '\r') {
    throw new ValueError(`CSV delimiter must be one character other than a quote or line break, got ${JSON.stringify(delimiter)}`);
  }
  const records = parseRecords(text, delimiter, name);
  const first = records.next();
  if (first.done) throw new DataError(`${name}: is empty: expected a header or data rows`);
  let second = records.next();
  const width = first.value.fields.length;
  const hasHeader = options.header === undefined || options.header === 'auto' ? looksLikeHeader(first.value.fields, second.done ? undefined : second.value.fields) : options.header;
  const names = columnNames(first.value.fields, hasHeader, name);
  const labelIndex = resolveLabel(options.labelColumn, names, hasHeader, name);
  const featureIdx = resolveFeatures(options.features, names, labelIndex, hasHeader, name);

  const cols = featureIdx.length;
  let data = new Float32Array(Math.max(cols * 1024, 1));
  const labels: string[] = [];
  const lineOf: number[] = []; // line of each data row, for label errors
  let rows = 0;
  const take = ({ fields, line }: Row) => {
    if (fields.length !== width) throw new DataError(`${name}: line ${line}: expected ${width} fields like the first row, got ${fields.length}`);
    if ((rows + 1) * cols > data.length) {
      const grown = new Float32Array(data.length * 2);
      grown.set(data);
      data = grown;
    }
    for (let j = 0; j < cols; j++) {
      const raw = fields[featureIdx[j]];
      const v = toNumber(raw);
      if (v === undefined) {
        const what = raw.trim() === '' ? 'is empty' : NON_DECIMAL.test(raw.trim()) ? `is ${raw.trim()}, not a decimal number (hexadecimal, binary and octal numerals are not read)` : `is ${JSON.stringify(raw)}, not a number`;
        throw new DataError(`${name}: line ${line}: column "${names[featureIdx[j]]}" ${what}`);
      }
      if (Math.abs(v) > F32_MAX) throw new DataError(`${name}: line ${line}: column "${names[featureIdx[j]]}" is ${raw.trim()}, ${BEYOND_F32}`);
      data[rows * cols + j] = v;
    }
    if (labelIndex !== undefined) labels.push(fields[labelIndex].trim());
    lineOf.push(line);
    rows++;
  };
  if (!hasHeader) take(first.value);
  for (; !second.done; second = records.next()) take(second.value);
  if (rows === 0) throw new DataError(`${name}: has a header but no data rows`);

  const x: Matrix = { data: data.slice(0, rows * cols), shape: [rows, cols] };
  const out: CsvData = { x, features: featureIdx.map((i) => names[i]) };
  if (labelIndex !== undefined) {
    out.label = names[labelIndex];
    Object.assign(out, readLabels(labels, options, (r) => `${name}: line ${lineOf[r]}`));
  }
  const norm = options.normalize ?? 'none';
  if (norm !== 'none') {
    out.normalization = typeof norm === 'string' ? fitNormalization(x, norm) : norm;
    out.x = normalize(x, out.normalization);
  }
  return out;
}

/** The column names (the header's, or `column 1`...) and whether the first row is a header, without parsing the rows. */
export function readCsvHeader(source: string | Uint8Array, options: Pick<CsvOptions, 'name' | 'delimiter' | 'header'> = {}): { columns: string[]; header: boolean } {
  // The same options object as readCsv's may be passed; only name, delimiter and header matter here.
  checkObject(options, 'readCsvHeader options', CSV_KEYS);
  const text = typeof source === 'string' ? source : new TextDecoder().decode(source);
  const records = parseRecords(text, options.delimiter ?? detectDelimiter(text), options.name ?? 'CSV');
  const first = records.next();
  if (first.done) throw new DataError(`${options.name ?? 'CSV'}: is empty: expected a header or data rows`);
  const second = records.next();
  const h = options.header;
  const header = h === undefined || h === 'auto' ? looksLikeHeader(first.value.fields, second.done ? undefined : second.value.fields) : h;
  return { columns: columnNames(first.value.fields, header, options.name ?? 'CSV'), header };
}

/** The header's names (each once: a repeated name would make "column f1" mean two columns), or `column 1`... */
function columnNames(fields: string[], hasHeader: boolean, name: string): string[] {
  if (!hasHeader) return fields.map((_, i) => `column ${i + 1}`);
  const names = fields.map((f) => f.trim());
  const seen = new Map<string, number>();
  names.forEach((n, i) => {
    const before = seen.get(n);
    if (before !== undefined) throw new DataError(`${name}: the header names column ${JSON.stringify(n)} twice (columns ${before + 1} and ${i + 1}); each column needs its own name`);
    seen.set(n, i);
  });
  return names;
}

/** Statistics of each column of `x` for `method` (see Normalization). */
export function fitNormalization(x: Matrix, method: 'minmax' | 'standard'): Normalization {
  if (method !== 'minmax' && method !== 'standard') throw new ValueError(`normalize must be "none", "minmax" or "standard", got ${describe(method)}`);
  const [rows, cols] = x.shape;
  const s = x.scale ?? 1;
  const offset: number[] = [];
  const scale: number[] = [];
  for (let c = 0; c < cols; c++) {
    let a = Infinity, b = -Infinity, sum = 0, sq = 0;
    for (let r = 0; r < rows; r++) {
      const v = x.data[r * cols + c] * s;
      a = Math.min(a, v);
      b = Math.max(b, v);
      sum += v;
    }
    const mean = sum / rows;
    for (let r = 0; r < rows; r++) sq += (x.data[r * cols + c] * s - mean) ** 2; // two passes: no cancellation
    const spread = method === 'minmax' ? b - a : Math.sqrt(sq / rows);
    offset.push(method === 'minmax' ? a : mean);
    scale.push(spread > 0 ? spread : 1);
  }
  return { method, offset, scale };
}

/** `x` transformed by saved statistics: a new f32 matrix, (x·x.scale − offset) / scale per column. */
export function normalize(x: Matrix, n: Normalization): Matrix {
  const [rows, cols] = x.shape;
  if (!n || !Array.isArray(n.offset) || !Array.isArray(n.scale) || n.offset.length !== cols || n.scale.length !== cols) {
    throw new ValueError(`normalization statistics must have one offset and one scale per feature (${cols}), got ${n?.offset?.length} and ${n?.scale?.length}`);
  }
  const s = x.scale ?? 1;
  const out = new Float32Array(rows * cols);
  for (let i = 0; i < out.length; i++) {
    const c = i % cols;
    out[i] = (x.data[i] * s - n.offset[c]) / n.scale[c];
  }
  return { data: out, shape: [rows, cols] };
}

interface Row {
  fields: string[];
  line: number;
}

/** Records one by one, each with the line it starts on; blank lines are skipped. */
function* parseRecords(text: string, delimiter: string, name: string): Generator<Row, void> {
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0; // byte-order mark
  let line = 1;
  const n = text.length;
  const d = delimiter.charCodeAt(0);
  while (i < n) {
    const start = line;
    const fields: string[] = [];
    for (;;) {
      let field: string;
      let lead = i;
      while (text.charCodeAt(lead) === 32) lead++; // spaces before an opening quote
      if (text.charCodeAt(lead) === 34) {
        i = lead;
        // Quoted field: runs to the next lone quote; "" is a literal quote; may span lines.
        let j = i + 1;
        let value = '';
        for (;;) {
          const q = text.indexOf('"', j);
          if (q < 0) throw new DataError(`${name}: line ${start}: a quoted field is never closed`);
          value += text.slice(j, q);
          for (let k = j; k < q; k++) if (text.charCodeAt(k) === 10) line++;
          if (text.charCodeAt(q + 1) === 34) {
            value += '"';
            j = q + 2;
          } else {
            i = q + 1;
            break;
          }
        }
        while (text.charCodeAt(i) === 32 || text.charCodeAt(i) === 9) i++;
        const c = text.charCodeAt(i);
        if (i < n && c !== d && c !== 10 && c !== 13) throw new DataError(`${name}: line ${line}: unexpected text after a closing quote`);
        field = value;
      } else {
        let j = i;
        while (j < n) {
          const c = text.charCodeAt(j);
          if (c === d || c === 10 || c === 13) break;
          j++;
        }
        field = text.slice(i, j);
        i = j;
      }
      fields.push(field);
      if (i < n && text.charCodeAt(i) === d) {
        i++;
        continue;
      }
      if (text.charCodeAt(i) === 13) i++;
      if (text.charCodeAt(i) === 10) i++;
      break;
    }
    line++;
    if (fields.length === 1 && fields[0].trim() === '') continue; // blank line
    yield { fields, line: start };
  }
}

/** Values are stored as float32: larger magnitudes would become Infinity. */
const F32_MAX = 3.4028234663852886e38;
const BEYOND_F32 = "beyond float32's range (±3.4e38); scale the column down";

/** A decimal numeral as CSV files write them: sign, digits, point, exponent. */
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
/** What JavaScript's Number() would also read: 0x1F, 0b11, 0o7 (a spreadsheet means text by them). */
const NON_DECIMAL = /^[+-]?0[xXbBoO][0-9a-fA-F]+$/;

/** A finite decimal number, or undefined (empty, text, NaN, Infinity, 0x1F and other non-decimal numerals). */
function toNumber(raw: string): number | undefined {
  const t = raw.trim();
  if (!DECIMAL.test(t)) return undefined;
  const v = Number(t);
  return Number.isFinite(v) ? v : undefined;
}

function looksLikeHeader(first: string[], second: string[] | undefined): boolean {
  if (!second) return first.some((f) => toNumber(f) === undefined);
  return first.some((f, i) => toNumber(f) === undefined && i < second.length && toNumber(second[i]) !== undefined);
}

function detectDelimiter(text: string): string {
  const end = text.indexOf('\n');
  const line = text.slice(0, end < 0 ? Math.min(text.length, 65536) : end).replace(/"[^"]*"/g, '');
  let best = ',';
  let count = 0;
  for (const d of [',', ';', '\t']) {
    const c = line.split(d).length - 1;
    if (c > count) [best, count] = [d, c];
  }
  return best;
}

function resolveColumn(spec: string | number, names: string[], hasHeader: boolean, name: string, what: string): number {
  if (typeof spec === 'number') {
    const i = spec < 0 ? names.length + spec : spec;
    if (!Number.isInteger(spec) || i < 0 || i >= names.length) throw new DataError(`${name}: ${what} ${spec} is out of range: the file has ${names.length} columns (0-based)`);
    return i;
  }
  if (/^-?\d+$/.test(spec) && !names.includes(spec)) return resolveColumn(Number(spec), names, hasHeader, name, what);
  if (!hasHeader) throw new DataError(`${name}: ${what} "${spec}" needs a header row, and the file has none; give a 0-based column index instead`);
  const i = names.indexOf(spec);
  if (i < 0) throw new DataError(`${name}: has no column "${spec}"; columns: ${names.join(', ')}`);
  return i;
}

function resolveLabel(spec: CsvOptions['labelColumn'], names: string[], hasHeader: boolean, name: string): number | undefined {
  if (spec === null) return undefined;
  if (spec !== undefined) return resolveColumn(spec, names, hasHeader, name, 'label column');
  if (hasHeader) {
    const i = names.findIndex((n) => LABEL_NAMES.includes(n.toLowerCase()));
    if (i >= 0) return i;
  }
  if (names.length < 2) throw new DataError(`${name}: has one column; need features and a label column`);
  return names.length - 1;
}

function resolveFeatures(spec: CsvOptions['features'], names: string[], label: number | undefined, hasHeader: boolean, name: string): number[] {
  if (spec === undefined) return names.map((_, i) => i).filter((i) => i !== label);
  const idx = spec.map((s) => resolveColumn(s, names, hasHeader, name, 'feature column'));
  if (label !== undefined && idx.includes(label)) throw new DataError(`${name}: column "${names[label]}" cannot be both the label and a feature`);
  return idx;
}

function readLabels(labels: string[], o: CsvOptions, where: (row: number) => string): Pick<CsvData, 'y' | 'classes'> {
  const type = o.labelType ?? 'auto';
  if (o.classes) {
    const index = new Map(o.classes.map((c, i) => [c, i]));
    const y = Int32Array.from(labels, (l, r) => {
      const id = index.get(l);
      if (id === undefined) throw new DataError(`${where(r)}: label ${JSON.stringify(l)} is not one of the model's classes: ${o.classes!.join(', ')}`);
      return id;
    });
    return { y, classes: o.classes };
  }
  const numbers = labels.map(toNumber);
  if (type === 'number' || (type === 'auto' && numbers.every((v) => v !== undefined) && !numbers.every((v) => Number.isInteger(v) && v! >= 0))) {
    const bad = numbers.findIndex((v) => v === undefined);
    if (bad >= 0) throw new DataError(`${where(bad)}: label ${JSON.stringify(labels[bad])} is not a number`);
    const huge = numbers.findIndex((v) => Math.abs(v!) > F32_MAX);
    if (huge >= 0) throw new DataError(`${where(huge)}: label ${labels[huge]} is ${BEYOND_F32}`);
    return { y: Float32Array.from(numbers as number[]) };
  }
  if (type === 'auto' && numbers.every((v) => v !== undefined)) return { y: Int32Array.from(numbers as number[]) };
  // Class names: ids in sorted order (numbers numerically), so the mapping is the same for any row order.
  const classes = [...new Set(labels)].sort((a, b) => {
    const [na, nb] = [toNumber(a), toNumber(b)];
    return na !== undefined && nb !== undefined ? na - nb : a < b ? -1 : a > b ? 1 : 0;
  });
  const index = new Map(classes.map((c, i) => [c, i]));
  return { y: Int32Array.from(labels, (l) => index.get(l)!), classes };
}
