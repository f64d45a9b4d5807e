// A dendrite CNN exported to ONNX (toOnnx: NHWC input, transposed to NCHW around the spatial ops)
// imports back (fromOnnx) predicting the same: the exporter and the importer agree on layouts.
import { describe, expect, it } from 'vitest';
import { averagePooling2d, batchNormalization, conv2d, dense, depthwiseConv2d, flatten, fromOnnx, maxPooling2d, sequential, toOnnx } from '../../src/index.js';
import { values } from '../helpers/onnx-build.js';

describe('toOnnx → fromOnnx', () => {
  it('a CNN comes back predicting the same (≤ 1e-5)', () => {
    const m = sequential([
      conv2d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu', inputShape: [8, 8, 2] }),
      batchNormalization(),
      maxPooling2d({ poolSize: 2 }),
      depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, activation: 'elu' }),
      averagePooling2d({ poolSize: 2, padding: 'same' }),
      flatten(),
      dense({ units: 3, activation: 'softmax' }),
    ]);
    m.build({ seed: 5 });
    const x = values(4 * 128, 3);
    const back = fromOnnx(toOnnx(m));
    const a = m.predict({ data: x, shape: [4, 128] }).data;
    const b = back.predict({ data: x, shape: [4, 128] }).data;
    let d = 0;
    for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
    expect(d).toBeLessThanOrEqual(1e-5);
  });
});
