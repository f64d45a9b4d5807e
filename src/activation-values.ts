// activationValues(): an activation function and its derivative at given points, computed by the
// same wasm kernels a dense layer runs (assembly/activation.ts). Meant for teaching and plotting
// (the guide's activation plots are drawn from it) and for checking a custom formula against ours.
import { checkObject, describe } from './check.js';
import { type Engine, getEngine } from './engine/engine.js';
import { ValueError } from './errors.js';
import { type ActivationSpec, resolveActivation } from './layers/activations.js';

export interface ActivationValuesOptions {
  /** Engine whose kernels compute the values; default: the shared engine of this runtime. */
  engine?: Engine;
}

export interface ActivationValues {
  /** f(x) for every input x. */
  y: Float32Array;
  /** f'(x) for every input x (the backward kernel run with an upstream gradient of ones). */
  dy: Float32Array;
}

/**
 * f(x) and f'(x) of an activation at the points `x`, from the library's own forward and backward
 * kernels. `activation` is a name or `{ name, alpha }` as in `dense({ activation })`.
 *
 * softmax works on whole rows, so a single number has no softmax of its own: each x is taken as
 * the first logit of a two-class row [x, 0], `y` is that row's first probability e^x / (e^x + 1)
 * and `dy` is ∂y/∂x, its diagonal Jacobian entry y·(1 − y).
 */
export function activationValues(activation: ActivationSpec, x: ArrayLike<number>, options: ActivationValuesOptions = {}): ActivationValues {
  checkObject(options, 'activationValues options', ['engine']);
  const act = resolveActivation(activation);
  if (x === null || typeof x !== 'object' || typeof x.length !== 'number') {
    throw new ValueError(`activationValues x must be an array or typed array of numbers, got ${describe(x)}`);
  }
  const n = x.length;
  for (let i = 0; i < n; i++) {
    if (typeof x[i] !== 'number') throw new ValueError(`activationValues x[${i}] must be a number, got ${describe(x[i])}`);
  }
  if (act.kernel === '') return { y: Float32Array.from(x), dy: new Float32Array(n).fill(1) }; // linear: no kernel
  if (n === 0) return { y: new Float32Array(0), dy: new Float32Array(0) };

  const e = options.engine ?? getEngine();
  const cols = act.name === 'softmax' ? 2 : 1; // softmax: rows [x, 0]
  const size = n * cols;
  const z = new Float32Array(size);
  const ones = new Float32Array(size);
  for (let i = 0; i < n; i++) {
    z[i * cols] = x[i];
    ones[i * cols] = 1; // upstream gradient: 1 on the output we report, 0 on softmax's second column
  }
  const ptrs: number[] = [];
  try {
    const [pz, py, pg, pd] = ['input', 'output', 'gradient', 'derivative'].map((what) => {
      ptrs.push(e.allocFloats(size, `activationValues ${what}`));
      return ptrs[ptrs.length - 1];
    });
    e.writeF32(pz, z); // after every alloc: a memory grow would detach earlier views
    e.writeF32(pg, ones);
    // Element-wise kernels see one row of n; softmax sees n rows of 2.
    const [m, width] = cols === 1 ? [1, n] : [n, cols];
    e.k[`${act.kernel}_forward`](py, pz, m, width, act.alpha);
    e.k[`${act.kernel}_backward`](pd, pg, pz, py, m, width, act.alpha);
    const yAll = e.readF32(py, size);
    const dAll = e.readF32(pd, size);
    if (cols === 1) return { y: yAll, dy: dAll };
    const y = new Float32Array(n);
    const dy = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      y[i] = yAll[i * cols];
      dy[i] = dAll[i * cols];
    }
    return { y, dy };
  } finally {
    for (const p of ptrs) e.release(p);
  }
}
