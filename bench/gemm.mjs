// GEMM throughput, one thread: node bench/gemm.mjs [filter]   (DENDRITE_WASM=path picks another build,
// DENDRITE_VARIANT=1 the tile that loads A as one vector; also runs in Deno: deno run -A bench/gemm.mjs)
// GFLOP/s = 2·m·n·k / time of one call: the best short trial over three rounds (see time()).
import { readFileSync } from 'node:fs';

const path = process.env.DENDRITE_WASM ?? new URL('../build/dendrite.wasm', import.meta.url);
const memory = new WebAssembly.Memory({ initial: 16 });
const { exports: wasm } = new WebAssembly.Instance(new WebAssembly.Module(readFileSync(path)), { env: { memory } });
if (wasm._initialize) wasm._initialize();
if (wasm.gemm_variant) wasm.gemm_variant(Number(process.env.DENDRITE_VARIANT ?? 0));

let top = 1 << 20; // past any static data
function alloc(floats) {
  const ptr = top;
  top = (top + floats * 4 + 63) & ~63;
  if (top > memory.buffer.byteLength) memory.grow(Math.ceil((top - memory.buffer.byteLength) / 65536));
  const view = new Float32Array(memory.buffer, ptr, floats);
  for (let i = 0; i < floats; i++) view[i] = Math.random() - 0.5;
  return ptr;
}

// [label, layout, m, n, k]
const shapes = [];
for (const s of [128, 256, 512, 1024]) for (const l of ['nn', 'nt', 'tn']) shapes.push([`${s}³`, l, s, s, s]);
shapes.push(
  ['mlp fwd 1', 'nn', 128, 256, 784], ['mlp fwd 2', 'nn', 128, 128, 256], ['mlp fwd 3', 'nn', 128, 10, 128],
  ['mlp dX 3', 'nt', 128, 128, 10], ['mlp dX 2', 'nt', 128, 256, 128], ['mlp dX 1', 'nt', 128, 784, 256],
  ['mlp dW 3', 'tn', 128, 10, 128], ['mlp dW 2', 'tn', 256, 128, 128], ['mlp dW 1', 'tn', 784, 256, 128],
  ['batch-1 fwd 1', 'nn', 1, 256, 784], ['batch-1 fwd 2', 'nn', 1, 128, 256], ['batch-1 fwd 3', 'nn', 1, 10, 128],
);

const filter = process.argv[2];
const rounds = 3;
const rows = [];
for (const [label, layout, m, n, k] of shapes) {
  if (!filter || `${label} ${layout}`.includes(filter)) rows.push({ label, layout, m, n, k, best: Infinity });
}
// Each round times every shape once (best of short trials); rounds spread each shape over time, so a
// busy spell on this shared machine spoils one round of it, not the result.
for (let round = 0; round < rounds; round++) for (const row of rows) row.best = Math.min(row.best, time(row));
console.log('shape            layout     m     n     k   GFLOP/s');
for (const { label, layout, m, n, k, best } of rows) {
  const gflops = (2 * m * n * k) / (best * 1e6);
  console.log(`${label.padEnd(16)} ${layout.padEnd(6)} ${String(m).padStart(5)} ${String(n).padStart(5)} ${String(k).padStart(5)} ${gflops.toFixed(1).padStart(9)}`);
}

/** Milliseconds per call: the best of ≈ 2 ms trials run for 150 ms (at least 5), after a warm-up that lets V8 tier up. */
function time({ layout, m, n, k }) {
  top = 1 << 20;
  const a = alloc(m * k), b = alloc(k * n), bias = alloc(n), c = alloc(m * n);
  const pack = alloc(wasm.gemm_pack_bytes(m, n, k) / 4);
  const call =
    layout === 'nn' ? () => wasm.gemm_nn(c, a, b, bias, m, n, k, n, k, n, 0, pack)
    : layout === 'nt' ? () => wasm.gemm_nt(c, a, b, m, n, k, n, k, k, 0, pack)
    : () => wasm.gemm_tn(c, a, b, m, n, k, n, m, n, 0, pack);
  const reps = Math.max(1, Math.round(2e-3 / ((2 * m * n * k) / 40e9)));
  const trial = () => {
    const t = performance.now();
    for (let r = 0; r < reps; r++) call();
    return (performance.now() - t) / reps;
  };
  for (let w = 0; w < 3; w++) trial();
  let best = Infinity;
  for (let t = 0, start = performance.now(); t < 5 || performance.now() - start < 150; t++) best = Math.min(best, trial());
  return best;
}
