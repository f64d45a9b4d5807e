// `dendrite train --layers` and `--input-shape`: the compact and the named forms give the layers the
// library's builders give for the same options; every bad entry is a usage error (exit 2) before
// any data is read, naming the entry, what was expected and the closest valid name; the help's
// layer reference fits 80 columns.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as lib from '../src/index.js';
import { LAYER_KINDS, LAYERS_HELP, makeLayer, parseLayers } from '../src/cli/layer-spec.js';
import { fashionMnistCnnBody } from '../src/model/recipes.js';
import { runCli } from './helpers/cli.js';
import { idx } from './helpers/idx.js';

const dir = mkdtempSync(join(tmpdir(), 'dendrite-cli-layers-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const run = (...args: string[]) => runCli(dir, args);

const configs = (spec: string) => parseLayers(spec).layers.map((l) => makeLayer(l).getConfig());

describe('--layers syntax', () => {
  it('the compact form: values in order after the layer name; a bare number is dense', () => {
    expect(parseLayers('conv:32:3:relu,maxpool:2,flatten,128:relu,10:softmax').layers).toEqual([
      { type: 'conv2d', filters: 32, kernelSize: 3, activation: 'relu' },
      { type: 'maxPooling2d', poolSize: 2 },
      { type: 'flatten' },
      { type: 'dense', units: 128, activation: 'relu' },
      { type: 'dense', units: 10, activation: 'softmax' },
    ]);
  });

  it('options by Keras name, and values by name, build what the library builds from the same options', () => {
    const want = [
      lib.conv2d({ filters: 32, kernelSize: [3, 1], activation: 'relu', strides: 2, padding: 'same', useBias: false }),
      lib.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, dilationRate: 2 }),
      lib.separableConv2d({ filters: 8, kernelSize: 5, activation: 'elu', pointwiseInitializer: 'heNormal' }),
      lib.averagePooling2d({ poolSize: 3, strides: 1, padding: 'same' }),
      lib.batchNormalization({ momentum: 0.9, epsilon: 1e-5 }),
      lib.dense({ units: 64, activation: 'relu', kernelInitializer: 'heUniform' }),
      lib.dropout({ rate: 0.25 }),
      lib.reshape({ targetShape: [7, 7, -1] }),
    ].map((l) => l.getConfig());
    const compact = 'conv:32:3x1:relu:strides=2:padding=same:useBias=false,depthwise:3:depthMultiplier=2:dilationRate=2,' +
      'separable:8:5:elu:pointwiseInitializer=heNormal,avgpool:3:strides=1:padding=same,batchnorm:momentum=0.9:epsilon=1e-5,' +
      '64:relu:kernelInitializer=heUniform,dropout:0.25,reshape:7x7x-1';
    const named = 'Conv2D:filters=32:kernelSize=3x1:activation=relu:strides=2:padding=same:useBias=false,depthwiseConv2d:kernelSize=3:depthMultiplier=2:dilationRate=2,' +
      'separable:filters=8:kernelSize=5:activation=elu:pointwiseInitializer=heNormal,averagePooling2d:3:strides=1:padding=same,batchNormalization:momentum=0.9:epsilon=1e-5,' +
      'dense:units=64:activation=relu:kernelInitializer=heUniform,dropout:rate=0.25,reshape:targetShape=7x7x-1';
    expect(configs(compact)).toEqual(want);
    expect(configs(named)).toEqual(want);
  });

  it('every layer name builds its layer, with the output shapes Keras gives', () => {
    // [entry, input shape, Keras class, output shape by Keras' formulas]
    const cases: [string, number[], string, number[]][] = [
      ['conv:4:3', [12, 10, 3], 'Conv2D', [10, 8, 4]], // (12 − 3 + 1, 10 − 3 + 1)
      ['conv:4:3:strides=2:padding=same', [12, 9, 3], 'Conv2D', [6, 5, 4]], // ⌈12/2⌉, ⌈9/2⌉
      ['conv1d:5:3', [20, 2], 'Conv1D', [18, 5]],
      ['separable:6:3', [8, 8, 2], 'SeparableConv2D', [6, 6, 6]],
      ['depthwise:3:depthMultiplier=2', [8, 8, 3], 'DepthwiseConv2D', [6, 6, 6]],
      ['maxpool', [9, 8, 3], 'MaxPooling2D', [4, 4, 3]], // ⌊9/2⌋
      ['avgpool:3', [9, 9, 2], 'AveragePooling2D', [3, 3, 2]],
      ['maxpool1d:2', [9, 4], 'MaxPooling1D', [4, 4]],
      ['avgpool1d', [8, 4], 'AveragePooling1D', [4, 4]],
      ['globalmaxpool', [5, 5, 7], 'GlobalMaxPooling2D', [7]],
      ['globalavgpool', [5, 5, 7], 'GlobalAveragePooling2D', [7]],
      ['globalmaxpool1d', [5, 7], 'GlobalMaxPooling1D', [7]],
      ['globalavgpool1d', [5, 7], 'GlobalAveragePooling1D', [7]],
      ['zeropad:1x2', [4, 5, 3], 'ZeroPadding2D', [6, 9, 3]], // 4 + 2·1, 5 + 2·2
      ['zeropad1d', [7, 3], 'ZeroPadding1D', [9, 3]],
      ['upsample:2x3', [4, 5, 3], 'UpSampling2D', [8, 15, 3]],
      ['spatialdropout:0.2', [4, 4, 3], 'SpatialDropout2D', [4, 4, 3]],
      ['spatialdropout1d:0.2', [4, 3], 'SpatialDropout1D', [4, 3]],
      ['flatten', [4, 5, 6], 'Flatten', [120]],
      ['reshape:10x-1', [4, 5, 6], 'Reshape', [10, 12]],
      ['dropout:0.5', [6], 'Dropout', [6]],
      ['batchnorm', [4, 4, 3], 'BatchNormalization', [4, 4, 3]],
      ['layernorm', [6], 'LayerNormalization', [6]],
      ['activation:tanh', [6], 'Activation', [6]],
      ['dense:3', [6], 'Dense', [3]],
      ['7:sigmoid', [6], 'Dense', [7]],
    ];
    const names = new Set(cases.map(([e]) => (/^\d/.test(e) ? 'dense' : e.split(':')[0])));
    expect([...names].sort()).toEqual(Object.keys(LAYER_KINDS).sort()); // the table is covered
    for (const [entry, input, type, output] of cases) {
      const layer = makeLayer(parseLayers(entry).layers[0], input);
      expect(layer.type, entry).toBe(type);
      expect(layer.computeOutputShape(input), entry).toEqual(output);
    }
  });
});

describe('bad --layers entries: usage errors before any data is read', () => {
  // nope.csv does not exist: a usage error must come first.
  it.each([
    ['maxpol:2', /entry 1 "maxpol:2": unknown layer "maxpol" \(did you mean "maxpool"\?\); expected UNITS\[:ACTIVATION\] \(dense\) or one of: conv, conv1d/],
    ['Conv2d:8:3,global_avg_pool', /entry 2 "global_avg_pool": unknown layer "global_avg_pool" \(did you mean "globalavgpool"\?\)/],
    ['conv:32', /entry 1 "conv:32": conv needs kernelSize: conv:FILTERS:KERNEL\[:ACT\]/],
    ['conv:32:3:relu:2', /entry 1 "conv:32:3:relu:2": "2" is one value too many: conv takes 3 values \(conv:FILTERS:KERNEL\[:ACT\]\), then options as KEY=VALUE/],
    ['conv:32:3:rel', /entry 1 "conv:32:3:rel": unknown activation "rel" \(did you mean "relu"\?\); expected one of: linear/],
    ['conv:32:3:relu:stride=2', /entry 1 "conv:32:3:relu:stride=2": conv2d\(\): unknown option "stride" \(did you mean "strides"\?\); valid options: /],
    ['conv:32:3:padding=sam', /entry 1 "conv:32:3:padding=sam": unknown conv2d padding "sam"; expected one of: valid, same/],
    ['conv:32:3:padding=same:relu', /the value "relu" comes after a named option; give values first, in the order conv:FILTERS:KERNEL\[:ACT\]/],
    ['conv:32:3:kernelSize=5', /entry 1 "conv:32:3:kernelSize=5": kernelSize is given twice/],
    ['conv:0:3', /entry 1 "conv:0:3": conv2d filters must be a positive integer, got 0/],
    ['conv:8:3:inputShape=28x28x1', /the input shape is given with --input-shape/],
    ['flatten:2', /entry 1 "flatten:2": "2" is one value too many: flatten takes no values \(flatten\)/],
    ['maxpool:2x2x2', /entry 1 "maxpool:2x2x2": maxPooling2d poolSize must be a positive integer or a pair/],
    ['reshape:7xa', /targetShape must be sizes joined by x, e.g. 7x7x16/],
    ['dropout:1.5', /entry 1 "dropout:1.5": dropout rate must be a number in \[0, 1\), got 1.5/],
    ['conv:8:3:=2', /"=2" has no option name before "="/],
    ['conv:8:3:strides=', /strides has no value/],
    ['conv:8:3:constructor=1', /entry 1 "conv:8:3:constructor=1": conv2d\(\): unknown option "constructor"/],
    ['conv:8:3:__proto__=1', /entry 1 "conv:8:3:__proto__=1": conv2d\(\): unknown option "__proto__"/],
    ['conv:8:3:type=dense', /"type" is not an option: the entry's first word names the layer \(conv:FILTERS:KERNEL\[:ACT\]\)/],
    ['128:relu,,10:softmax', /entry 2 "": is empty; expected UNITS\[:ACTIVATION\] \(dense\) or one of/],
  ])('%s', (spec, pattern) => {
    const r = run('train', '--csv', 'nope.csv', '--layers', spec);
    expect(r.code, r.err).toBe(2);
    expect(r.err).toMatch(pattern);
    expect(r.err).toMatch(/^dendrite: --layers entry \d+ /);
    expect(r.err).toMatch(/usage: dendrite train/);
  });

  it('--input-shape must be sizes separated by commas', () => {
    for (const bad of ['28x28', '28,0,1', '28,,1', '-1,28']) {
      const r = run('train', '--csv', 'nope.csv', '--input-shape', bad);
      expect(r.code, bad).toBe(2);
      expect(r.err).toContain(`--input-shape must be sizes ≥ 1 separated by commas, e.g. 28,28,1 (height, width, channels), got "${bad}"`);
    }
    expect(run('train', '--csv', 'nope.csv', '--model', 'cnnn').err).toMatch(/--model must be mlp or cnn, got "cnnn"/);
  });
});

describe('--layers and --input-shape against the data', () => {
  beforeAll(() => {
    // 40 samples of 36 values: an "image" 6 × 6 × 1, or 3 × 4 × 3, bright in its first (class 0) or last half (class 1).
    const rows = ['label,' + Array.from({ length: 36 }, (_, i) => `v${i}`).join(',')];
    for (let r = 0; r < 40; r++) rows.push(`${r % 2},` + Array.from({ length: 36 }, (_, i) => ((i < 18) === (r % 2 === 0) ? 0.9 : 0.1)).join(','));
    writeFileSync(join(dir, 'six.csv'), rows.join('\n') + '\n');
    // 30 IDX images of 8 × 5 (not square): their own shape reaches the first convolution.
    const px = new Uint8Array(30 * 40).map((_, i) => (i * 37) % 256);
    writeFileSync(join(dir, 'rect-images.idx'), idx(0x08, [30, 8, 5], px));
    writeFileSync(join(dir, 'rect-labels.idx'), idx(0x08, [30], Array.from({ length: 30 }, (_, i) => i % 2)));
  });
  const train = (...args: string[]) => run('train', '--epochs', '1', '--batch-size', '8', '--progress', 'line', '--out', '', ...args);

  it('CSV rows feed --input-shape when its size is the column count; else a usage error naming both', () => {
    const ok = train('--csv', 'six.csv', '--input-shape', '3,4,3', '--layers', 'conv:4:2:relu,flatten,2:softmax');
    expect(ok.code, ok.err).toBe(0);
    expect(ok.out).toMatch(/conv2d \(Conv2D\)\s+\[null, 2, 3, 4\]\s+52\s+relu/); // 4 × (2·2·3 + 1)
    const bad = train('--csv', 'six.csv', '--input-shape', '28,28,1', '--layers', 'conv:4:2:relu,flatten,2:softmax');
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/--input-shape 28,28,1 holds 28 × 28 × 1 = 784 values per sample, but the rows of six\.csv have 36 feature columns/);
    expect(bad.out).not.toMatch(/Training on/);
  });

  it('without --input-shape a first convolution takes s × s one-channel images, or the IDX images\' own shape', () => {
    const csv = train('--csv', 'six.csv', '--layers', 'conv:2:3,globalavgpool,2:softmax');
    expect(csv.code, csv.err).toBe(0);
    expect(csv.out).toMatch(/conv2d \(Conv2D\)\s+\[null, 4, 4, 2\]/);
    const conv1d = train('--csv', 'six.csv', '--layers', 'conv1d:3:5:relu,maxpool1d,flatten,2:softmax');
    expect(conv1d.code, conv1d.err).toBe(0);
    expect(conv1d.out).toMatch(/conv1d \(Conv1D\)\s+\[null, 32, 3\]/); // [36, 1] → 36 − 5 + 1
    const img = train('--images', 'rect-images.idx', '--labels', 'rect-labels.idx', '--layers', 'batchnorm,conv:3:3:relu,flatten,2:softmax');
    expect(img.code, img.err).toBe(0);
    expect(img.out).toMatch(/conv2d \(Conv2D\)\s+\[null, 6, 3, 3\]/); // [8, 5, 1]
  });

  it('a --config file takes spatial layers by builder name and "inputShape"', () => {
    const layers = [{ type: 'conv2d', filters: 2, kernelSize: 2, activation: 'relu' }, { type: 'flatten' }, { units: 2, activation: 'softmax' }];
    writeFileSync(join(dir, 'cnn.json'), JSON.stringify({ layers, inputShape: [3, 4, 3], epochs: 1 }));
    const ok = train('--csv', 'six.csv', '--config', 'cnn.json');
    expect(ok.code, ok.err).toBe(0);
    expect(ok.out).toMatch(/conv2d \(Conv2D\)\s+\[null, 2, 3, 2\]\s+26/); // 2 × (2·2·3 + 1)
    writeFileSync(join(dir, 'typo.json'), JSON.stringify({ layers: [{ ...layers[0], type: 'conv2' }, ...layers.slice(1)] }));
    const typo = train('--csv', 'six.csv', '--config', 'typo.json');
    expect(typo.code).toBe(1);
    expect(typo.err).toMatch(/layer 1 of typo\.json: unknown layer type "conv2" \(did you mean "conv2d"\?\); this dendrite has: dense, conv2d, conv1d/);
  });

  it('shape problems name the entry and the shape it gets', () => {
    const big = train('--csv', 'six.csv', '--layers', 'conv:4:2,maxpool:2,conv:4:5,flatten,2:softmax');
    expect(big.code).toBe(2);
    expect(big.err).toMatch(/--layers entry 3 "conv:4:5" gets samples of shape \[2, 2, 4\]: conv2d: the input \[2, 2, 4\] is smaller than the window \[5, 5\]/);
    const noFlatten = train('--csv', 'six.csv', '--layers', 'conv:4:2,2:softmax');
    expect(noFlatten.code).toBe(2);
    expect(noFlatten.err).toMatch(/the last layer, --layers entry 2 "2:softmax", outputs samples of shape \[5, 5, 2\], but the loss compares one vector per sample: put flatten \(or globalavgpool\) before the dense layers/);
    const notSquare = train('--csv', 'six.csv', '--input-shape', '36', '--layers', 'conv:4:2,flatten,2:softmax');
    expect(notSquare.code).toBe(2);
    expect(notSquare.err).toMatch(/--layers entry 1 "conv:4:2" gets samples of shape \[36\]: conv2d/);
    writeFileSync(join(dir, 'seven.csv'), 'a,b,c,d,e,f,g,label\n' + Array.from({ length: 10 }, (_, i) => `1,2,3,4,5,6,7,${i % 2}`).join('\n') + '\n');
    const odd = train('--csv', 'seven.csv', '--layers', 'conv:4:2,flatten,2:softmax');
    expect(odd.code).toBe(2);
    expect(odd.err).toMatch(/--layers entry 1 "conv:4:2" takes images, but rows of 7 values are not s × s one-channel images: give their shape with --input-shape H,W,C/);
  });
});

describe('train --help', () => {
  it('documents every layer and its options within 80 columns', () => {
    const help = run('train', '--help').out;
    const wide = help.split('\n').filter((l) => [...l].length > 80);
    expect(wide).toEqual([]);
    for (const k of Object.values(LAYER_KINDS)) expect(help).toContain(k.form);
    expect(help).toContain('conv:32:3:relu:strides=2:padding=same');
    expect(help).toContain('--input-shape H,W,C');
  });

  it('its example is the layers --model cnn builds (fashionMnistCnn\'s) for 10 classes', () => {
    const lines = LAYERS_HELP.split('\n');
    const at = lines.findIndex((l) => l.includes('example (what --model cnn builds'));
    const example = lines.slice(at + 1).map((l) => l.trim()).join('');
    expect(parseLayers(example).layers).toEqual([...fashionMnistCnnBody, { type: 'dense', units: 10, activation: 'softmax' }]);
  });
});
