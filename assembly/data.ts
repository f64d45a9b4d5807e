// data kernels: assemble a batch from a dataset held in wasm memory. Rows are gathered by an i32
// index vector idx(rows) (the shuffled order), u8 pixels are widened to f32 and scaled in one pass,
// and i32 class labels become one-hot f32 targets. All outputs are written (not accumulated);
// row-major, batch-first; pointers are byte addresses, sizes element counts.

/** out(rows, cols) f32: row r = f32(src_u8 row idx[r]) · scale, src_u8 rows of cols bytes. */
export function gather_u8_f32(out: usize, src: usize, idx: usize, rows: i32, cols: i32, scale: f32): void {
  const vs = f32x4.splat(scale);
  const c16 = cols & ~15;
  for (let r = 0; r < rows; r++) {
    const ps = src + <usize>load<i32>(idx + (<usize>r << 2)) * <usize>cols;
    const po = out + <usize>r * (<usize>cols << 2);
    for (let j = 0; j < c16; j += 16) {
      // 16 bytes → 2 × i16x8 → 4 × i32x4 → f32x4 (exact: values ≤ 255), then one rounding by scale.
      const b = v128.load(ps + <usize>j);
      const lo = i16x8.extend_low_i8x16_u(b);
      const hi = i16x8.extend_high_i8x16_u(b);
      const q = po + (<usize>j << 2);
      v128.store(q, f32x4.mul(f32x4.convert_i32x4_s(i32x4.extend_low_i16x8_u(lo)), vs));
      v128.store(q, f32x4.mul(f32x4.convert_i32x4_s(i32x4.extend_high_i16x8_u(lo)), vs), 16);
      v128.store(q, f32x4.mul(f32x4.convert_i32x4_s(i32x4.extend_low_i16x8_u(hi)), vs), 32);
      v128.store(q, f32x4.mul(f32x4.convert_i32x4_s(i32x4.extend_high_i16x8_u(hi)), vs), 48);
    }
    for (let j = c16; j < cols; j++) {
      store<f32>(po + (<usize>j << 2), <f32>load<u8>(ps + <usize>j) * scale);
    }
  }
}

/** out(rows, cols) of 4-byte elements (f32 or i32): row r = src row idx[r]. */
export function gather_rows32(out: usize, src: usize, idx: usize, rows: i32, cols: i32): void {
  if (cols <= 0) return;
  const bytes = <usize>cols << 2;
  for (let r = 0; r < rows; r++) {
    memory.copy(out + <usize>r * bytes, src + <usize>load<i32>(idx + (<usize>r << 2)) * bytes, bytes);
  }
}

/** out(m, n) f32 one-hot of labels(m) i32; a label outside [0, n) gives a row of zeros (as tf.oneHot). */
export function one_hot(out: usize, labels: usize, m: i32, n: i32): void {
  if (m <= 0 || n <= 0) return;
  memory.fill(out, 0, (<usize>m * <usize>n) << 2);
  for (let r = 0; r < m; r++) {
    const c = load<i32>(labels + (<usize>r << 2));
    if (<u32>c < <u32>n) store<f32>(out + ((<usize>r * <usize>n + <usize>c) << 2), 1);
  }
}
