// What the monitoring callbacks share: the logged quantity they watch (Keras spells it
// 'val_loss'; dendrite's logs say 'valLoss'; both are accepted) and whether larger or smaller is
// better ('auto' decides from the name and the compiled metrics, as Keras does).
import { ValueError } from '../errors.js';
import { snakeToCamel } from '../losses.js';
import type { Sequential } from '../model/sequential.js';
import type { Logs } from './base.js';

export type Mode = 'auto' | 'min' | 'max';

/** 'val_loss' → 'valLoss'; 'valAccuracy' stays. */
export function monitorKey(monitor: unknown, what: string): string {
  if (typeof monitor !== 'string' || monitor === '') throw new ValueError(`${what} monitor must be a logged quantity such as 'valLoss', got ${JSON.stringify(monitor)}`);
  return snakeToCamel(monitor);
}

export function checkMode(mode: unknown, what: string): Mode {
  if (mode !== 'auto' && mode !== 'min' && mode !== 'max') throw new ValueError(`${what} mode must be 'auto', 'min' or 'max', got ${JSON.stringify(mode)}`);
  return mode;
}

/** The key without its validation prefix: 'valAccuracy' → 'accuracy'. */
function baseName(key: string): string {
  return key.startsWith('val') && key.length > 3 && key[3] === key[3].toUpperCase() ? key[3].toLowerCase() + key.slice(4) : key;
}

/**
 * 'max' or 'min' for mode 'auto': loss → min; a compiled metric by its direction; otherwise, as
 * Keras refuses to guess, an error asking for an explicit mode.
 */
export function resolveMode(mode: Mode, key: string, model: Sequential | undefined, what: string): 'min' | 'max' {
  if (mode !== 'auto') return mode;
  const name = baseName(key);
  if (name === 'loss') return 'min';
  const metric = model?.core.compiled?.metrics.find((m) => m.name === name || snakeToCamel(m.name) === name);
  if (metric) return metric.direction;
  throw new ValueError(`${what} cannot tell whether ${JSON.stringify(key)} should go up or down; pass mode: 'max' or mode: 'min'`);
}

const warned = new WeakSet<object>();

/** The monitored value, or undefined (with one warning per callback) when it is not logged. */
export function monitoredValue(cb: object, logs: Logs, key: string, what: string): number | undefined {
  const v = logs[key];
  if (v !== undefined) return v;
  if (!warned.has(cb)) {
    warned.add(cb);
    console.warn(`dendrite: ${what} watches ${JSON.stringify(key)}, which is not logged; available: ${Object.keys(logs).join(', ')}`);
  }
  return undefined;
}
