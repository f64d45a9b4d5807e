// The grid of test images: each cell draws the 28×28 image and the model's most likely class with
// its probability; a wrong prediction is outlined in red and names the true class. Each cell keeps
// its numbers in data-* attributes (row, predicted, label, exact probability) for tests and tools.
import { CLASS_NAMES, type Split } from './data.js';

export interface Prediction {
  row: number; // row in the test split
  predicted: number;
  probability: number;
}

export function renderGrid(container: HTMLElement, test: Split, predictions: Prediction[], emptyText: string): void {
  container.replaceChildren();
  if (predictions.length === 0) {
    const p = document.createElement('p');
    p.className = 'empty';
    p.textContent = emptyText;
    container.append(p);
    return;
  }
  for (const { row, predicted, probability } of predictions) {
    const label = test.labels[row];
    const right = predicted === label;
    const cell = document.createElement('div');
    cell.className = `cell ${right ? 'right' : 'wrong'}`;
    Object.assign(cell.dataset, { row: String(row), predicted: String(predicted), label: String(label), probability: String(probability) });
    cell.title = `test image ${row}: ${CLASS_NAMES[label]}`;
    const pred = div('pred', CLASS_NAMES[predicted]);
    const conf = div('conf', `${(probability * 100).toFixed(1)} %`);
    cell.append(image(test, row), pred, conf);
    if (!right) cell.append(div('truth', `is ${CLASS_NAMES[label]}`));
    container.append(cell);
  }
}

function div(className: string, text: string): HTMLDivElement {
  const d = document.createElement('div');
  d.className = className;
  d.textContent = text;
  return d;
}

/** The image as a canvas of its own size (CSS scales it up with pixelated rendering). */
function image(s: Split, row: number): HTMLCanvasElement {
  const c = document.createElement('canvas');
  c.width = s.width;
  c.height = s.height;
  const g = c.getContext('2d')!;
  const pixels = g.createImageData(s.width, s.height);
  const n = s.width * s.height;
  for (let i = 0; i < n; i++) {
    const v = 255 - s.images[row * n + i]; // dark garment on white, like the page
    pixels.data.set([v, v, v, 255], 4 * i);
  }
  g.putImageData(pixels, 0, 0);
  return c;
}
