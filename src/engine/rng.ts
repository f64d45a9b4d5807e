// The one seeded generator a model carries. Kernels are counter-based: the value at stream
// position i depends only on (seed, i), so the JS side just advances a counter by what each call
// consumed. Same seed ⇒ same initial weights, same shuffles, in every runtime.
import { ValueError } from '../errors.js';

export class Rng {
  counter = 0n;
  readonly seed: bigint;

  constructor(seed: number | bigint) {
    this.seed = BigInt.asUintN(64, BigInt(seed));
  }

  /** Reserve `n` positions of the stream; returns the first. */
  take(n: number): bigint {
    const start = this.counter;
    this.counter += BigInt(n);
    return start;
  }
}

/** A seed when the user gave none: different per call, like Keras without a set seed. */
export function randomSeed(): number {
  return Math.floor(Math.random() * 2 ** 52);
}

export function checkSeed(seed: unknown, what = 'seed'): number | undefined {
  if (seed === undefined) return undefined;
  if (typeof seed !== 'number' || !Number.isSafeInteger(seed) || seed < 0) {
    throw new ValueError(`${what} must be a non-negative integer, got ${String(seed)}`);
  }
  return seed;
}
