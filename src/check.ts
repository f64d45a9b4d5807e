// Argument checks shared by the public API; each throws a ValueError naming the option.
import { ValueError } from './errors.js';

export function positiveInt(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) {
    throw new ValueError(`${what} must be a positive integer, got ${describe(value)}`);
  }
  return value;
}

export function finiteNumber(value: unknown, what: string, min = -Infinity, max = Infinity): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    const range = min === -Infinity && max === Infinity ? 'a finite number' : `a number in [${min}, ${max}]`;
    throw new ValueError(`${what} must be ${range}, got ${describe(value)}`);
  }
  return value;
}

export function oneOf<T extends string>(value: unknown, valid: readonly T[], what: string): T {
  if (typeof value !== 'string' || !valid.includes(value as T)) {
    throw new ValueError(`unknown ${what} ${describe(value)}; expected one of: ${valid.join(', ')}`);
  }
  return value as T;
}

/** A file path the file system can take: a non-empty string with no NUL character (every OS refuses one). */
export function pathString(value: unknown, what: string): string {
  if (typeof value !== 'string' || value === '') throw new ValueError(`${what} must be a non-empty string, got ${describe(value)}`);
  if (value.includes('\0')) throw new ValueError(`${what} ${JSON.stringify(value)} has a NUL character, which no file system accepts`);
  return value;
}

export function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  if (ArrayBuffer.isView(value)) return `a ${value.constructor.name}`;
  if (value === null || typeof value !== 'object') return String(value);
  return `an object (${value.constructor?.name ?? 'Object'})`;
}

/**
 * Checks that `value` is a plain options object whose keys are all in `valid`, as Keras refuses an
 * unknown keyword argument: a misspelt key (`batch_size`, `activaton`) is a ValueError that lists
 * the valid names and suggests the closest one. `undefined` stands for `{}` when `optional`.
 */
export function checkObject<K extends string>(
  value: unknown, what: string, valid: readonly K[], optional = true,
): Partial<Record<K, unknown>> {
  if (value === undefined && optional) return {};
  if (value === null || typeof value !== 'object' || Array.isArray(value) || ArrayBuffer.isView(value)) {
    throw new ValueError(`${what} must be an object, got ${describe(value)}`);
  }
  for (const key of Object.keys(value)) {
    if (!(valid as readonly string[]).includes(key)) {
      throw new ValueError(`${what}: unknown option ${JSON.stringify(key)}${suggestion(key, valid)}; ` +
        `valid options: ${valid.length > 0 ? [...new Set(valid)].join(', ') : '(none)'}`);
    }
  }
  return value as Partial<Record<K, unknown>>;
}

/** `" (did you mean "x"?)"` for the valid name closest to `name`, or `""` when none is close. */
export function suggestion(name: string, valid: readonly string[]): string {
  const best = closest(name, valid);
  return best === undefined ? '' : ` (did you mean ${JSON.stringify(best)}?)`;
}

/**
 * The valid name closest to `name`: compared without case, `_` and `-` (so `batch_size` finds
 * `batchSize`), by edit distance, and only when the distance is at most a third of the longer name.
 */
export function closest(name: string, valid: readonly string[]): string | undefined {
  const fold = (s: string) => s.toLowerCase().replace(/[_-]/g, '');
  const a = fold(name);
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of valid) {
    const b = fold(candidate);
    const d = editDistance(a, b);
    if (d < bestDistance && d <= Math.max(1, Math.floor(Math.max(a.length, b.length) / 3))) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

/** Levenshtein distance, one row of memory. */
function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length];
}

/** A finite number in [min, max] that stays finite in float32 (Keras' hyper-parameters are float32 in the kernels). */
export function float32Number(value: unknown, what: string, min = -Infinity, max = Infinity): number {
  const v = finiteNumber(value, what, min, max);
  if (!Number.isFinite(Math.fround(v))) throw new ValueError(`${what} must be a number in float32's range [-3.4e38, 3.4e38], got ${v}`);
  return v;
}
