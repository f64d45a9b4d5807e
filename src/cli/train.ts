// `dendrite train`: build (or resume) a model, fit it with live progress, report the test split,
// save it, plot the history. Ctrl-C stops after the current batch and, with --out, saves a
// checkpoint that --resume continues from.
import { basename, extname } from 'node:path';
import { writeFile } from 'node:fs/promises';
import { AbortError, DataError, type History, type Optimizer, type Sequential, ValueError, lossNames, optimizerNames, resolveOptimizerForCli, sequential, splitRows } from './lib.js';
import { type FlagSpec, type Flags, UsageError, choice, inRange, parseArgs } from './args.js';
import { DATA_HELP, type Dataset, dataFlags, firstRows, loadTraining, sourceOf } from './data.js';
import { LAYERS_HELP, buildLayers } from './layer-spec.js';
import { type CliMeta, checkOutPath, loadModelFile, saveModelFile } from './model-file.js';
import { type TrainSpec, checkModelFlags, inputShapeFor, trainSpec } from './model-spec.js';
import { type ProgressStyle, autoStyle, progress } from './progress.js';
import { historySvg } from './svg.js';
import { type Output, output, threadsNote } from './output.js';

export const TRAIN_USAGE = `usage: dendrite train [data] [model] [training] [output]

Train a model and report its accuracy on the test data. With no options: the
reference job (784-256-128-10 relu/relu/softmax, Adam 1e-3, 10 epochs, batch
128, on Fashion-MNIST).

${DATA_HELP}
  --normalize none|minmax|standard
                          CSV feature scaling; the statistics are saved with
                          the model (default none)
  --label-type auto|class|number
                          CSV labels: class ids / names, or numeric targets
                          (default auto)
  --test-csv FILE, --test-images FILE --test-labels FILE
                          rows to report test loss and metrics on after
                          training

model:
  --model mlp|cnn         mlp: the layers of --layers; cnn: the recipe CNN, the
                          TF.js tutorial's with batch norm and dropout (conv 32
                          3×3, max pool, batch norm, conv 64 3×3, max pool,
                          batch norm, flatten, dropout 0.25, dense 128,
                          dropout 0.4, N:softmax) on one-channel images such
                          as Fashion-MNIST's 28×28 (default mlp)
  --layers SPEC           the layers, first to last (see "layers" below), e.g.
                          conv:32:3:relu,maxpool,flatten,128:relu,10:softmax
                          (default 256:relu,128:relu,N:softmax, N = classes)
  --input-shape H,W,C     the shape of one sample, e.g. 28,28,1; its size must
                          be the rows' width (default: the images' shape, or
                          s,s,1 for rows of s² values, when the first layer is
                          2-D; steps,1 for 1-D; else the rows as they are)
  --config FILE           JSON with layers, inputShape, optimizer,
                          learningRate, loss, metrics, epochs, ...
  --optimizer NAME        ${optimizerNames.join(', ')}
                          (default adam)
  --lr N                  learning rate (default 0.001; sgd 0.01; adam with
                          --model cnn 0.002)
  --lr-schedule NAME      cosine: decay the rate to 0 over the run along a half
                          cosine (default without --config); constant: keep it
                          fixed (default with --config, whose learningRate may
                          itself be a schedule). A checkpoint keeps its
                          schedule: to extend a run later with --resume, train
                          it with constant
  --loss NAME             default sparseCategoricalCrossentropy; e.g. mse for
                          regression
  --metrics LIST          comma-separated (default accuracy; mae for regression
                          losses)
  --resume FILE           continue from a checkpoint (a model saved by train,
                          or after Ctrl-C)

training:
  --epochs N              passes over the training data, in total when
                          resuming (default 10; 15 with --model cnn)
  --batch-size N          rows per step (default 128)
  --validation-split F    fraction held out for validation, from the end
                          (default 0.1)
  --limit N               use only the first N rows of the training data and
                          of the test data (a quick try)
  --seed N                seed for weights and shuffling (default 42)
  --threads N             worker threads for the kernels; an engine without
                          thread support runs on one and says why (see
                          dendrite info)

output:
  --out FILE              model file to write (default <dataset>.dnd; "" to
                          skip). Holds the optimizer state, so --resume FILE
                          continues training from it
  --plot FILE.svg         plot of loss and metrics per epoch, training and
                          validation
  --progress bar|line     live bar (default on a terminal) or one line per
                          epoch (pipes, CI)
  --json                  JSON lines on stdout instead of text
  --quiet                 print only the final result
  --debug                 show stack traces

${LAYERS_HELP}

Ctrl-C stops after the current batch; with --out the model is saved there as a
checkpoint.`;

const trainFlags: FlagSpec = {
  ...dataFlags,
  normalize: 'string', 'label-type': 'string', 'test-csv': 'string', 'test-images': 'string', 'test-labels': 'string',
  model: 'string', layers: 'string', 'input-shape': 'string', limit: 'int', config: 'string', optimizer: 'string', lr: 'number', 'lr-schedule': 'string', loss: 'string', metrics: 'string', resume: 'string',
  epochs: 'int', 'batch-size': 'int', 'validation-split': 'number', seed: 'int', threads: 'int',
  out: 'string', plot: 'string', progress: 'string', json: 'boolean', quiet: 'boolean',
};

export async function train(argv: string[]): Promise<number> {
  const { flags, positional } = parseArgs(argv, trainFlags);
  if (flags.help) return void console.log(TRAIN_USAGE), 0;
  if (positional.length) throw new UsageError(`train takes no positional arguments, got "${positional[0]}"`);
  for (const f of ['epochs', 'batch-size', 'threads', 'limit']) inRange(flags, f, 1);
  checkModelFlags(flags);
  inRange(flags, 'seed', 0, Number.MAX_SAFE_INTEGER);
  inRange(flags, 'validation-split', 0, 1, true);
  inRange(flags, 'lr', 0);
  const out = output(flags);
  const style: ProgressStyle = out.json ? 'json' : out.quiet ? 'none' : choice(flags, 'progress', ['auto', 'bar', 'line'] as const, 'auto') === 'auto' ? autoStyle(process.stdout, process.env) : (flags.progress as ProgressStyle);
  await threadsNote(flags, out);
  const outPath = flags.out === undefined ? defaultOut(flags) : (flags.out as string);
  // Before training, not after: a model trained for an hour must not be lost to an unwritable path.
  if (outPath) await checkOutPath(outPath);


  const resumed = flags.resume === undefined ? undefined : await loadModelFile(flags.resume as string);
  if (resumed) for (const f of ['model', 'layers', 'input-shape', 'config', 'optimizer', 'lr', 'lr-schedule', 'loss', 'metrics', 'normalize']) {
    if (flags[f] !== undefined) throw new UsageError(`--${f} cannot be combined with --resume: the model and its optimizer come from the checkpoint`);
  }
  const loaded = await loadTraining(flags, resumed?.meta);
  const { meta } = loaded;
  const limit = flags.limit as number | undefined;
  const [data, test] = [firstRows(loaded.train, limit), loaded.test && firstRows(loaded.test, limit)];
  const classes = meta.classes?.length ?? (data.y instanceof Int32Array || data.y instanceof Uint8Array ? maxPlusOne(data.y) : undefined);
  const spec = await trainSpec(flags, classes);
  const o = runOptions(flags, spec, resumed?.meta.training);
  const schedule = choice(flags, 'lr-schedule', ['cosine', 'constant'] as const, flags.config === undefined ? 'cosine' : 'constant');
  const rows = data.x.shape[0];
  const valRows = splitRows(rows, o.validationSplit)[1];
  const steps = o.epochs * Math.ceil((rows - valRows) / o.batchSize);
  const model = resumed?.model ?? buildModel({ ...spec, optimizer: withSchedule(spec.optimizer, schedule, steps) }, data, flags.layers !== undefined || flags['input-shape'] !== undefined);
  // A weights-only file knows no position; the CLI's history says how many epochs it had.
  if (resumed && !resumed.checkpoint) model.epochsTrained = resumed.meta.history?.loss?.length ?? 0;
  const done = model.epochsTrained;
  if (resumed && done >= o.epochs) throw new ValueError(`${flags.resume} has trained ${done} epochs already; give --epochs above ${done} to train more`);

  if (style === 'bar' || style === 'line') {
    model.summary();
    const what = resumed ? `epochs ${done + 1}-${o.epochs} of ${o.epochs}, resumed from ${flags.resume}` : `${o.epochs} epochs`;
    const subset = data === loaded.train ? '' : `its first ${rows} of ${loaded.train.x.shape[0]} rows; `;
    console.log(`Training on ${rows - valRows} rows of ${data.name} (${subset}${valRows} held out for validation), ${what}`);
  }
  out.event({ event: 'start', trainRows: rows - valRows, valRows, epochs: o.epochs, initialEpoch: done, params: model.countParams(), threads: model.engine.info().threads });

  const { signal, release } = stopOnCtrlC(out);
  const bar = progress(style, { epochs: o.epochs, trainRows: rows - valRows, batchSize: o.batchSize });
  const record: CliMeta = { ...meta, training: o, history: resumed?.meta.history };
  let history: History | undefined;
  try {
    history = await model.fit(data.x, data.y!, {
      epochs: o.epochs,
      initialEpoch: done,
      batchSize: o.batchSize,
      validationSplit: o.validationSplit,
      // A checkpoint carries its generator; a seed would restart it.
      seed: resumed?.checkpoint ? undefined : o.seed,
      callbacks: bar,
      signal,
    });
  } catch (e) {
    if (!(e instanceof AbortError)) throw e;
    bar.interrupted();
    record.history = merge(record.history, (e.history as History | undefined)?.history);
    await finish(model, record, flags, out, flags.out === undefined ? '' : outPath, true);
    out.event({ event: 'interrupted', epochsTrained: model.epochsTrained });
    return 130;
  } finally {
    release();
  }
  record.history = merge(record.history, history.history);
  if (test) report(model, test, out);
  await finish(model, record, flags, out, outPath, false);
  model.dispose();
  return 0;
}

/** Epochs, batch size, split and seed: flags, else the checkpoint's, else the config's or defaults. */
function runOptions(flags: Flags, spec: TrainSpec, saved: CliMeta['training']): NonNullable<CliMeta['training']> {
  return {
    epochs: (flags.epochs as number | undefined) ?? saved?.epochs ?? spec.epochs,
    batchSize: (flags['batch-size'] as number | undefined) ?? saved?.batchSize ?? spec.batchSize,
    validationSplit: (flags['validation-split'] as number | undefined) ?? saved?.validationSplit ?? spec.validationSplit,
    seed: (flags.seed as number | undefined) ?? saved?.seed ?? spec.seed,
  };
}

/** An AbortSignal raised by the first Ctrl-C (fit stops after the batch); a second one quits. */
function stopOnCtrlC(out: Output): { signal: AbortSignal; release(): void } {
  const controller = new AbortController();
  const onSigint = () => {
    if (controller.signal.aborted) process.exit(130);
    controller.abort();
    if (!out.quiet && !out.json) process.stderr.write('\nStopping after the current batch (Ctrl-C again to quit at once)...\n');
  };
  process.on('SIGINT', onSigint);
  return { signal: controller.signal, release: () => void process.off('SIGINT', onSigint) };
}

/**
 * The main job's default: Adam's rate decayed to 0 over the run along a half cosine
 * (Loshchilov & Hutter, https://arxiv.org/abs/1608.03983). Measured on the reference MLP, 10
 * epochs, seeds 42/1/7: test accuracy 0.8905/0.8902/0.8900 with it, 0.8807/0.8796/0.8787 without.
 * A schedule given in a --config file is kept as it is.
 */
function withSchedule(opt: Optimizer, schedule: 'cosine' | 'constant', steps: number): Optimizer {
  const { name, config } = opt.getConfig();
  // Bad epochs or batch sizes are reported by fit, with its own message.
  if (schedule === 'constant' || typeof config.learningRate !== 'number' || !(steps >= 1 && Number.isSafeInteger(steps))) return opt;
  const cosine = { name: 'cosineDecay', config: { initialLearningRate: config.learningRate, decaySteps: steps } };
  return resolveOptimizerForCli(name, cosine, config);
}

function buildModel(spec: TrainSpec, data: Dataset, fromFlags: boolean): Sequential {
  const layers = buildLayers(spec.layers, inputShapeFor(spec, data), spec.sources, fromFlags ? UsageError : ValueError);
  const model = sequential(layers);
  model.compile({ optimizer: spec.optimizer, loss: spec.loss as (typeof lossNames)[number], metrics: spec.metrics as never });
  return model;
}

/** Test loss and metrics, in the line `npm start` has always printed. */
function report(model: Sequential, test: Dataset, out: Output): void {
  const r = model.evaluate(test.x, test.y!);
  out.event({ event: 'test', rows: test.x.shape[0], ...r });
  const rows = `${test.x.shape[0]} ${test.name.startsWith('Fashion-MNIST') ? 'images' : 'rows'}`;
  const others = Object.entries(r).filter(([k]) => k !== 'loss' && k !== 'accuracy').map(([k, v]) => `  test ${k}: ${v.toFixed(4)}`).join('');
  const line = 'accuracy' in r ? `Test accuracy: ${r.accuracy.toFixed(4)}  test loss: ${r.loss.toFixed(4)}${others}  (${rows})` : `Test loss: ${r.loss.toFixed(4)}${others}  (${rows})`;
  if (!out.json) console.log(line);
}

/** Save the model (a checkpoint: it keeps the optimizer state) and the plot. */
async function finish(model: Sequential, record: CliMeta, flags: Flags, out: Output, path: string, interrupted: boolean): Promise<void> {
  if (path) {
    const bytes = await saveModelFile(model, path, record, { includeOptimizer: true });
    out.event({ event: 'saved', path, bytes, checkpoint: interrupted });
    if (interrupted) out.log(`Interrupted after ${model.epochsTrained} complete epoch(s): saved a checkpoint to ${path}; continue with --resume ${path} (the unfinished epoch restarts)`);
    else out.log(`Saved model to ${path}`);
  } else if (interrupted) out.log('Interrupted; nothing saved (give --out FILE to keep a checkpoint when interrupting)');
  if (flags.plot !== undefined && record.history && Object.keys(record.history).length) {
    // The record holds every epoch since the first run, unless the model came from elsewhere.
    const first = model.epochsTrained - (record.history.loss?.length ?? 0) + 1;
    const svg = historySvg(record.history, { title: `Training history (${model.countParams().toLocaleString('en-US')} parameters)`, firstEpoch: Math.max(1, first) });
    await writeFile(flags.plot as string, svg);
    out.event({ event: 'plot', path: flags.plot });
    out.log(`Wrote ${flags.plot}`);
  }
}

function merge(a: Record<string, number[]> | undefined, b: Record<string, number[]> | undefined): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const [k, v] of Object.entries(a ?? {})) out[k] = [...v];
  for (const [k, v] of Object.entries(b ?? {})) out[k] = [...(out[k] ?? []), ...v];
  return out;
}

function defaultOut(flags: Flags): string {
  const source = sourceOf(flags) ?? 'fashion-mnist';
  if (source === 'fashion-mnist') return 'fashion-mnist.dnd';
  const file = (flags.csv ?? flags.images) as string;
  return `${basename(file, extname(file)).replace(/-images?-idx\d-ubyte$/, '') || 'model'}.dnd`;
}

function maxPlusOne(y: ArrayLike<number>): number {
  let m = -1;
  for (let i = 0; i < y.length; i++) m = Math.max(m, y[i]);
  if (m < 0) throw new DataError('labels are empty');
  return m + 1;
}
