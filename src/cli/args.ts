// A small flag parser: `--name value`, `--name=value`, boolean `--flag`, `-h` for `--help`.
// Unknown flags and malformed values are usage errors (exit code 2); main() adds the command's
// usage line to the message.
export class UsageError extends Error {}

export type FlagKind = 'string' | 'number' | 'int' | 'boolean';

export interface FlagSpec {
  [name: string]: FlagKind;
}

export type Flags = Record<string, string | number | boolean | undefined>;

/** Flags every command accepts. */
export const commonFlags: FlagSpec = { help: 'boolean', debug: 'boolean' };

export function parseArgs(argv: string[], spec: FlagSpec): { flags: Flags; positional: string[] } {
  const all = { ...commonFlags, ...spec };
  const flags: Flags = {};
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '-h') {
      flags.help = true;
      continue;
    }
    if (arg === '--') {
      positional.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('--') || arg === '-') {
      if (arg.startsWith('-') && arg !== '-' && !/^-\d/.test(arg)) throw new UsageError(`unknown option ${arg}`);
      positional.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    const kind = all[name];
    if (!kind) throw new UsageError(`unknown option --${name}`);
    if (kind === 'boolean') {
      if (eq >= 0) throw new UsageError(`--${name} takes no value`);
      flags[name] = true;
      continue;
    }
    const raw = eq >= 0 ? arg.slice(eq + 1) : argv[++i];
    if (raw === undefined) throw new UsageError(`--${name} needs a value`);
    if (kind === 'number' || kind === 'int') {
      const v = Number(raw);
      if (raw.trim() === '' || !Number.isFinite(v)) throw new UsageError(`--${name} needs a number, got "${raw}"`);
      if (kind === 'int' && !Number.isSafeInteger(v)) throw new UsageError(`--${name} needs a whole number, got "${raw}"`);
      flags[name] = v;
    } else flags[name] = raw;
  }
  return { flags, positional };
}

/** The value of a choice flag, checked against the allowed values. */
export function choice<T extends string>(flags: Flags, name: string, allowed: readonly T[], fallback: T): T {
  const v = flags[name] ?? fallback;
  if (!allowed.includes(v as T)) throw new UsageError(`--${name} must be one of ${allowed.join(', ')}, got "${v}"`);
  return v as T;
}

/** Flags that may not be given together. */
export function exclusive(flags: Flags, ...names: string[]): void {
  const given = names.filter((n) => flags[n] !== undefined);
  if (given.length > 1) throw new UsageError(`--${given[0]} and --${given[1]} cannot be used together`);
}

/**
 * A numeric flag outside its range is a usage error, like a malformed one: `--epochs -1`,
 * `--batch-size 0`, `--validation-split 1` stop before any data is read. `max` may be open.
 */
export function inRange(flags: Flags, name: string, min: number, max = Infinity, openMax = false): void {
  const v = flags[name];
  if (v === undefined) return;
  if (typeof v !== 'number' || v < min || (openMax ? v >= max : v > max)) {
    const range = max === Infinity ? `at least ${min}` : `in [${min}, ${max}${openMax ? ')' : ']'}`;
    throw new UsageError(`--${name} must be ${range}, got ${v}`);
  }
}
