// Binary classification of tabular data: will a loan be repaid (1) or not (0), from age, credit
// score and salary? A 3-6-6-1 network (73 parameters) with a sigmoid output and binary cross-entropy.
// Run: node examples/guide/loans.mjs   (page: docs/guide/07-classification.md)
import { adam, dense, sequential } from 'dendrite';
import { loadLoans } from './loans-data.mjs';

const { features, train, test, scale } = loadLoans();
console.log(`features: ${features.join(', ')}; ${train.x.length} training rows, ${test.x.length} test rows`);

const model = sequential([
  dense({ units: 6, activation: 'relu', inputShape: [3] }),
  dense({ units: 6, activation: 'relu' }),
  dense({ units: 1, activation: 'sigmoid' }), // P(repaid)
]);
model.compile({ optimizer: adam({ learningRate: 0.01 }), loss: 'binaryCrossentropy', metrics: ['accuracy'] });

const history = await model.fit(train.x, train.y, { epochs: 100, batchSize: 32, seed: 42, validationData: [test.x, test.y] });
const h = history.history;
console.log('epoch   loss    accuracy   test loss   test accuracy');
for (const e of [1, 10, 25, 50, 100]) {
  const i = e - 1;
  console.log(`${String(e).padStart(5)}   ${h.loss[i].toFixed(3)}   ${h.accuracy[i].toFixed(3)}      ${h.valLoss[i].toFixed(3)}       ${h.valAccuracy[i].toFixed(3)}`);
}
const { accuracy } = model.evaluate(test.x, test.y);
console.log(`test accuracy: ${accuracy.toFixed(3)} (${Math.round(accuracy * test.x.length)} of ${test.x.length})`);

// New applicants: raw values, scaled with the training rows' statistics, then predicted.
const applicants = [
  [25, 780, 95000],
  [52, 560, 48000],
  [38, 690, 36000],
];
const p = model.predict(applicants.map(scale));
for (const [i, [age, score, salary]] of applicants.entries()) {
  console.log(`age ${age}, credit score ${score}, salary ${salary}: P(repaid) = ${p.data[i].toFixed(2)}`);
}
