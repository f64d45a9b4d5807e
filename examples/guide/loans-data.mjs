// Reads examples/guide/data/loans.csv and standardises its features, for the binary
// classification and save/load pages. Plain Node: a CSV this simple needs no parser library.
import { readFileSync } from 'node:fs';

/**
 * Rows 0..319 are for training, 320..399 are held out as a test set. Each feature is standardised
 * with the TRAINING rows' mean and standard deviation (credit scores in the hundreds and salaries in
 * the tens of thousands would otherwise swamp age), and the same numbers are used for new data.
 */
export function loadLoans() {
  const [header, ...lines] = readFileSync(new URL('./data/loans.csv', import.meta.url), 'utf8').trim().split('\n');
  const rows = lines.map((line) => line.split(',').map(Number));
  const features = header.split(',').slice(0, 3); // age, credit_score, salary
  const trainRows = rows.slice(0, 320);
  const mean = features.map((_, j) => trainRows.reduce((s, r) => s + r[j], 0) / trainRows.length);
  const std = features.map((_, j) => Math.sqrt(trainRows.reduce((s, r) => s + (r[j] - mean[j]) ** 2, 0) / trainRows.length));
  const scale = (r) => r.slice(0, 3).map((v, j) => (v - mean[j]) / std[j]);
  return {
    features,
    train: { x: trainRows.map(scale), y: trainRows.map((r) => r[3]) },
    test: { x: rows.slice(320).map(scale), y: rows.slice(320).map((r) => r[3]) },
    scale,
  };
}
