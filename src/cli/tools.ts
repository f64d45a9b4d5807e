// `dendrite summary`, `info` and `bench`.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism, arch, platform } from 'node:os';
import { fileURLToPath } from 'node:url';
import { DataError, type Optimizer, getEngine } from './lib.js';
import { type FlagSpec, UsageError, parseArgs } from './args.js';
import { loadModelFile } from './model-file.js';

export const SUMMARY_USAGE = `usage: dendrite summary MODEL.dnd|MODEL.onnx [--formula] [--json]

The layers, output shapes and parameter counts of a saved model, then what the CLI recorded:
data source, columns, classes, normalisation, epochs trained, whether it is a checkpoint.
An .onnx file is shown as the dendrite model it converts to.

  --formula   show how each layer's parameter count is made (units × (inputs + 1))
  --json      the same as one JSON object`;

export async function summary(argv: string[]): Promise<number> {
  const { flags, positional } = parseArgs(argv, { formula: 'boolean', json: 'boolean' });
  if (flags.help) return void console.log(SUMMARY_USAGE), 0;
  if (positional.length !== 1) throw new UsageError('summary needs one model file: dendrite summary MODEL.dnd');
  const { model, meta, checkpoint, onnx } = await loadModelFile(positional[0], true);
  const c = model.core.compiled;
  const facts: [string, string][] = [];
  if (onnx) facts.push(['Imported', `from ONNX (images taken NHWC); evaluate and predict use ${onnx.loss}`]);
  if (c && !onnx) facts.push(['Compiled', `${c.optimizer.getConfig().name} (learning rate ${rateText(c.optimizer)}), loss ${c.loss.name}, metrics ${c.metricNames.join(', ') || 'none'}`]);
  if (meta.source) facts.push(['Trained on', meta.source + (meta.features ? ` (${meta.features.length} features${meta.label ? `, label column "${meta.label}"` : ''})` : '')]);
  if (meta.classes) facts.push(['Classes', meta.classes.join(', ')]);
  if (meta.normalization) facts.push(['Normalisation', `${meta.normalization.method} (statistics saved; applied by evaluate and predict)`]);
  facts.push(['Epochs trained', String(Math.max(model.epochsTrained, meta.history?.loss?.length ?? 0))]);
  if (meta.history?.loss?.length) facts.push(['Last epoch', Object.entries(meta.history).map(([k, v]) => `${k} ${v[v.length - 1].toFixed(4)}`).join('  ')]);
  if (!onnx) facts.push(['Checkpoint', checkpoint ? 'yes: optimizer state included (train --resume continues it)' : 'no: weights only']);
  if (flags.json) {
    const layers = model.layers.map((l) => ({ name: l.name, type: l.type, outputShape: [null, ...l.outShape], units: l.units, activation: l.activation?.name, params: l.paramCount }));
    console.log(JSON.stringify({ name: model.name, inputShape: [null, ...(model.core.inputShape ?? [model.inputDim])], params: model.countParams(), layers, compile: c ? { optimizer: c.optimizer.getConfig(), loss: c.loss.name, metrics: c.metricNames } : undefined, epochsTrained: model.epochsTrained, checkpoint, cli: { ...meta, history: undefined } }));
  } else {
    model.summary({ formula: !!flags.formula });
    const w = Math.max(...facts.map(([k]) => k.length));
    for (const [k, v] of facts) console.log(`${(k + ':').padEnd(w + 1)} ${v}`);
  }
  model.dispose();
  return 0;
}

/** The rate, or the schedule it follows and where it is: "cosineDecay from 0.001 over 30 steps, now 0.000125". */
function rateText(opt: Optimizer): string {
  const rate = opt.getConfig().config.learningRate as number | { name: string; config: Record<string, number> };
  if (typeof rate !== 'object' || rate === null) return String(opt.learningRate);
  const { initialLearningRate, decaySteps } = rate.config;
  const from = initialLearningRate === undefined ? '' : ` from ${initialLearningRate}${decaySteps === undefined ? '' : ` over ${decaySteps} steps`}`;
  return `${rate.name}${from}, now ${Number(opt.learningRate.toPrecision(6))}`;
}

export const INFO_USAGE = `usage: dendrite info [--json]

The engine and what this runtime offers: kernel build, SIMD, relaxed SIMD, threads (and why
not), memory.`;

// Smallest modules using one instruction of a feature: WebAssembly.validate says if it is there.
const SIMD_PROBE = [0, 97, 115, 109, 1, 0, 0, 0, 1, 7, 1, 96, 2, 123, 123, 1, 123, 3, 2, 1, 0, 10, 11, 1, 9, 0, 32, 0, 32, 1, 253, 228, 1, 11]; // f32x4.add
const RELAXED_PROBE = [0, 97, 115, 109, 1, 0, 0, 0, 1, 8, 1, 96, 3, 123, 123, 123, 1, 123, 3, 2, 1, 0, 10, 13, 1, 11, 0, 32, 0, 32, 1, 32, 2, 253, 133, 2, 11]; // f32x4.relaxed_madd

export function runtimeFeatures() {
  const validate = (bytes: number[]) => {
    try {
      return WebAssembly.validate(new Uint8Array(bytes));
    } catch {
      return false;
    }
  };
  let sharedMemory = false;
  try {
    sharedMemory = new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true }).buffer instanceof SharedArrayBuffer;
  } catch {
    // no threads proposal in this runtime
  }
  return { simd: validate(SIMD_PROBE), relaxedSimd: validate(RELAXED_PROBE), sharedMemory, cores: availableParallelism() };
}

export async function info(argv: string[]): Promise<number> {
  const { flags, positional } = parseArgs(argv, { json: 'boolean' });
  if (flags.help) return void console.log(INFO_USAGE), 0;
  if (positional.length) throw new UsageError(`info takes no arguments, got "${positional[0]}"`);
  const engine = getEngine().info();
  const rt = runtimeFeatures();
  const runtime = `Node ${process.versions.node} (${platform()} ${arch()}), ${rt.cores} core${rt.cores === 1 ? '' : 's'}`;
  if (flags.json) return void console.log(JSON.stringify({ version: version(), runtime, engine, features: rt })), 0;
  const yes = (b: boolean, no: string) => (b ? 'available' : `not available (${no})`);
  const mib = (b: number) => `${(b / 2 ** 20).toFixed(1)} MiB`;
  const rows: [string, string][] = [
    ['dendrite', version()],
    ['runtime', runtime],
    ['kernel build', String(engine.build)],
    ['SIMD128', yes(rt.simd, 'dendrite needs it: Node ≥ 16.4, any browser since 2021')],
    ['relaxed SIMD', yes(rt.relaxedSimd, Number(process.versions.node.split('.')[0]) < 22 ? 'Node 20 needs --experimental-wasm-relaxed-simd; on by default in Node 22' : 'this runtime lacks it')],
    ['shared memory', yes(rt.sharedMemory, 'no WebAssembly threads in this runtime')],
    ['threads', `${engine.threads} in use: ${engine.threadsReason}`],
    ['memory', `${mib(engine.memoryBytes)} reserved, ${mib(engine.usedBytes)} in use`],
  ];
  // Anything else the engine reports (newer engines report more).
  for (const [k, v] of Object.entries(engine)) if (!['build', 'threads', 'threadsReason', 'memoryBytes', 'usedBytes'].includes(k)) rows.push([k, typeof v === 'object' ? JSON.stringify(v) : String(v)]);
  const w = Math.max(...rows.map(([k]) => k.length));
  for (const [k, v] of rows) console.log(`${k.padEnd(w)}  ${v}`);
  return 0;
}

/** The package folder: build/cli.js sits in <root>/build. */
const packageRoot = () => fileURLToPath(new URL('..', import.meta.url));

export function version(): string {
  return (JSON.parse(readFileSync(`${packageRoot()}package.json`, 'utf8')) as { version: string }).version;
}

export const BENCH_USAGE = `usage: dendrite bench [--quick] [ARGS...]

Runs the project's benchmark (npm run bench: dendrite's builds and thread counts against TF.js
on GEMM, training and inference; a few minutes, --quick for a short run), passing the
arguments on. It needs the repository's bench/ folder and dev dependencies, so it runs from a
clone (git clone, npm install), not from the published package.`;

export async function bench(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) return void console.log(BENCH_USAGE), 0;
  const root = packageRoot();
  const pkg = JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as { scripts?: Record<string, string> };
  const script = pkg.scripts?.bench;
  if (!script || !existsSync(`${root}bench`)) {
    throw new DataError(`no benchmark in this installation (${root}): it is the repository's "npm run bench" (bench/ folder and dev dependencies); run it from a clone`);
  }
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const r = spawnSync(npm, ['run', '--silent', 'bench', '--', ...argv], { cwd: root, stdio: 'inherit' });
  if (r.error) throw new DataError(`could not run npm run bench: ${r.error.message}`);
  return r.status ?? 1;
}
