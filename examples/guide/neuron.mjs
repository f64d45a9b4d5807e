// A single neuron, y = w·x + b, learns a line by gradient descent.
// Run: node examples/guide/neuron.mjs   (page: docs/guide/01-neuron.md)
import { dense, sequential, sgd } from 'dendrite';

// 200 points on the line y = 3x − 1, plus a little noise (seeded: every run is the same).
let seed = 7;
const rand = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32);
const noise = () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand()); // N(0, 1)
const x = Array.from({ length: 200 }, () => 4 * rand() - 2);
const y = x.map((xi) => 3 * xi - 1 + 0.1 * noise());

// One dense layer with one unit and one input is exactly one neuron: 1 weight and 1 bias.
const model = sequential([dense({ units: 1, inputShape: [1] })]);
model.compile({ optimizer: sgd({ learningRate: 0.1 }), loss: 'meanSquaredError' });
model.build({ seed: 1 });
const weights = () => model.getWeights().map((t) => t.data[0]); // [w, b]

// One step by hand: L = mean((w·x + b − y)²), so ∂L/∂w = mean(2(ŷ − y)·x), ∂L/∂b = mean(2(ŷ − y)).
const [w0, b0] = weights();
let gw = 0;
let gb = 0;
x.forEach((xi, i) => {
  const err = w0 * xi + b0 - y[i];
  gw += (2 * err * xi) / x.length;
  gb += (2 * err) / x.length;
});
console.log(`start:            w = ${w0.toFixed(4)}, b = ${b0.toFixed(4)}`);
console.log(`one step by hand: w = ${(w0 - 0.1 * gw).toFixed(4)}, b = ${(b0 - 0.1 * gb).toFixed(4)}`);

// batchSize = all 200 rows: each epoch is one step of plain gradient descent over all the data.
let afterOne;
const history = await model.fit(x, y, {
  epochs: 60,
  batchSize: x.length,
  callbacks: { onEpochEnd: (epoch) => { if (epoch === 0) afterOne = weights(); } },
});
console.log(`one step by fit:  w = ${afterOne[0].toFixed(4)}, b = ${afterOne[1].toFixed(4)}`);
const loss = history.history.loss; // loss[e]: mean loss over epoch e + 1, before its step
for (const epoch of [1, 2, 5, 10, 20, 40, 60]) console.log(`epoch ${String(epoch).padStart(2)}  loss ${loss[epoch - 1].toFixed(5)}`);

// The best possible line for these points (least squares, in closed form) to compare with.
const n = x.length;
const mx = x.reduce((s, v) => s + v, 0) / n;
const my = y.reduce((s, v) => s + v, 0) / n;
const slope = x.reduce((s, v, i) => s + (v - mx) * (y[i] - my), 0) / x.reduce((s, v) => s + (v - mx) ** 2, 0);
const [w, b] = weights();
console.log(`learned:          w = ${w.toFixed(4)}, b = ${b.toFixed(4)}`);
console.log(`least squares:    w = ${slope.toFixed(4)}, b = ${(my - slope * mx).toFixed(4)}`);
console.log(`true line:        w = 3, b = -1`);
console.log(`prediction at x = 10: ${model.predict([[10]]).data[0].toFixed(3)} (true line: 29)`);
