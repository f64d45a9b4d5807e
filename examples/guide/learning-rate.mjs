// Loss and gradient descent: the mean squared error of one neuron on a small regression, and what
// the learning rate does to it — too small crawls, too large overshoots, larger still diverges.
// Run: node examples/guide/learning-rate.mjs [outDir]   (page: docs/guide/05-gradient-descent.md)
// The loss-curve plot goes to outDir, default docs/guide/img/.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { dense, sequential, sgd } from 'dendrite';
import { lineChart } from './plot.mjs';

const outDir = process.argv[2] ?? fileURLToPath(new URL('../../docs/guide/img/', import.meta.url));

// 100 points of y = 2x + 0.5 + noise, with x standardised (mean 0, variance 1), seeded.
let seed = 11;
const rand = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32);
const noise = () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
const raw = Array.from({ length: 100 }, () => 10 * rand());
const mean = raw.reduce((s, v) => s + v, 0) / raw.length;
const std = Math.sqrt(raw.reduce((s, v) => s + (v - mean) ** 2, 0) / raw.length);
const x = raw.map((v) => (v - mean) / std);
const y = x.map((v) => 2 * v + 0.5 + 0.3 * noise());

const rates = [0.01, 0.1, 0.5, 0.95, 1.1];
const notes = { 0.01: 'too small', 0.5: 'one step', 0.95: 'overshoots', 1.1: 'diverges' };
const steps = 25;
const curves = [];
const shown = [0, 1, 2, 5, 10, 25];
const num = (v) => (v >= 1e4 ? v.toExponential(1) : v.toPrecision(3)).padStart(8);
console.log(`rate  loss at step${shown.map((k) => String(k).padStart(8)).join('')}   w after steps 1..4`);
for (const learningRate of rates) {
  // Start every run from w = 0, b = 0 so only the learning rate differs.
  const model = sequential([dense({ units: 1, inputShape: [1], kernelInitializer: 'zeros' })]);
  model.compile({ optimizer: sgd({ learningRate }), loss: 'meanSquaredError' });
  const ws = [];
  const history = await model.fit(x, y, {
    epochs: steps,
    batchSize: x.length, // full batch: one epoch = one gradient step
    callbacks: { onEpochEnd: () => ws.push(model.getWeights()[0].data[0]) },
  });
  // loss[k] is measured before step k + 1; add the loss after the last step.
  const loss = [...history.history.loss, model.evaluate(x, y).loss];
  curves.push({ label: `rate ${learningRate}${notes[learningRate] ? ` (${notes[learningRate]})` : ''}`, x: loss.map((_, k) => k), y: loss });
  const at = shown.map((k) => num(loss[k])).join('');
  console.log(`${String(learningRate).padEnd(18)}${at}   ${ws.slice(0, 4).map((w) => w.toFixed(2).padStart(6)).join('')}`);
}

mkdirSync(outDir, { recursive: true });
const svg = lineChart({
  title: 'MSE per gradient step, for five learning rates',
  xLabel: 'gradient steps (full-batch epochs)',
  yLabel: 'loss (log scale)',
  series: curves,
  logY: true,
  xRange: [0, steps],
  width: 620,
  height: 320,
  legend: 'outside',
});
writeFileSync(join(outDir, 'learning-rates.svg'), svg);
console.log(`\nwrote ${relative('.', join(outDir, 'learning-rates.svg'))}`);
