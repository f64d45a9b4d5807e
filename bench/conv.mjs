// Convolution kernels, GFLOP/s: node bench/conv.mjs [--quick]   (also a child of bench/index.mjs)
// The tutorial CNN's two convolutions (28×28×1 → 26×26×32 and 13×13×32 → 11×11×64, 3×3, valid) at
// batch 128: forward, dX and dW through src/engine/conv.ts (bundled here with esbuild, as the
// library does not export it), beside the dense GEMM 512³ (nn) on the same engine in the same run,
// on 1 and 2 threads (threads build, always split); plus the im2col tile size (scratch budget)
// against speed. FLOPs = 2·n·oh·ow·kh·kw·in·out, also for a forward pass that runs as Winograd
// F(2×2, 3×3) (conv2's): its rate is the direct convolution's FLOPs over its time (an "effective"
// rate: it does 16 of direct's 36 multiplications per tile), and it has no im2col tiles.
import { build } from 'esbuild';
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';

const quick = process.argv.includes('--quick');
const root = new URL('../', import.meta.url);
const entry = `
export { Engine } from './src/engine/engine.ts';
import './src/engine/threads/enable.ts';
export * from './src/engine/conv.ts';
export * from './src/engine/conv-plan.ts';
`;
const out = await build({ stdin: { contents: entry, resolveDir: root.pathname, loader: 'ts' }, bundle: true, format: 'esm', platform: 'node', target: 'es2022', write: false });
const lib = await import(`data:text/javascript;base64,${Buffer.from(out.outputFiles[0].text).toString('base64')}`);
const { Engine, convGeometry, convPass, conv2dForward, conv2dBackwardInput, conv2dBackwardFilter, colScratchBytes, winograd, writeDesc, DESC_BYTES } = lib;

const batch = 128;
const layers = [
  { name: 'conv1 28×28×1→26×26×32', g: convGeometry([28, 28, 1], { filters: 32, kernelSize: [3, 3] }) },
  { name: 'conv2 13×13×32→11×11×64', g: convGeometry([13, 13, 32], { filters: 64, kernelSize: [3, 3] }) },
];
const module = new WebAssembly.Module(readFileSync(new URL('build/dendrite-threads.wasm', root)));
const e = new Engine(module, { adaptiveThreads: false, threadsWorker: new URL('build/threads-worker.js', root) });
const floats = (n) => {
  const p = e.allocFloats(n);
  e.writeF32(p, Float32Array.from({ length: n }, () => Math.random() - 0.5));
  return p;
};
const pack = e.alloc(e.k.gemm_pack_bytes(1 << 20, 1 << 20, 1 << 20));

/**
 * Milliseconds per call: the best of short trials (≈ 2 ms, or one call) for ≥ 600 ms, after a
 * warm-up. Short trials, so that on a busy machine some of them run without being descheduled.
 */
function time(call, flops) {
  const reps = Math.max(1, Math.round(2e-3 / (flops / 30e9)));
  const trial = () => {
    const t = performance.now();
    for (let r = 0; r < reps; r++) call();
    return (performance.now() - t) / reps;
  };
  for (let w = 0; w < 2; w++) trial();
  let best = Infinity;
  for (let t = 0, start = performance.now(); t < 5 || performance.now() - start < (quick ? 100 : 600); t++) best = Math.min(best, trial());
  return best;
}
const gflops = (flops, ms) => flops / (ms * 1e6);

const a = floats(512 * 512), b = floats(512 * 512), c = floats(512 * 512);
const setup = layers.map(({ name, g }) => {
  const desc = e.alloc(DESC_BYTES);
  writeDesc(e.i32, desc, g);
  const K = g.kh * g.kw * g.c;
  return {
    name, g, desc, flops: 2 * batch * g.oh * g.ow * K * g.co,
    x: floats(batch * g.h * g.w * g.c), y: floats(batch * g.oh * g.ow * g.co), dy: floats(batch * g.oh * g.ow * g.co),
    dx: floats(batch * g.h * g.w * g.c), w: floats(K * g.co), bias: floats(g.co), dw: floats(K * g.co), db: floats(g.co),
    col: e.alloc(Math.max(64, batch * g.oh * g.ow * K * 4)), // room for the whole batch (the tile sweep)
  };
});

const cores = availableParallelism();
const result = { batch, threads: {} };
for (const threads of cores > 1 ? [1, 2] : [1]) {
  await e.setThreads(threads);
  const r = (result.threads[threads] = { gemm512: 0, layers: {} });
  r.gemm512 = gflops(2 * 512 ** 3, time(() => e.gemmNN(c, a, b, 0, 512, 512, 512, 512, 512, 512, 0, pack), 2 * 512 ** 3));
  for (const s of setup) {
    const p = convPass(s.g, s.desc, batch);
    const run = (q) => ({
      forward: gflops(s.flops, time(() => conv2dForward(e, q, s.y, s.x, s.w, s.bias, batch, 2, s.col, pack), s.flops)),
      dX: gflops(s.flops, time(() => conv2dBackwardInput(e, q, s.dx, s.dy, s.w, batch, s.col, pack), s.flops)),
      dW: gflops(s.flops, time(() => conv2dBackwardFilter(e, q, s.dw, s.db, s.x, s.dy, batch, 0, s.col, pack), s.flops)),
    });
    const planned = run(p);
    const tiles = {};
    if (!quick && !winograd(s.g)) {
      const perImage = s.g.oh * s.g.ow * s.g.kh * s.g.kw * s.g.c * 4;
      for (const mb of [0.25, 0.5, 1, 2, 4, 8, 64]) {
        const q = { ...p, tile: Math.max(1, Math.min(batch, Math.floor((mb * 2 ** 20) / perImage))) };
        const f = gflops(s.flops, time(() => conv2dForward(e, q, s.y, s.x, s.w, s.bias, batch, 2, s.col, pack), s.flops));
        const w = gflops(s.flops, time(() => conv2dBackwardFilter(e, q, s.dw, s.db, s.x, s.dy, batch, 0, s.col, pack), s.flops));
        tiles[`${q.tile} images (${((q.tile * perImage) / 2 ** 20).toFixed(2)} MiB)`] = { forward: f, dW: w };
      }
    }
    r.layers[s.name] = { ...planned, winograd: winograd(s.g), scratchBytes: colScratchBytes(s.g, batch), tiles };
  }
}
await e.setThreads(1);

const lines = [];
const f1 = (v) => v.toFixed(1);
lines.push(`Conv kernels, GFLOP/s at batch ${batch} (threads build; 2t always split); ratio = conv / dense GEMM 512³ nn of the same run`);
for (const [t, r] of Object.entries(result.threads)) {
  lines.push(`${t} thread${t === '1' ? '' : 's'}: dense GEMM 512³ nn ${f1(r.gemm512)}`);
  for (const [name, l] of Object.entries(r.layers)) {
    lines.push(`  ${name}: forward${l.winograd ? ' (Winograd, effective)' : ''} ${f1(l.forward)} (${(l.forward / r.gemm512).toFixed(2)}x), dX ${f1(l.dX)} (${(l.dX / r.gemm512).toFixed(2)}x), dW ${f1(l.dW)} (${(l.dW / r.gemm512).toFixed(2)}x); scratch ${(l.scratchBytes / 2 ** 20).toFixed(2)} MiB`);
    for (const [tile, v] of Object.entries(l.tiles)) lines.push(`    tile ${tile}: forward ${f1(v.forward)}, dW ${f1(v.dW)}`);
  }
}
console.error(lines.join('\n'));
console.log(`@@RESULT ${JSON.stringify({ results: [{ label: 'conv kernels', conv: result, table: lines }] })}`);
process.exit(0);
