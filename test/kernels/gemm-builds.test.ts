// The GEMM across builds and variants (asconfig.json targets, assembly/gemm.ts header): the tile
// variant that loads A as one vector (for runtimes that bounds-check memory) and the shared-memory
// threads build must give the same bits as the baseline; the relaxed-SIMD build (fused multiply-add,
// run in a child Node with --experimental-wasm-relaxed-simd where needed) must agree with an f64
// reference within the usual tolerance (its bits may differ from the baseline's: FMA rounds once).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { randomArray } from '../helpers/wasm';

const buildFile = (name: string) => fileURLToPath(new URL(`../../build/${name}`, import.meta.url));

/** Instantiate a build on a memory of the kind it imports; returns exports and a bump allocator. */
function load(name: string) {
  const module = new WebAssembly.Module(readFileSync(buildFile(name)));
  const shared = name.includes('threads');
  const memory = new WebAssembly.Memory(shared ? { initial: 256, maximum: 65536, shared: true } : { initial: 256 });
  const k = new WebAssembly.Instance(module, { env: { memory } }).exports as Record<string, any>;
  let top = (k.heap_base() + 63) & ~63;
  const put = (a: Float32Array) => {
    const p = top;
    top = (top + a.byteLength + 63) & ~63;
    new Float32Array(memory.buffer, p, a.length).set(a);
    return p;
  };
  return { k, memory, put, reset: () => (top = (k.heap_base() + 63) & ~63) };
}

type Layout = 'nn' | 'nt' | 'tn';
// Shapes around the tiles and blocks, the MLP's, and batch 1 (B read in place, the 1x32 tile).
const SHAPES: [number, number, number][] = [[1, 1, 1], [3, 5, 7], [4, 8, 16], [13, 37, 300], [128, 256, 784], [784, 256, 128], [1, 256, 784], [130, 530, 260], [17, 9, 513]];

/** C for every layout and shape on one instance, with variant v. */
function products(h: ReturnType<typeof load>, variant: number): Float32Array[] {
  h.k.gemm_variant(variant);
  const out: Float32Array[] = [];
  for (const [m, n, k] of SHAPES) {
    for (const layout of ['nn', 'nt', 'tn'] as Layout[]) {
      h.reset();
      const a = h.put(randomArray(m * k, m + k)), b = h.put(randomArray(k * n, n + k)), bias = h.put(randomArray(n, 3));
      const c = h.put(randomArray(m * n, 4));
      const pack = h.put(new Float32Array(h.k.gemm_pack_bytes(m, n, k) / 4));
      if (layout === 'nn') h.k.gemm_nn(c, a, b, bias, m, n, k, n, k, n, 1 | 2, pack);
      else if (layout === 'nt') h.k.gemm_nt(c, a, b, m, n, k, n, k, k, 1, pack);
      else h.k.gemm_tn(c, a, b, m, n, k, n, m, n, 0, pack);
      out.push(new Float32Array(h.memory.buffer, c, m * n).slice());
    }
  }
  return out;
}

function expectSameBits(a: Float32Array[], b: Float32Array[], what: string): void {
  a.forEach((x, p) => {
    for (let i = 0; i < x.length; i++) {
      if (!Object.is(x[i], b[p][i])) throw new Error(`${what}: product ${p} (${SHAPES[Math.floor(p / 3)]} ${['nn', 'nt', 'tn'][p % 3]}) element ${i}: ${x[i]} vs ${b[p][i]}`);
    }
  });
}

describe('GEMM builds and variants', () => {
  const base = load('dendrite.wasm');
  const reference = products(base, 0);

  it('reports what it is (build_flags)', () => {
    expect(base.k.build_flags()).toBe(0);
    expect(load('dendrite-threads.wasm').k.build_flags()).toBe(1);
  });

  it('variant 1 (A loaded as one vector) gives the same bits as variant 0', () => {
    expectSameBits(reference, products(base, 1), 'variant 1');
    expectSameBits(reference, products(base, 0), 'back to variant 0');
  });

  it('the threads build (shared memory) gives the same bits as the baseline', () => {
    const threads = load('dendrite-threads.wasm');
    expectSameBits(reference, products(threads, 0), 'threads build');
    expectSameBits(reference, products(threads, 1), 'threads build, variant 1');
  });

  it('the relaxed-SIMD builds agree with the baseline within tolerance, in a runtime with relaxed SIMD', () => {
    const flag = Number(process.versions.node.split('.')[0]) < 22 ? ['--experimental-wasm-relaxed-simd'] : [];
    const script = `
      import { readFileSync } from 'node:fs';
      const out = {};
      for (const [name, shared] of [['dendrite-relaxed.wasm', false], ['dendrite-threads-relaxed.wasm', true]]) {
        const memory = new WebAssembly.Memory(shared ? { initial: 64, maximum: 65536, shared: true } : { initial: 64 });
        const k = new WebAssembly.Instance(new WebAssembly.Module(readFileSync(${JSON.stringify(buildFile(''))} + name)), { env: { memory } }).exports;
        const [m, n, kk] = [37, 45, 300];
        const f = new Float32Array(memory.buffer);
        const a = 4096, b = a + m * kk * 4, c = b + kk * n * 4, pack = c + m * n * 4;
        for (let i = 0; i < m * kk; i++) f[a / 4 + i] = Math.sin(i);
        for (let i = 0; i < kk * n; i++) f[b / 4 + i] = Math.cos(i * 0.3);
        k.gemm_nn(c, a, b, 0, m, n, kk, n, kk, n, 0, pack);
        out[name] = { flags: k.build_flags(), c: Array.from(f.subarray(c / 4, c / 4 + m * n)) };
      }
      console.log(JSON.stringify(out));`;
    const got = JSON.parse(execFileSync(process.execPath, [...flag, '--input-type=module', '-e', script], { encoding: 'utf8' })) as Record<string, { flags: number; c: number[] }>;
    const [m, n, k] = [37, 45, 300];
    for (const [name, { flags, c }] of Object.entries(got)) {
      expect(flags & 2, name).toBe(2);
      for (let i = 0; i < m; i++) {
        for (let j = 0; j < n; j++) {
          let s = 0;
          for (let p = 0; p < k; p++) s += Math.fround(Math.sin(i * k + p)) * Math.fround(Math.cos((p * n + j) * 0.3));
          const g = c[i * n + j];
          if (!(Math.abs(g - s) <= Math.max(1e-6 * k, 1e-5 * Math.abs(s)))) throw new Error(`${name}: C[${i}][${j}] ref ${s} got ${g}`);
        }
      }
    }
  });
});
