// `dendrite predict MODEL`: rows from CSV, IDX images or JSON → the predicted class and its
// probability per row (or the output values of a regression model), as CSV or JSON.
import { writeFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { type FlagSpec, UsageError, choice, inRange, parseArgs } from './args.js';
import { rangeWarning } from './input-range.js';
import { dataFlags, loadRows } from './data.js';
import { loadModelFile } from './model-file.js';
import { output } from './output.js';
import { classNames, classify, probabilities, taskOf } from './task.js';

export const PREDICT_USAGE = `usage: dendrite predict MODEL.dnd|MODEL.onnx (--csv FILE | --images FILE | --json FILE) [options]

Predict each row. A classifier gives row, class_id, class (name when the model knows them) and
probability; a regression model gives its output value(s). CSV rows are prepared as the training
rows were (columns picked by name, the label column ignored, the saved normalisation applied).
MODEL may be an .onnx file (PyTorch, tf2onnx): images are then taken NHWC as everywhere in
dendrite, and the loss is told from its output (softmax or several linear outputs: a classifier).

input (one):
  --csv FILE              CSV rows ("-" reads stdin); --header, --delimiter, --label-column as in train
  --images FILE           IDX images (u8 pixels are scaled to [0, 1])
  --json FILE             a JSON array of rows: [[f1, f2, ...], ...] or [{"name": value, ...}, ...]

output:
  --out FILE              write to FILE (.csv or .json) instead of stdout
  --format csv|json       output format (default: from --out's extension, else csv)
  --probabilities         add every class probability (p_<class>) to each row
  --batch-size N          rows per forward pass (default 256)
  --debug                 show stack traces`;

const predictFlags: FlagSpec = { ...dataFlags, json: 'string', out: 'string', format: 'string', probabilities: 'boolean', 'batch-size': 'int' };

export async function predict(argv: string[]): Promise<number> {
  const { flags, positional } = parseArgs(argv, predictFlags);
  if (flags.help) return void console.log(PREDICT_USAGE), 0;
  if (positional.length !== 1) throw new UsageError('predict needs one model file: dendrite predict MODEL.dnd --csv rows.csv');
  for (const f of ['dataset', 'labels']) if (flags[f] !== undefined) throw new UsageError(`--${f} is not used by predict (rows come from --csv, --images or --json)`);
  inRange(flags, 'batch-size', 1);
  const outPath = flags.out as string | undefined;
  const byExt = outPath && extname(outPath).toLowerCase() === '.json' ? 'json' : 'csv';
  const format = choice(flags, 'format', ['csv', 'json'] as const, byExt);
  const log = output({});

  const { model, meta } = await loadModelFile(positional[0], true);
  const data = await loadRows(flags, meta, model.core.inputShape ?? [model.inputDim]);
  const warning = rangeWarning(data.x, meta);
  if (warning) log.warn(warning);
  const result = model.predict(data.x, { batchSize: (flags['batch-size'] as number | undefined) ?? 256 });
  const task = taskOf(model);
  const rows = result.rows;
  const records: Record<string, string | number>[] = [];
  if (task.kind === 'values') {
    for (let r = 0; r < rows; r++) {
      const rec: Record<string, number> = { row: r };
      if (result.cols === 1) rec.value = result.data[r];
      else for (let c = 0; c < result.cols; c++) rec[`value_${c}`] = result.data[r * result.cols + c];
      records.push(rec);
    }
  } else {
    const n = task.kind === 'categorical' ? task.classes : 2;
    const names = classNames(meta, n);
    const p = probabilities(model, task, result);
    const { ids, prob } = classify(task, p, rows);
    for (let r = 0; r < rows; r++) {
      const rec: Record<string, string | number> = { row: r, class_id: ids[r], class: names[ids[r]], probability: round(prob[r]) };
      if (flags.probabilities) {
        for (let c = 0; c < n; c++) rec[`p_${names[c]}`] = round(task.kind === 'binary' ? (c === 1 ? p[r] : 1 - p[r]) : p[r * n + c]);
      }
      records.push(rec);
    }
  }
  model.dispose();
  const text = format === 'json' ? JSON.stringify(records, null, 0).replace(/\},\{/g, '},\n{') + '\n' : toCsv(records);
  if (outPath) {
    await writeFile(outPath, text);
    log.warn(`wrote ${rows} predictions to ${outPath}`);
  } else process.stdout.write(text);
  return 0;
}

const round = (x: number) => Number(x.toPrecision(6));

function toCsv(records: Record<string, string | number>[]): string {
  const cols = Object.keys(records[0]);
  const cell = (v: string | number) => (typeof v === 'string' && /[",\n\r]/.test(v) ? `"${v.replace(/"/g, '""')}"` : String(v));
  return [cols.map(cell).join(','), ...records.map((rec) => cols.map((c) => cell(rec[c])).join(','))].join('\n') + '\n';
}
