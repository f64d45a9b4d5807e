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

export function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  if (ArrayBuffer.isView(value)) return `a ${value.constructor.name}`;
  if (value === null || typeof value !== 'object') return String(value);
  return `an object (${value.constructor?.name ?? 'Object'})`;
}
