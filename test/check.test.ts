import { describe, expect, it } from 'vitest';
import { checkObject, closest, float32Number } from '../src/check.js';
import { ValueError } from '../src/errors.js';

describe('option checks', () => {
  it('suggests the closest valid name, ignoring case, _ and -', () => {
    const fit = ['batchSize', 'epochs', 'stepsPerEpoch', 'validationSplit'];
    expect(closest('batch_size', fit)).toBe('batchSize');
    expect(closest('epoch', fit)).toBe('epochs');
    expect(closest('steps_per_epoch', fit)).toBe('stepsPerEpoch');
    expect(closest('activaton', ['activation', 'units'])).toBe('activation');
    expect(closest('zzz', fit)).toBeUndefined();
  });

  it('refuses unknown keys and non-objects with the valid names', () => {
    expect(() => checkObject({ batch_size: 8 }, 'fit options', ['batchSize', 'epochs']))
      .toThrow(/fit options: unknown option "batch_size" \(did you mean "batchSize"\?\); valid options: batchSize, epochs/);
    expect(() => checkObject(null, 'fit options', ['epochs'])).toThrow(ValueError);
    expect(() => checkObject([1], 'fit options', ['epochs'])).toThrow(/must be an object, got an array/);
    expect(checkObject(undefined, 'fit options', ['epochs'])).toEqual({});
    expect(() => checkObject(undefined, 'fit options', ['epochs'], false)).toThrow(/must be an object/);
    expect(checkObject({ epochs: 2 }, 'fit options', ['epochs'])).toEqual({ epochs: 2 });
  });

  it('refuses numbers that overflow float32', () => {
    expect(float32Number(3e38, 'x')).toBe(3e38);
    expect(() => float32Number(1e39, 'learningRate')).toThrow(/learningRate must be a number in/);
    expect(() => float32Number(-1e39, 'x')).toThrow(ValueError);
    expect(() => float32Number(NaN, 'x')).toThrow(ValueError);
  });
});
