// random kernels: a counter-based generator for initialisation, dropout and shuffling.
// The 64 random bits of stream position k under a seed are
//   bits(seed, k) = mix(key + k·γ),  key = mix(seed),  γ = 0x9E3779B97F4A7C15 (2^64/φ),
// where mix is the SplitMix64 finaliser (Steele, Lea & Flood 2014,
// https://doi.org/10.1145/2714064.2660195). Element i of a call with `counter` uses position
// k = counter + i only, so a call split into pieces (threads, batches) produces the same values as
// one call, and the engine advances its counter by n after each call. Extra draws for element i
// (truncated-normal retries) come from a sub-stream: bits_a = mix(bits(seed, k) + a·γ), a ≥ 1.
// Everything is integer or deterministic wasm float math (AssemblyScript's own Math, no imports),
// so the streams are bit-identical in every runtime. seed and counter are i64 (BigInt in JS).

const GAMMA: u64 = 0x9E3779B97F4A7C15;

// SplitMix64 finaliser: a bijection on 64 bits with full avalanche.
@inline function mix(z: u64): u64 {
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EB;
  return z ^ (z >> 31);
}

// The largest f32 below h (h finite).
@inline function below(h: f32): f32 {
  const b = reinterpret<i32>(h);
  if (h > 0) return reinterpret<f32>(b - 1);
  if (h == 0) return reinterpret<f32>(0x80000001);  // −(smallest subnormal)
  return reinterpret<f32>(b + 1);
}

/** out(n) uniform in [lo, hi) (never hi): lo + (hi−lo)·u, u = top 24 bits · 2^−24. */
export function rand_uniform(out: usize, n: i32, seed: i64, counter: i64, lo: f32, hi: f32): void {
  const key = mix(<u64>seed);
  const w = hi - lo;
  const top = hi > lo ? below(hi) : lo;  // rounding can reach hi: clamp to the float below it
  let z = key + <u64>counter * GAMMA;
  for (let i = 0; i < n; i++) {
    const u = <f32>(<u32>(mix(z) >> 40)) * (1.0 / 16777216.0);
    let r = lo + w * u;
    if (r > top) r = top;
    store<f32>(out + (<usize>i << 2), r);
    z += GAMMA;
  }
}

// A standard normal sample from 64 bits by Box–Muller: 40 bits for the radius (u1 in (0, 1],
// so |z| ≤ 7.4), 24 for the angle.
@inline function gauss(b: u64): f64 {
  const u1 = <f64>((b >> 24) + 1) * (1.0 / 1099511627776.0);
  const u2 = <f64>(b & 0xFFFFFF) * (1.0 / 16777216.0);
  return Math.sqrt(-2.0 * Math.log(u1)) * Math.cos(6.283185307179586 * u2);
}

/** out(n) normal: mean + stddev·f32(z), z standard normal (Box–Muller). */
export function rand_normal(out: usize, n: i32, seed: i64, counter: i64, mean: f32, stddev: f32): void {
  const key = mix(<u64>seed);
  let z = key + <u64>counter * GAMMA;
  for (let i = 0; i < n; i++) {
    store<f32>(out + (<usize>i << 2), mean + stddev * <f32>gauss(mix(z)));
    z += GAMMA;
  }
}

/** out(n) truncated normal (Keras TruncatedNormal): like rand_normal, redrawing while |z| > 2. */
export function rand_truncated_normal(out: usize, n: i32, seed: i64, counter: i64, mean: f32, stddev: f32): void {
  const key = mix(<u64>seed);
  let z = key + <u64>counter * GAMMA;
  for (let i = 0; i < n; i++) {
    const b0 = mix(z);
    let s = <f32>gauss(b0);
    // Attempt a ≥ 1 uses the sub-stream of this element; each succeeds with p ≈ 0.954, so 64
    // attempts all failing (then 0) has probability ≈ 1e-86.
    for (let a: u64 = 1; !(Mathf.abs(s) <= 2) && a <= 64; a++) {
      s = a < 64 ? <f32>gauss(mix(b0 + a * GAMMA)) : 0;
    }
    store<f32>(out + (<usize>i << 2), mean + stddev * s);
    z += GAMMA;
  }
}

/** Fisher–Yates shuffle of arr(n) i32 in place; position i (n−1 down to 1) draws j ∈ [0, i] from counter + i. */
export function shuffle_i32(arr: usize, n: i32, seed: i64, counter: i64): void {
  const key = mix(<u64>seed);
  for (let i = n - 1; i > 0; i--) {
    const b = mix(key + (<u64>counter + <u64>i) * GAMMA);
    // j = floor(b · (i+1) / 2^64): multiply-shift on all 64 bits, bias ≤ (i+1)/2^64.
    const bound = <u64>(i + 1);
    const hi = (b >> 32) * bound;
    const lo = (b & 0xFFFFFFFF) * bound;
    const j = <i32>((hi + (lo >> 32)) >> 32);
    const pi = arr + (<usize>i << 2), pj = arr + (<usize>j << 2);
    const t = load<i32>(pi);
    store<i32>(pi, load<i32>(pj));
    store<i32>(pj, t);
  }
}

/** arr(n) i32: arr[i] = i. */
export function iota_i32(arr: usize, n: i32): void {
  const n4 = n & ~3;
  let v = i32x4(0, 1, 2, 3);
  const step = i32x4.splat(4);
  for (let i = 0; i < n4; i += 4) {
    v128.store(arr + (<usize>i << 2), v);
    v = i32x4.add(v, step);
  }
  for (let i = n4; i < n; i++) store<i32>(arr + (<usize>i << 2), i);
}
