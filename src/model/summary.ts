// summary(): layers, output shapes and parameter counts, in the spirit of Keras' table.
import { batchShapeText, sizeOf } from '../layers/shape.js';
import type { ModelCore } from './core.js';

const fmt = (n: number) => n.toLocaleString('en-US');

/** `formula`: a column explaining each count; `showTrainable`: Keras' Trainable column (Y, N, or - for a layer without weights). */
export function summaryText(model: ModelCore, formula: boolean, showTrainable = false): string {
  const rows: string[][] = [['Layer (type)', 'Output shape', 'Param #', 'Activation', ...(formula ? ['Count'] : []), ...(showTrainable ? ['Trainable'] : [])]];
  let inputs = model.inputShape ?? [0];
  let trainable = 0;
  let fixed = 0;
  const counters = new Map<string, number>();
  for (const layer of model.layers) {
    // Unbuilt layers show the name build() would give them.
    const c = counters.get(layer.baseName) ?? 0;
    counters.set(layer.baseName, c + 1);
    const name = layer.name || (c === 0 ? layer.baseName : `${layer.baseName}_${c}`);
    const known = sizeOf(inputs) > 0;
    const count = known ? model.paramCounts(layer, inputs) : { trainable: NaN, nonTrainable: NaN };
    trainable += count.trainable;
    fixed += count.nonTrainable;
    const out = layer.computeOutputShape(inputs);
    rows.push([
      `${name} (${layer.type})`,
      batchShapeText(out),
      known ? fmt(count.trainable + count.nonTrainable) : '? (unbuilt)',
      layer.activation?.name ?? '',
      ...(formula ? [known ? layer.formula(inputs) : '?'] : []),
      ...(showTrainable ? [!known ? '?' : layer.weightShapes(inputs).length === 0 ? '-' : layer.trainable ? 'Y' : 'N'] : []),
    ]);
    inputs = out;
  }
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  const line = (r: string[]) => r.map((cell, c) => (c === 2 ? cell.padStart(widths[c]) : cell.padEnd(widths[c]))).join('   ').trimEnd();
  const rule = '─'.repeat(widths.reduce((a, b) => a + b, 0) + 3 * (widths.length - 1));
  const totals = Number.isNaN(trainable)
    ? ['Total params: unknown until the input width is known (give the first layer inputShape)']
    : [`Total params: ${fmt(trainable + fixed)}`, `Trainable params: ${fmt(trainable)}`, `Non-trainable params: ${fmt(fixed)}`];
  return [`Model: "${model.name}"`, rule, line(rows[0]), rule, ...rows.slice(1).map(line), rule, ...totals].join('\n');
}
