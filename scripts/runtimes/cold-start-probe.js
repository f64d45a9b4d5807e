// Cold start, measured inside a runtime: import the entry, init() (compile + instantiate the
// wasm), build the reference MLP (784-256-128-10, seeded) and run its first prediction (batch 1).
// Runtime-neutral: Node and Deno run it from a fresh process, Chromium in a fresh page.
export async function coldStart(load) {
  const t0 = performance.now();
  const d = await load();
  const t1 = performance.now();
  await d.init();
  const t2 = performance.now();
  const model = d.sequential([
    d.dense({ units: 256, activation: 'relu', inputShape: [784] }),
    d.dense({ units: 128, activation: 'relu' }),
    d.dense({ units: 10, activation: 'softmax' }),
  ]);
  model.build({ seed: 1 });
  const t3 = performance.now();
  const out = model.predict(new Float32Array(784).fill(0.5));
  const t4 = performance.now();
  if (out.shape[1] !== 10) throw new Error('unexpected prediction shape');
  const ms = (v) => Math.round(v * 100) / 100;
  return { importMs: ms(t1 - t0), initMs: ms(t2 - t1), buildMs: ms(t3 - t2), firstPredictMs: ms(t4 - t3), totalMs: ms(t4 - t0) };
}
