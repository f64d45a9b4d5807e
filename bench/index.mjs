// npm run bench [-- --quick]: dendrite against TensorFlow.js (wasm and cpu backends) in one run.
// Each library and build runs in its own child process (bench/tfjs.mjs, bench/dendrite.mjs) on the
// same shapes, data and initial weights (bench/workload.mjs), one after the other; this script
// prints the tables with ratios, checks the targets of issue 3, and writes the whole result as JSON
// to bench/results/<date>.json; bench/conv.mjs adds the convolution kernels (GFLOP/s beside the
// dense GEMM of the same run), bench/cnn.mjs the tutorial CNN (training, and inference beside TF.js-wasm), bench/frozen.mjs
// its training with the convolutional base frozen against fully trainable. Needs the build (npm run build); about 2-3 minutes on 2 cores,
// --quick about 30 s (fewer shapes, 16 training steps: a smoke test, not a measurement).
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';

const quick = process.argv.includes('--quick');
const here = fileURLToPath(new URL('.', import.meta.url));
const relaxedFlag = Number(process.versions.node.split('.')[0]) < 22 ? ['--experimental-wasm-relaxed-simd'] : [];
const q = quick ? ['--quick'] : [];
const cores = availableParallelism();
const threads = cores > 1 ? '1,2' : '1';

const runs = [
  { name: 'tfjs-wasm', args: ['tfjs.mjs', '--backend', 'wasm', ...q] },
  { name: 'tfjs-cpu', args: ['tfjs.mjs', '--backend', 'cpu', ...q] },
  { name: 'dendrite baseline', args: ['dendrite.mjs', '--build', 'baseline', '--threads', threads, ...q] },
  { name: 'dendrite relaxed', node: relaxedFlag, args: ['dendrite.mjs', '--build', 'relaxed', '--threads', threads, ...q] },
  { name: 'conv kernels', args: ['conv.mjs', ...q] },
  { name: 'cnn', args: ['cnn.mjs', ...q] },
  { name: 'frozen base', args: ['frozen.mjs', ...q] },
];

const started = new Date();
const load = [loadavg()[0]];
const results = [];
const errors = [];
let dataSource = '';
for (const run of runs) {
  process.stderr.write(`\n[bench] ${run.name}\n`);
  try {
    const out = await child([...(run.node ?? []), `${here}${run.args[0]}`, ...run.args.slice(1)]);
    if (out.data) dataSource = out.data;
    results.push(...out.results);
  } catch (e) {
    errors.push(`${run.name}: ${e.message}`);
    process.stderr.write(`[bench] ${run.name} failed: ${e.message}\n`);
  }
}
load.push(loadavg()[0]);

const by = (label) => results.find((r) => r.label === label);
const tw = by('tfjs-wasm'), tc = by('tfjs-cpu');
const d1 = by('dendrite baseline 1t'), d2 = by('dendrite baseline 2t');
const r1 = by('dendrite relaxed 1t'), r2 = by('dendrite relaxed 2t');
const dendrites = [d1, d2, r1, r2].filter(Boolean);
const peers = [tw, tc].filter(Boolean);
const lines = [];
const say = (s = '') => lines.push(s);
const f = (v, digits = 1) => (v === undefined || !Number.isFinite(v) ? '-' : v >= 1000 ? Math.round(v).toLocaleString('en-US') : v.toFixed(digits));
const ratio = (a, b) => (a !== undefined && b ? a / b : undefined);
const x = (v) => (v === undefined ? '-' : `${v.toFixed(2)}x`);
const table = (head, rows) => {
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  say(head.map((h, i) => (i ? h.padStart(w[i]) : h.padEnd(w[i]))).join('  '));
  for (const r of rows) say(r.map((c, i) => (i ? String(c).padStart(w[i]) : String(c).padEnd(w[i]))).join('  '));
};
const short = (r) => r.label.replace('dendrite ', '').replace('baseline', 'base');

say(`dendrite benchmark — ${started.toISOString()} — Node ${process.versions.node}, ${cores} cores (${cpus()[0]?.model.trim()}), load average ${load.map((l) => l.toFixed(2)).join(' → ')}${quick ? ' — QUICK (smoke test)' : ''}`);
say(`data: ${dataSource}; tfjs-wasm: SIMD ${tw?.features?.simd ? 'on' : 'off'}, threads ${tw?.features?.threads ? 'on' : 'off'}`);
say();
say('GEMM, GFLOP/s (best of short trials; C = op(A)·op(B); nn = X·W, nt = dY·Wᵀ, tn = Xᵀ·dY; 2t: always split)');
const shapes = Object.keys(d1?.gemm ?? tw?.gemm ?? {});
table(
  ['shape', ...dendrites.map(short), ...peers.map((p) => p.label), 'base 1t / wasm'],
  shapes.map((s) => [s, ...dendrites.map((r) => f(r.gemm[s])), ...peers.map((p) => f(p.gemm[s])), x(ratio(d1?.gemm[s], tw?.gemm[s]))]),
);
say();
say(`Training, reference MLP 784-256-128-10 (relu, relu, softmax), batch 128, Adam 1e-3, ${d1?.train.steps - 1 || tw?.train.steps - 1} steps from the same weights on the same rows`);
say('samples/s = 128 / median step (steps 6..); mean = over the same steps; final loss = cross-entropy on 1000 test images');
say('best of 5 runs for dendrite (alternating 1 and 2 threads), 3 for tfjs-wasm, 1 for tfjs-cpu (it takes ~15 s)');
table(
  ['library', 'samples/s', 'mean', 'final loss', 'vs tfjs-wasm'],
  [...dendrites, ...peers].map((r) => [r.label, f(r.train.samplesPerSec), f(r.train.meanSamplesPerSec), r.train.finalLoss.toFixed(4), x(ratio(r.train.samplesPerSec, tw?.train.samplesPerSec))]),
);
const same = (rs) => rs.every((r) => r.train.identicalToFirst);
if (d1) say(`final weights: every baseline run ${same([d1, d2].filter(Boolean)) ? 'bit-identical' : 'NOT identical'} (1 and 2 threads, all rounds); every relaxed run ${r1 && same([r1, r2].filter(Boolean)) ? 'bit-identical' : 'NOT identical'}`);
say();
say('Inference through predict: batch-1 latency (µs, median of 2,000 calls) and batch-256 throughput (samples/s); best of 3 rounds');
table(
  ['library', 'batch-1 µs', 'vs tfjs-wasm', 'batch-256 samples/s', 'vs tfjs-wasm'],
  [...dendrites, ...peers].map((r) => [r.label, f(r.infer.latencyUs), x(ratio(r.infer.latencyUs, tw?.infer.latencyUs)), f(r.infer.throughput256), x(ratio(r.infer.throughput256, tw?.infer.throughput256))]),
);
say();
const targets = [
  ['training, 1 thread ≥ 10x tfjs-wasm', ratio(d1?.train.samplesPerSec, tw?.train.samplesPerSec), (v) => v >= 10],
  ...['nn', 'nt', 'tn'].map((l) => [`GEMM 512³ ${l}, 1 thread ≥ 1.5x tfjs-wasm`, ratio(d1?.gemm[`512³ ${l}`], tw?.gemm[`512³ ${l}`]), (v) => v >= 1.5]),
  ['batch-1 latency ≤ 0.25x tfjs-wasm', ratio(d1?.infer.latencyUs, tw?.infer.latencyUs), (v) => v <= 0.25],
  ['batch-256 throughput ≥ 1.5x tfjs-wasm', ratio(d1?.infer.throughput256, tw?.infer.throughput256), (v) => v >= 1.5],
  ['training, 2 threads ≥ 1.7x 1 thread', ratio(d2?.train.samplesPerSec, d1?.train.samplesPerSec), (v) => v >= 1.7],
  ['training, relaxed ≥ 1.15x baseline (1 thread)', ratio(r1?.train.samplesPerSec, d1?.train.samplesPerSec), (v) => v >= 1.15],
  ['GEMM 512³ nn, relaxed ≥ 1.15x baseline (1 thread)', ratio(r1?.gemm['512³ nn'], d1?.gemm['512³ nn']), (v) => v >= 1.15],
  // Issue 15: the tutorial CNN's inference on one thread (per-round ratios, turn about; bench/cnn.mjs).
  ['CNN batch-1 latency ≤ 0.5x tfjs-wasm (1 thread)', by('cnn')?.cnn.threads[1]?.infer.latencyRatio, (v) => v <= 0.5],
  ['CNN batch-256 throughput ≥ 2x tfjs-wasm (1 thread)', by('cnn')?.cnn.threads[1]?.infer.throughputRatio, (v) => v >= 2],
  // Issue 15's training targets: ≥ 70 % of the dense GEMM's rate on one thread (15.8 MFLOP per sample), ≥ 1.7x that on 2.
  ['CNN training FLOP rate ≥ 0.7x GEMM 512³ nn (1 thread)', ratio(by('cnn')?.cnn.threads[1]?.train ? by('cnn').cnn.threads[1].train * 15.8e-3 : undefined, by('conv kernels')?.conv.threads[1]?.gemm512), (v) => v >= 0.7],
  ['CNN training, 2 threads ≥ 1.7x 1 thread (turn about)', by('cnn')?.cnn.scaling?.ratio, (v) => v >= 1.7],
];
for (const section of [by('conv kernels'), by('cnn'), by('frozen base')].filter(Boolean)) {
  for (const l of section.table) say(l);
  say();
}
say('Targets (issues 3 and 15)');
table(['target', 'measured', 'met'], targets.map(([name, v, ok]) => [name, x(v), v === undefined ? '-' : ok(v) ? 'yes' : 'NO']));
for (const e of errors) say(`error: ${e}`);

console.log(lines.join('\n'));
mkdirSync(`${here}results`, { recursive: true });
const file = `${here}results/${started.toISOString().replace(/[:.]/g, '-')}${quick ? '-quick' : ''}.json`;
const json = { started: started.toISOString(), quick, node: process.versions.node, cores, cpu: cpus()[0]?.model, loadAverage: load, data: dataSource, results, targets: targets.map(([name, v, ok]) => ({ name, ratio: v, met: v === undefined ? null : ok(v) })), errors, table: lines.join('\n') };
writeFileSync(file, JSON.stringify(json, null, 1));
console.log(`\nwritten: ${file}`);
if (errors.length) process.exitCode = 1;

/** Run one child; resolve with its reported result. Its progress goes to our stderr. */
function child(args) {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    p.stdout.on('data', (b) => (out += b));
    p.on('error', reject);
    p.on('close', (code) => {
      const line = out.split('\n').find((l) => l.startsWith('@@RESULT '));
      if (code === 0 && line) resolve(JSON.parse(line.slice(9)));
      else reject(new Error(`exited with code ${code}${out.trim() ? `: ${out.trim().slice(-500)}` : ''}`));
    });
  });
}
