// Transfer learning's speed-up: the tutorial CNN trained with its convolutional base frozen (conv,
// pool, conv, pool: `trainable = false`) against the same model fully trainable, on one thread in
// the same process: node bench/frozen.mjs [--quick]   (also a child of bench/index.mjs). Backward
// then stops at the first dense layer, so the convolutions' gradients (about two thirds of a
// step's FLOPs) are never computed. Steps alternate between the two models so that a busy machine
// slows both alike; the figure is the ratio of their median step times.
import { getEngine, init } from '../build/index.js';
import { data, report, tutorialCnn } from './workload.mjs';

const quick = process.argv.includes('--quick');
const steps = quick ? 8 : 30;
const batch = 128;
const d = await data(steps * batch);
await init();
const engine = getEngine();

function model(frozen) {
  const m = tutorialCnn(engine);
  m.build({ seed: 1 });
  if (frozen) for (const layer of m.layers.slice(0, 4)) layer.trainable = false;
  return m;
}
const models = { trainable: model(false), frozen: model(true) };
const times = { trainable: [], frozen: [] };
for (let s = 0; s < steps; s++) {
  const xb = { data: d.x.subarray(s * batch * 784, (s + 1) * batch * 784), shape: [batch, 784] };
  const yb = d.y.subarray(s * batch, (s + 1) * batch);
  for (const k of s % 2 ? ['frozen', 'trainable'] : ['trainable', 'frozen']) {
    const t = performance.now();
    models[k].trainOnBatch(xb, yb);
    times[k].push(performance.now() - t);
  }
}
const median = (a) => a.slice(3).sort((p, q) => p - q)[(a.length - 3) >> 1];
const rate = (k) => (batch * 1000) / median(times[k]);
const result = { trainable: rate('trainable'), frozen: rate('frozen') };
result.ratio = result.frozen / result.trainable;
const f = (v) => Math.round(v).toLocaleString('en-US');
const lines = [
  `Frozen convolutional base (tutorial CNN, conv/pool layers trainable = false; 1 thread, batch ${batch}, Adam, ${steps} alternating steps, median after 3)`,
  `  training: ${f(result.frozen)} samples/s frozen base, ${f(result.trainable)} all trainable: ${result.ratio.toFixed(2)}x`,
];
console.error(lines.join('\n'));
for (const m of Object.values(models)) m.dispose();
report({ results: [{ label: 'frozen base', frozen: result, table: lines }] });
process.exit(0);
