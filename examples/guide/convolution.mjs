// Convolutions by hand and by the library: one filter slid over a small image, padding and
// strides, pooling, and why weight sharing keeps a convolution small. No dataset needed.
// Run: node examples/guide/convolution.mjs   (page: docs/guide/10-convolutions.md)
import { averagePooling2d, conv2d, dense, maxPooling2d, sequential } from 'dendrite';

// A 5×5 grey image, dark on the left and bright on the right, and a 3×3 filter that answers
// "how much brighter is it on the right than on the left?" (a vertical-edge detector).
const image = [0, 0, 1, 1, 1].map(() => [0, 0, 1, 1, 1]);
const filter = [[-1, 0, 1], [-1, 0, 1], [-1, 0, 1]];

/** Slide `filter` over `image` by hand: zero padding `pad`, step `stride`, out×out outputs. */
function byHand(pad, stride, out) {
  const at = (r, c) => image[r]?.[c] ?? 0; // outside the image: 0 (the padding)
  return Array.from({ length: out }, (_, r) => Array.from({ length: out }, (_, c) => {
    let sum = 0;
    for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) sum += filter[i][j] * at(r * stride + i - pad, c * stride + j - pad);
    return sum;
  }));
}

/** The same with the library: a Conv2D with one 3×3 filter, no bias, the filter as its kernel. */
function byLibrary(padding, strides) {
  const model = sequential([conv2d({ filters: 1, kernelSize: 3, padding, strides, useBias: false, inputShape: [5, 5, 1] })]);
  model.build({ seed: 1 });
  model.setWeights([new Float32Array(filter.flat())]); // kernel (3, 3, 1, 1): row after row
  const y = model.predict({ data: new Float32Array(image.flat()), shape: [1, 5, 5, 1] });
  const out = Math.sqrt(y.cols);
  model.dispose();
  return Array.from({ length: out }, (_, r) => Array.from(y.data.subarray(r * out, (r + 1) * out)));
}

const show = (grid) => grid.map((row) => row.map((v) => String(v).padStart(3)).join('')).join('\n');
// padding 'valid': no padding, out = floor((5 − 3) / stride) + 1; 'same': out = ceil(5 / stride),
// with as many zeros around as that needs (one on each side here).
for (const [padding, strides, pad] of [['valid', 1, 0], ['same', 1, 1], ['valid', 2, 0], ['same', 2, 1]]) {
  const lib = byLibrary(padding, strides);
  const hand = byHand(pad, strides, lib.length);
  const same = JSON.stringify(lib) === JSON.stringify(hand);
  console.log(`padding '${padding}', stride ${strides}: ${lib.length}×${lib.length} output, by hand the same: ${same}\n${show(lib)}`);
}

// Pooling 2×2 with stride 2: each 2×2 block of a feature map becomes one value, its largest
// (max) or its mean (average). Half the height and width, no parameters.
const map = [[1, 3, 2, 0], [4, 2, 1, 5], [0, 1, 7, 2], [6, 0, 3, 1]];
for (const [name, layer] of [['max', maxPooling2d], ['average', averagePooling2d]]) {
  const pool = sequential([layer({ poolSize: 2, inputShape: [4, 4, 1] })]);
  const y = pool.predict({ data: new Float32Array(map.flat()), shape: [1, 4, 4, 1] });
  console.log(`${name} pooling 2×2 of ${JSON.stringify(map)}: ${JSON.stringify([Array.from(y.data.subarray(0, 2)), Array.from(y.data.subarray(2))])}`);
}

// Weight sharing: a convolution's parameters do not depend on the image size.
const conv = sequential([conv2d({ filters: 32, kernelSize: 3, inputShape: [28, 28, 1] })]);
const first = sequential([dense({ units: 256, inputShape: [784] })]);
const outputs = 26 * 26 * 32;
console.log(`\nconv 32 3×3 on 28×28×1: 32 × (3·3·1 + 1) = ${32 * (9 + 1)}; countParams(): ${conv.countParams()}; ${outputs.toLocaleString('en-US')} outputs`);
console.log(`dense 784 → 256:        256 × (784 + 1) = ${(256 * 785).toLocaleString('en-US')}; countParams(): ${first.countParams().toLocaleString('en-US')}; 256 outputs`);
console.log(`dense 784 → ${outputs.toLocaleString('en-US')}:     ${outputs.toLocaleString('en-US')} × (784 + 1) = ${(outputs * 785).toLocaleString('en-US')} (not built: 68 MB of weights)`);
const second = sequential([conv2d({ filters: 64, kernelSize: 3, inputShape: [13, 13, 32] })]);
console.log(`conv 64 3×3 on 13×13×32: 64 × (3·3·32 + 1) = ${(64 * (9 * 32 + 1)).toLocaleString('en-US')}; countParams(): ${second.countParams().toLocaleString('en-US')}`);
