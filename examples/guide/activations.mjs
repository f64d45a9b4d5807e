// Activation functions and their derivatives, computed by dendrite's own wasm kernels (the ones a
// dense layer runs), printed at a few points and plotted to SVG.
// Run: node examples/guide/activations.mjs [outDir]   (page: docs/guide/04-activations.md)
// Plots go to outDir, default docs/guide/img/.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { activationValues } from 'dendrite';
import { lineChart } from './plot.mjs';

const outDir = process.argv[2] ?? fileURLToPath(new URL('../../docs/guide/img/', import.meta.url));
const names = ['linear', 'sigmoid', 'tanh', 'relu', 'leakyRelu', 'elu', 'gelu', 'softmax'];

// A table: f(x) and f'(x) at five points.
const at = [-2, -1, 0, 1, 2];
const cell = (v) => v.toFixed(3).replace(/^-0\.000$/, '0.000').padStart(7);
const head = at.map((v) => String(v).padStart(7)).join('');
console.log(`${''.padEnd(10)}${'  f(x) at x ='.padEnd(7 * at.length)}   |  f'(x) at x =`);
console.log(`${''.padEnd(10)}${head}   |${head}`);
for (const name of names) {
  const { y, dy } = activationValues(name, at);
  console.log(`${name.padEnd(10)}${Array.from(y, cell).join('')}   |${Array.from(dy, cell).join('')}`);
}

// One plot per activation: f solid, f' dashed, on x in [-4, 4].
mkdirSync(outDir, { recursive: true });
const x = Float32Array.from({ length: 161 }, (_, i) => -4 + i / 20);
for (const name of names) {
  const { y, dy } = activationValues(name, x);
  const values = [...y, ...dy];
  const svg = lineChart({
    title: name === 'softmax' ? 'softmax (first of two outputs, logits [x, 0])' : name,
    xLabel: 'x',
    yLabel: 'value',
    series: [
      { label: 'f(x)', x, y },
      { label: "f'(x)", x, y: dy, dash: true },
    ],
    xRange: [-4, 4],
    yRange: [Math.min(-1, ...values) - 0.25, Math.max(1, ...values) + 0.25],
    width: 320,
    height: 220,
  });
  writeFileSync(join(outDir, `activation-${name}.svg`), svg);
}
console.log(`\nwrote ${names.length} plots to ${relative('.', outDir)}/`);
