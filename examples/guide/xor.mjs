// Why activations: stacked linear layers are still one linear function, which cannot learn XOR;
// one hidden layer with a nonlinearity can.
// Run: node examples/guide/xor.mjs   (page: docs/guide/02-why-activations.md)
import { adam, dense, sequential } from 'dendrite';

const x = [[0, 0], [0, 1], [1, 0], [1, 1]];
const y = [0, 1, 1, 0]; // XOR: 1 when exactly one input is 1
const show = (p) => Array.from(p.data, (v) => v.toFixed(3)).join('  ');

// 1) Three layers, no activations (linear), trained with mean squared error.
const linear = sequential([
  dense({ units: 4, inputShape: [2] }),
  dense({ units: 4 }),
  dense({ units: 1 }),
]);
linear.compile({ optimizer: adam({ learningRate: 0.05 }), loss: 'meanSquaredError' });
await linear.fit(x, y, { epochs: 500, batchSize: 4, seed: 3 });
console.log('linear 2-4-4-1   predictions:', show(linear.predict(x)));

// The three layers collapse into one: y = x·(W1·W2·W3) + ((b1·W2 + b2)·W3 + b3).
const [W1, b1, W2, b2, W3, b3] = linear.getWeights();
const matmul = (a, rows, inner, b, cols) =>
  Array.from({ length: rows * cols }, (_, i) => {
    let s = 0;
    for (let k = 0; k < inner; k++) s += a[Math.floor(i / cols) * inner + k] * b[k * cols + (i % cols)];
    return s;
  });
const W = matmul(matmul(W1.data, 2, 4, W2.data, 4), 2, 4, W3.data, 1); // (2, 1)
const h = matmul(b1.data, 1, 4, W2.data, 4).map((v, j) => v + b2.data[j]); // (1, 4)
const b = matmul(h, 1, 4, W3.data, 1)[0] + b3.data[0];
console.log(`as one layer:    y = ${W[0].toFixed(3)}·x1 + ${W[1].toFixed(3)}·x2 + ${b.toFixed(3)}`);
const oneLayer = x.map(([x1, x2]) => W[0] * x1 + W[1] * x2 + b);
console.log('one layer gives  predictions:', oneLayer.map((v) => v.toFixed(3)).join('  '));

// 2) One hidden layer with tanh, a sigmoid output and binary cross-entropy.
const net = sequential([
  dense({ units: 4, activation: 'tanh', inputShape: [2] }),
  dense({ units: 1, activation: 'sigmoid' }),
]);
net.compile({ optimizer: adam({ learningRate: 0.05 }), loss: 'binaryCrossentropy', metrics: ['accuracy'] });
const history = await net.fit(x, y, { epochs: 500, batchSize: 4, seed: 3 });
const p = net.predict(x);
console.log('tanh 2-4-1       predictions:', show(p));
console.log('rounded:', Array.from(p.data, (v) => Math.round(v)).join(' '), '  target:', y.join(' '));
const last = history.history.loss.length - 1;
console.log(`final loss ${history.history.loss[last].toFixed(4)}, accuracy ${history.history.accuracy[last]}`);
