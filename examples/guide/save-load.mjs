// Training again continues from the current weights; a saved model predicts on new data with the
// weights it was saved with (predict never changes them).
// Run: node examples/guide/save-load.mjs [file]   (page: docs/guide/09-save-and-predict.md)
import { adam, dense, loadModel, sequential } from 'dendrite';
import { loadLoans } from './loans-data.mjs';

const file = process.argv[2] ?? 'loans.dnd';
const { train, test, scale } = loadLoans();
const makeModel = () => {
  const model = sequential([
    dense({ units: 6, activation: 'relu', inputShape: [3] }),
    dense({ units: 6, activation: 'relu' }),
    dense({ units: 1, activation: 'sigmoid' }),
  ]);
  model.compile({ optimizer: adam({ learningRate: 0.01 }), loss: 'binaryCrossentropy', metrics: ['accuracy'] });
  return model;
};
const losses = (h) => h.history.loss.map((l) => l.toFixed(3)).join(' ');

// Two calls to fit: the second starts where the first stopped.
const model = makeModel();
const first = await model.fit(train.x, train.y, { epochs: 5, batchSize: 32, seed: 42 });
console.log(`fit #1, epochs 1-5:   loss ${losses(first)}`);
const second = await model.fit(train.x, train.y, { epochs: 10, batchSize: 32, initialEpoch: 5 });
console.log(`fit #2, epochs 6-10:  loss ${losses(second)}`);
const fresh = await makeModel().fit(train.x, train.y, { epochs: 5, batchSize: 32, seed: 43 });
console.log(`a new model, 1-5:     loss ${losses(fresh)}`);

// Save, then load into a new model object (as another program would).
await model.save(file);
const loaded = await loadModel(file);
console.log(`saved ${file}; loaded: ${loaded.layers.length} layers, ${loaded.countParams()} parameters`);

// Predicting on new applicants does not train: the weights are the same before and after.
const before = model.getWeights().map((w) => Array.from(w.data));
const applicants = [[25, 780, 95000], [52, 560, 48000], [38, 690, 36000]].map(scale);
const p = model.predict(applicants).data;
const q = loaded.predict(applicants).data;
const after = model.getWeights().map((w) => Array.from(w.data));
console.log(`trained model: P(repaid) = ${Array.from(p, (v) => v.toFixed(4)).join(', ')}`);
console.log(`loaded model:  P(repaid) = ${Array.from(q, (v) => v.toFixed(4)).join(', ')}`);
console.log(`identical predictions: ${p.every((v, i) => v === q[i])}`);
console.log(`weights unchanged by predict: ${JSON.stringify(before) === JSON.stringify(after)}`);
console.log(`loaded model test accuracy: ${loaded.evaluate(test.x, test.y).accuracy.toFixed(3)}`);
