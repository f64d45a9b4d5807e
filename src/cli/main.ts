// The `dendrite` command line. `npm start` runs `dendrite train` with the reference job's
// defaults: 784-256-128-10 relu/relu/softmax, Adam 1e-3, on Fashion-MNIST's official split.
// Exit codes: 0 done, 1 failed (bad file, bad data: one line on stderr), 2 usage error (the
// message and the command's usage line), 130 interrupted by Ctrl-C.
import { DendriteError } from './lib.js';
import { UsageError } from './args.js';
import { convert, convertUsage } from './convert.js';
import { EVALUATE_USAGE, evaluate } from './evaluate.js';
import { PREDICT_USAGE, predict } from './predict.js';
import { TRAIN_USAGE, train } from './train.js';
import { BENCH_USAGE, INFO_USAGE, SUMMARY_USAGE, bench, info, summary, version } from './tools.js';

const USAGE = `usage: dendrite <command> [options]

commands:
  train      train a model (Fashion-MNIST, IDX or CSV data) with a live progress bar
  evaluate   loss, metrics and confusion matrix of a saved model
  predict    predict rows from CSV, IDX or JSON, to CSV or JSON
  summary    layers, parameter counts and training record of a saved model
  info       engine build, SIMD, relaxed SIMD, threads and memory
  bench      run the benchmark against TF.js (from a clone of the repository)
  convert    between the native file, TF.js LayersModel and ONNX

"dendrite <command> --help" shows a command's options; "dendrite --version" the version.`;

const commands: Record<string, { run: (argv: string[]) => Promise<number>; usage: () => string }> = {
  train: { run: train, usage: () => TRAIN_USAGE },
  evaluate: { run: evaluate, usage: () => EVALUATE_USAGE },
  predict: { run: predict, usage: () => PREDICT_USAGE },
  summary: { run: summary, usage: () => SUMMARY_USAGE },
  info: { run: info, usage: () => INFO_USAGE },
  bench: { run: bench, usage: () => BENCH_USAGE },
  convert: { run: convert, usage: convertUsage },
};

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const debug = rest.includes('--debug');
  try {
    if (command === '--version' || command === '-v' || command === 'version') return console.log(version()), 0;
    if (command === '--help' || command === '-h' || command === 'help') return console.log(USAGE), 0;
    if (!command) return console.error(USAGE), 2;
    const cmd = commands[command];
    if (!cmd) throw new UsageError(`unknown command "${command}"`);
    return await cmd.run(rest);
  } catch (e) {
    if (e instanceof UsageError) {
      const usage = commands[command]?.usage().split('\n')[0] ?? USAGE;
      const more = commands[command] ? `\nrun "dendrite ${command} --help" for the options` : '';
      console.error(`dendrite: ${e.message}\n${usage}${more}`);
      return 2;
    }
    if (debug) console.error(e);
    else console.error(`dendrite: ${oneLine(e)}`);
    return 1;
  }
}

/** The message without a stack: ours as they are, Node's file errors by their text, bugs marked. */
function oneLine(e: unknown): string {
  if (e instanceof DendriteError) return e.message;
  const err = e as { code?: unknown; message?: unknown };
  if (typeof err?.code === 'string' && typeof err.message === 'string') return err.message; // ENOENT, EACCES, ...
  return `internal error: ${err?.message ?? String(e)} (run again with --debug for the stack trace)`;
}
