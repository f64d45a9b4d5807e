// The `dendrite` command line. `npm start` runs `dendrite train` with the reference job's
// defaults: 784-256-128-10 relu/relu/softmax, Adam 1e-3, on Fashion-MNIST's official split.
import { readFileSync } from 'node:fs';
import {
  DendriteError,
  type Logs,
  type Sequential,
  ValueError,
  dense,
  datasets,
  loadModel,
  optimizerNames,
  resolveOptimizerForCli,
  sequential,
} from './lib.js';
import { type FlagSpec, UsageError, parseArgs } from './args.js';

const USAGE = `usage: dendrite <command> [options]

commands:
  train      train a model on Fashion-MNIST and report test accuracy
  evaluate   evaluate a saved model on the Fashion-MNIST test split
  summary    print the layers and parameter counts of a saved model
  info       engine, build and memory details

run "dendrite <command> --help" for a command's options`;

const TRAIN_USAGE = `usage: dendrite train [options]

  --dataset NAME          fashion-mnist (default)
  --data-dir DIR          folder with the four Fashion-MNIST IDX files (.gz or raw)
  --layers SPEC           hidden and output layers, units:activation (default 256:relu,128:relu,10:softmax)
  --optimizer NAME        ${optimizerNames.join(', ')} (default adam)
  --lr N                  learning rate (default 0.001)
  --epochs N              passes over the training data (default 10)
  --batch-size N          rows per step (default 128)
  --validation-split F    fraction held out for validation (default 0.1)
  --seed N                seed for weights and shuffling (default 42)
  --out FILE              where to save the trained model (default fashion-mnist.dnd; "" to skip)
  --quiet                 print only the final test accuracy
  --debug                 show stack traces`;

const trainFlags: FlagSpec = {
  dataset: 'string', 'data-dir': 'string', layers: 'string', optimizer: 'string', lr: 'number', epochs: 'number',
  'batch-size': 'number', 'validation-split': 'number', seed: 'number', out: 'string', quiet: 'boolean', debug: 'boolean', help: 'boolean',
};

async function train(argv: string[]): Promise<void> {
  const { flags } = parseArgs(argv, trainFlags);
  if (flags.help) return void console.log(TRAIN_USAGE);
  const dataset = (flags.dataset as string) ?? 'fashion-mnist';
  if (dataset !== 'fashion-mnist') throw new UsageError(`unknown dataset "${dataset}"; available: fashion-mnist`);
  const quiet = !!flags.quiet;
  const log = (s: string) => quiet || console.log(s);
  const { train: tr, test } = await datasets.fashionMnist({ dir: flags['data-dir'] as string | undefined });
  const model = sequential(parseLayers((flags.layers as string) ?? '256:relu,128:relu,10:softmax', tr.x.shape[1]));
  model.compile({
    optimizer: resolveOptimizerForCli((flags.optimizer as string) ?? 'adam', (flags.lr as number) ?? 0.001),
    loss: 'sparseCategoricalCrossentropy',
    metrics: ['accuracy'],
  });
  if (!quiet) model.summary();
  const epochs = (flags.epochs as number) ?? 10;
  log(`Training on ${tr.x.shape[0]} Fashion-MNIST images (${Math.round(((flags['validation-split'] as number) ?? 0.1) * 100)}% held out for validation), ${epochs} epochs`);
  await model.fit(tr.x, tr.y, {
    epochs,
    batchSize: (flags['batch-size'] as number) ?? 128,
    validationSplit: (flags['validation-split'] as number) ?? 0.1,
    seed: (flags.seed as number) ?? 42,
    callbacks: { onEpochEnd: epochPrinter(epochs, tr.x.shape[0], (flags['validation-split'] as number) ?? 0.1, log) },
  });
  const result = model.evaluate(test.x, test.y);
  console.log(`Test accuracy: ${result.accuracy.toFixed(4)}  test loss: ${result.loss.toFixed(4)}  (${test.x.shape[0]} images)`);
  const out = (flags.out as string) ?? 'fashion-mnist.dnd';
  if (out) {
    await model.save(out);
    log(`Saved model to ${out}`);
  }
  model.dispose();
}

function epochPrinter(epochs: number, rows: number, split: number, log: (s: string) => void) {
  let started = performance.now();
  const trainRows = rows - Math.floor(rows * split);
  return (epoch: number, logs: Logs) => {
    const seconds = (performance.now() - started) / 1000;
    started = performance.now();
    const val = logs.valLoss === undefined ? '' : `  val loss ${logs.valLoss.toFixed(4)}  val accuracy ${logs.valAccuracy.toFixed(4)}`;
    log(
      `Epoch ${String(epoch + 1).padStart(String(epochs).length)}/${epochs}  loss ${logs.loss.toFixed(4)}  accuracy ${logs.accuracy.toFixed(4)}${val}` +
        `  ${seconds.toFixed(1)}s  ${Math.round(trainRows / seconds)} samples/s`,
    );
  };
}

/** "256:relu,128:relu,10:softmax" → dense layers; the first gets the input width. */
function parseLayers(spec: string, inputDim: number) {
  return spec.split(',').map((part, i) => {
    const [units, activation = 'linear', ...rest] = part.trim().split(':');
    if (rest.length || !/^\d+$/.test(units)) throw new UsageError(`--layers entry "${part}" must be units:activation, e.g. 128:relu`);
    return dense({ units: Number(units), activation: activation as never, ...(i === 0 ? { inputShape: [inputDim] } : {}) });
  });
}

const evalFlags: FlagSpec = { 'data-dir': 'string', debug: 'boolean', help: 'boolean' };

async function evaluate(argv: string[]): Promise<void> {
  const { flags, positional } = parseArgs(argv, evalFlags);
  if (flags.help || positional.length !== 1) {
    if (flags.help) return void console.log('usage: dendrite evaluate MODEL.dnd [--data-dir DIR]');
    throw new UsageError('evaluate needs one model file: dendrite evaluate MODEL.dnd');
  }
  const model = await loadModel(positional[0]);
  if (!model.compiled) throw new ValueError(`${positional[0]} was saved without compile settings; cannot evaluate`);
  const { test } = await datasets.fashionMnist({ dir: flags['data-dir'] as string | undefined });
  const r = model.evaluate(test.x, test.y);
  console.log(Object.entries(r).map(([k, v]) => `${k} ${v.toFixed(4)}`).join('  '));
}

async function summary(argv: string[]): Promise<void> {
  const { flags, positional } = parseArgs(argv, { debug: 'boolean', help: 'boolean', formula: 'boolean' });
  if (flags.help) return void console.log('usage: dendrite summary MODEL.dnd [--formula]');
  if (positional.length !== 1) throw new UsageError('summary needs one model file: dendrite summary MODEL.dnd');
  const model: Sequential = await loadModel(positional[0]);
  model.summary({ formula: !!flags.formula });
}

async function info(): Promise<void> {
  const { getEngine } = await import('./lib.js');
  console.log(JSON.stringify(getEngine().info(), null, 2));
}

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

const commands: Record<string, (argv: string[]) => Promise<void>> = { train, evaluate, summary, info };

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const debug = rest.includes('--debug');
  try {
    if (command === '--version' || command === '-v') return console.log(version()), 0;
    if (!command || command === '--help' || command === '-h' || command === 'help') return console.log(USAGE), command ? 0 : 2;
    const run = commands[command];
    if (!run) throw new UsageError(`unknown command "${command}"`);
    await run(rest);
    return 0;
  } catch (e) {
    if (e instanceof UsageError) {
      console.error(`dendrite: ${e.message}\n\n${USAGE}`);
      return 2;
    }
    if (debug || !(e instanceof DendriteError)) console.error(e);
    else console.error(`dendrite: ${e.message}`);
    return 1;
  }
}
