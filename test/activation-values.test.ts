// activationValues() against plain f64 formulas of every activation and its derivative, written
// here independently of the kernels (the guide's activation plots are drawn from these values).
import { describe, expect, it } from 'vitest';
import { ValueError, activationNames, activationValues, getEngine, type ActivationSpec } from '../src/index.js';

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
/** erf by its Maclaurin series (f64 keeps ~1e-9 for |x| ≤ 5); ±1 beyond, where 1 − |erf| < 2e-12. */
function erf(x: number): number {
  if (Math.abs(x) > 5) return Math.sign(x);
  let term = x;
  let sum = x;
  for (let n = 1; n < 200; n++) {
    term *= (-x * x) / n;
    sum += term / (2 * n + 1);
  }
  return (2 / Math.sqrt(Math.PI)) * sum;
}
const Phi = (x: number) => 0.5 * (1 + erf(x / Math.SQRT2));
const phi = (x: number) => Math.exp(-x * x / 2) / Math.sqrt(2 * Math.PI);
const SELU_L = 1.0507009873554805;
const SELU_A = 1.6732632423543772;

/** name → [f, f'] in f64. */
const reference: Record<string, [(x: number) => number, (x: number) => number]> = {
  linear: [(x) => x, () => 1],
  sigmoid: [sigmoid, (x) => sigmoid(x) * (1 - sigmoid(x))],
  tanh: [Math.tanh, (x) => 1 - Math.tanh(x) ** 2],
  relu: [(x) => Math.max(x, 0), (x) => (x > 0 ? 1 : 0)],
  leakyRelu: [(x) => (x > 0 ? x : 0.2 * x), (x) => (x > 0 ? 1 : 0.2)],
  elu: [(x) => (x > 0 ? x : Math.expm1(x)), (x) => (x > 0 ? 1 : Math.exp(x))],
  selu: [(x) => SELU_L * (x > 0 ? x : SELU_A * Math.expm1(x)), (x) => SELU_L * (x > 0 ? 1 : SELU_A * Math.exp(x))],
  gelu: [(x) => x * Phi(x), (x) => Phi(x) + x * phi(x)],
  swish: [(x) => x * sigmoid(x), (x) => sigmoid(x) * (1 + x * (1 - sigmoid(x)))],
  silu: [(x) => x * sigmoid(x), (x) => sigmoid(x) * (1 + x * (1 - sigmoid(x)))],
  softplus: [(x) => Math.log1p(Math.exp(x)), sigmoid],
  // two-class row [x, 0]: first probability and its diagonal Jacobian entry
  softmax: [sigmoid, (x) => sigmoid(x) * (1 - sigmoid(x))],
};

/** −8..8 in steps of 1/16, plus sizes that are not a multiple of the 4-lane vectors. */
const xs = Float32Array.from({ length: 257 }, (_, i) => -8 + i / 16);

function expectClose(got: Float32Array, ref: (x: number) => number, x: ArrayLike<number>, what: string) {
  for (let i = 0; i < x.length; i++) {
    const want = ref(x[i]);
    const tol = Math.max(2e-6, 2e-5 * Math.abs(want));
    if (!(Math.abs(got[i] - want) <= tol)) {
      throw new Error(`${what} at x=${x[i]}: want ${want}, got ${got[i]} (tolerance ${tol})`);
    }
  }
}

describe('activationValues', () => {
  it('has a reference for every activation', () => {
    expect(Object.keys(reference).sort()).toEqual([...activationNames].sort());
  });

  for (const name of activationNames) {
    it(`${name}: f and f' match the f64 formulas`, () => {
      const [f, df] = reference[name];
      const { y, dy } = activationValues(name, xs);
      expect(y.length).toBe(xs.length);
      expect(dy.length).toBe(xs.length);
      expectClose(y, f, xs, `${name}(x)`);
      // At 0 the kinked activations take a one-sided derivative by convention: check it apart.
      const smooth = xs.filter((x) => x !== 0);
      const d = activationValues(name, smooth).dy;
      expectClose(d, df, smooth, `${name}'(x)`);
    });
  }

  it('at the kink, relu uses 0 and leakyRelu alpha (as TF does)', () => {
    expect(Array.from(activationValues('relu', [0]).dy)).toEqual([0]);
    expect(activationValues('leakyRelu', [0]).dy[0]).toBeCloseTo(0.2, 6);
  });

  it('takes alpha as dense() does', () => {
    const x = [-2, -0.5, 0.5, 2];
    const leaky = activationValues({ name: 'leakyRelu', alpha: 0.1 }, x);
    expectClose(leaky.y, (v) => (v > 0 ? v : 0.1 * v), x, 'leakyRelu 0.1');
    expectClose(leaky.dy, (v) => (v > 0 ? 1 : 0.1), x, "leakyRelu' 0.1");
    const elu = activationValues({ name: 'elu', alpha: 0.5 }, x);
    expectClose(elu.y, (v) => (v > 0 ? v : 0.5 * Math.expm1(v)), x, 'elu 0.5');
    expectClose(elu.dy, (v) => (v > 0 ? 1 : 0.5 * Math.exp(v)), x, "elu' 0.5");
  });

  it('derivatives agree with central differences of the forward values', () => {
    const h = 1e-2;
    const x = [-3.1, -1.3, -0.4, 0.35, 1.7, 2.9];
    for (const name of ['sigmoid', 'tanh', 'elu', 'gelu', 'swish', 'softplus', 'softmax'] as const) {
      const { dy } = activationValues(name, x);
      const plus = activationValues(name, x.map((v) => v + h)).y;
      const minus = activationValues(name, x.map((v) => v - h)).y;
      x.forEach((_, i) => expect(dy[i]).toBeCloseTo((plus[i] - minus[i]) / (2 * h), 3));
    }
  });

  it('accepts plain arrays and empty input, and leaves no memory behind', () => {
    const before = getEngine().info().usedBytes;
    expect(activationValues('tanh', []).y.length).toBe(0);
    expect(activationValues('relu', [-1, 2]).y).toEqual(Float32Array.from([0, 2]));
    for (let i = 0; i < 20; i++) activationValues('gelu', xs);
    expect(getEngine().info().usedBytes).toBe(before);
  });

  it('rejects unknown names, misplaced alpha and non-numeric input with ValueError', () => {
    expect(() => activationValues('swoosh' as ActivationSpec, [1])).toThrow(ValueError);
    expect(() => activationValues('swoosh' as ActivationSpec, [1])).toThrow(/expected one of/);
    expect(() => activationValues({ name: 'relu', alpha: 0.2 }, [1])).toThrow(ValueError);
    expect(() => activationValues('relu', 3 as unknown as number[])).toThrow(/array or typed array/);
    expect(() => activationValues('relu', [1, '2'] as unknown as number[])).toThrow(/x\[1\] must be a number/);
  });
});
