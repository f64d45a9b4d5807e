// dropout kernels: inverted dropout's mask, drawn from the seeded counter stream of random.ts, and
// broadcast_mul, which applies it in the forward and the backward pass. Pointers are byte
// addresses, sizes element counts; outputs are WRITTEN, never accumulated.
//
// The keep decision for element i is u ≥ rate with u the uniform of stream position
//   2^62 + step·2^32 + stream·2^27 + first + i
// exactly as rand_uniform(…, lo 0, hi 1) draws it (random.ts): dropout's own part of the counter
// space (initialisation starts at 0, shuffling at 2^48), per training step and per dropout layer
// (stream < 32, up to 2^27 elements a step). `first` lets a call cover part of a batch. Masks are
// thus reproducible from the model's seed and step count, in every runtime, for any split of the
// work; step and stream are i32 so that the caller makes no 64-bit number per step.

const GAMMA: u64 = 0x9E3779B97F4A7C15;

// SplitMix64 finaliser; must equal random.ts's `mix`.
@inline function mix(z: u64): u64 {
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EB;
  return z ^ (z >> 31);
}

/**
 * mask(n) = (u_i ≥ rate) / (1 − rate), y(n) = x·mask; u_i uniform [0, 1) at the position above.
 * x = 0 draws the mask only (a broadcast mask, applied by broadcast_mul).
 */
export function dropout_forward(y: usize, mask: usize, x: usize, n: i32, rate: f32, seed: i64, step: i32, stream: i32, first: i32): void {
  const key = mix(<u64>seed);
  const scale = <f32>1 / (<f32>1 - rate);
  const counter = ((<u64>1) << 62) + ((<u64><u32>step) << 32) + ((<u64><u32>stream) << 27) + <u64><u32>first;
  let z = key + counter * GAMMA;
  for (let i = 0; i < n; i++) {
    const u = <f32>(<u32>(mix(z) >> 40)) * (1.0 / 16777216.0);
    const k: f32 = u >= rate ? scale : 0;
    const o = <usize>i << 2;
    store<f32>(mask + o, k);
    if (x) store<f32>(y + o, load<f32>(x + o) * k);
    z += GAMMA;
  }
}

/**
 * y = x·mask with the mask broadcast (Keras' noise_shape; spatial dropout's mask per channel; one
 * axis of stride 1 for plain dropout), for n samples; dropout's backward as well (dx = dy·mask). The sample's axes, collapsed and outermost first, are `axes` i32 triples at `desc`:
 * (size, x stride, mask stride: 0 where the mask is shared along the axis); the innermost axis has
 * x stride 1. Sample b reads the mask from mask + b·maskRow (maskRow 0: one mask for the batch).
 * y may alias x.
 */
export function broadcast_mul(y: usize, x: usize, mask: usize, n: i32, maskRow: i32, desc: usize, axes: i32): void {
  const sample = load<i32>(desc) * load<i32>(desc, 4);
  for (let b = 0; b < n; b++) {
    const o = <usize>(b * sample) << 2;
    mul_axes(y + o, x + o, mask + (<usize>(b * maskRow) << 2), desc, axes);
  }
}

function mul_axes(y: usize, x: usize, m: usize, d: usize, axes: i32): void {
  const size = load<i32>(d), xs = load<i32>(d, 4), ms = load<i32>(d, 8);
  if (axes > 1) {
    for (let i = 0; i < size; i++) mul_axes(y + (<usize>(i * xs) << 2), x + (<usize>(i * xs) << 2), m + (<usize>(i * ms) << 2), d + 12, axes - 1);
    return;
  }
  const k = f32x4.splat(load<f32>(m));
  let j = 0;
  for (; j + 4 <= size; j += 4) {
    const o = <usize>j << 2;
    v128.store(y + o, f32x4.mul(v128.load(x + o), ms ? v128.load(m + o) : k));
  }
  for (; j < size; j++) store<f32>(y + (<usize>j << 2), load<f32>(x + (<usize>j << 2)) * load<f32>(m + (<usize>(j * ms) << 2)));
}
