// `dendrite evaluate MODEL`: loss and metrics on labelled rows, and for classifiers the confusion
// matrix (printed, and drawn with --confusion FILE.svg).
import { writeFile } from 'node:fs/promises';
import { StateError } from './lib.js';
import { type FlagSpec, UsageError, inRange, parseArgs } from './args.js';
import { DATA_HELP, checkWidth, dataFlags, firstRows, loadLabelled } from './data.js';
import { loadModelFile } from './model-file.js';
import { output } from './output.js';
import { confusionSvg } from './svg.js';
import { classNames, classify, probabilities, taskOf } from './task.js';

export const EVALUATE_USAGE = `usage: dendrite evaluate MODEL.dnd|MODEL.onnx [data] [options]

Loss and metrics of a saved model on labelled rows (default: the Fashion-MNIST
test split), and for a classifier the confusion matrix. CSV rows are prepared as
the training rows were (same columns, classes and normalisation, from the model
file). MODEL may be an .onnx file (PyTorch, tf2onnx): images are then taken NHWC
as everywhere in dendrite, and the loss is told from its output (softmax or
several linear outputs: a classifier).

${DATA_HELP}

options:
  --confusion FILE.svg    draw the confusion matrix
  --batch-size N          rows per forward pass (default 256)
  --limit N               evaluate only the first N rows
  --json                  one JSON object: metrics, classes, confusion matrix
  --debug                 show stack traces`;

const evalFlags: FlagSpec = { ...dataFlags, confusion: 'string', 'batch-size': 'int', limit: 'int', json: 'boolean' };

export async function evaluate(argv: string[]): Promise<number> {
  const { flags, positional } = parseArgs(argv, evalFlags);
  if (flags.help) return void console.log(EVALUATE_USAGE), 0;
  if (positional.length !== 1) throw new UsageError('evaluate needs one model file: dendrite evaluate MODEL.dnd');
  for (const f of ['batch-size', 'limit']) inRange(flags, f, 1);
  const out = output(flags);
  const { model, meta } = await loadModelFile(positional[0], true);
  if (!model.core.compiled) throw new StateError(`${positional[0]} was saved without compile settings (loss, metrics); cannot evaluate it`);
  const data = firstRows(await loadLabelled(flags, meta), flags.limit as number | undefined);
  checkWidth(data, model.core.inputShape ?? [model.inputDim]);
  const batchSize = (flags['batch-size'] as number | undefined) ?? 256;
  const metrics = model.evaluate(data.x, data.y!, { batchSize });
  const rows = data.x.shape[0];
  const task = taskOf(model);
  if (task.kind === 'values' && flags.confusion !== undefined) throw new UsageError('--confusion needs a classifier (softmax or sigmoid output); this model outputs values');

  let confusion: number[][] | undefined;
  let names: string[] = [];
  if (task.kind !== 'values') {
    const n = task.kind === 'categorical' ? task.classes : 2;
    names = classNames(meta, n);
    const { ids } = classify(task, probabilities(model, task, model.predict(data.x, { batchSize })), rows);
    confusion = Array.from({ length: n }, () => new Array<number>(n).fill(0));
    const y = data.y!;
    for (let r = 0; r < rows; r++) confusion[y[r]][ids[r]]++;
  }
  model.dispose();

  if (out.json) {
    out.event({ model: positional[0], data: data.name, rows, ...metrics, ...(confusion ? { classes: names, confusion } : {}) });
  } else {
    console.log(`${data.name}: ${rows} rows`);
    console.log(Object.entries(metrics).map(([k, v]) => `${k} ${v.toFixed(4)}`).join('  '));
    if (confusion) console.log('\n' + confusionText(confusion, names));
  }
  if (flags.confusion !== undefined) {
    const acc = confusion!.reduce((s, row, i) => s + row[i], 0) / rows;
    await writeFile(flags.confusion as string, confusionSvg(confusion!, names, { title: `Confusion matrix: accuracy ${acc.toFixed(4)} on ${rows.toLocaleString('en-US')} rows` }));
    out.log(`Wrote ${flags.confusion}`);
  }
  return 0;
}

/** Rows: true class (id and name); columns: predicted class id; then the row's recall. */
export function confusionText(m: number[][], names: string[]): string {
  const n = m.length;
  const w = Math.max(4, ...m.flat().map((v) => String(v).length)) + 1;
  const corner = 'true \\ predicted';
  const nameW = Math.max(corner.length, Math.min(24, Math.max(...names.map((s, i) => `${i} ${s}`.length))));
  const head = `${corner.padEnd(nameW)} ${Array.from({ length: n }, (_, c) => String(c).padStart(w)).join('')}   recall`;
  const lines = m.map((row, r) => {
    const total = row.reduce((a, b) => a + b, 0);
    const recall = total ? (row[r] / total).toFixed(3) : '  -  ';
    return `${`${r} ${names[r]}`.slice(0, nameW).padEnd(nameW)} ${row.map((v) => String(v).padStart(w)).join('')}   ${recall}`;
  });
  return ['Confusion matrix (rows: true class, columns: predicted class)', head, ...lines].join('\n');
}
