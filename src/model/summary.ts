// summary(): layers, output shapes and parameter counts, in the spirit of Keras' table.
import type { Sequential } from './sequential.js';

const fmt = (n: number) => n.toLocaleString('en-US');

export function summaryText(model: Sequential, formula: boolean): string {
  const width = model.inputDim;
  const rows: string[][] = [['Layer (type)', 'Output shape', 'Param #', 'Activation', ...(formula ? ['Count'] : [])]];
  let inputs = width;
  let total = 0;
  for (const [i, layer] of model.layers.entries()) {
    const name = layer.name || (i === 0 ? 'dense' : `dense_${i}`);
    const known = inputs > 0;
    const count = known ? layer.paramCountFor(inputs) : NaN;
    total += count;
    const how = layer.useBias ? `${layer.units} × (${inputs} + 1)` : `${layer.units} × ${inputs}`;
    rows.push([
      `${name} (${layer.type})`,
      `[null, ${layer.units}]`,
      known ? fmt(count) : '? (unbuilt)',
      layer.activation.name,
      ...(formula ? [known ? how : '?'] : []),
    ]);
    inputs = layer.units;
  }
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  const line = (r: string[]) => r.map((cell, c) => (c === 2 ? cell.padStart(widths[c]) : cell.padEnd(widths[c]))).join('   ').trimEnd();
  const rule = '─'.repeat(widths.reduce((a, b) => a + b, 0) + 3 * (widths.length - 1));
  const totals = Number.isNaN(total)
    ? ['Total params: unknown until the input width is known (give the first layer inputShape)']
    : [`Total params: ${fmt(total)}`, `Trainable params: ${fmt(total)}`, 'Non-trainable params: 0'];
  return [`Model: "${model.name}"`, rule, line(rows[0]), rule, ...rows.slice(1).map(line), rule, ...totals].join('\n');
}
