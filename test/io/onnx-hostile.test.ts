// Hostile .onnx files, one defence each: lengths and counts beyond the bytes that remain, tensors
// claiming more values than they hold or keeping them elsewhere, malformed varints and wire
// types, foreign files. Each is a ModelFileError naming the problem, before any large allocation.
import { describe, expect, it } from 'vitest';
import { fromOnnx } from '../../src/index.js';
import { concat, Message, varint } from '../../src/io/protobuf.js';
import { onnxModel, refusal, tensor } from '../helpers/onnx-build.js';


const relu = [{ op: 'Relu', inputs: ['input'], outputs: ['output'] }];
/** A graph message whose one initializer is `t`. */
const withTensor = (t: Message) => onnxModel({ nodes: relu, initializers: [t] });

describe('hostile ONNX files', () => {
  it.each<[string, () => Uint8Array, RegExp]>([
    ['a length of 2^62 in a 12-byte file', () => concat([Uint8Array.of(0x3a), varint(2n ** 62n), Uint8Array.of(1, 2)]), /ONNX model is malformed at byte \d+: length \d+ is not valid|needs \d+ bytes but 2 remain/],
    ['a graph whose length runs past the end', () => onnxModel({ nodes: relu }).slice(0, 40), /malformed at byte \d+: a field of length \d+ needs \d+ bytes but \d+ remain/],
    ['a varint of 11 bytes', () => concat([Uint8Array.of(0x08), new Uint8Array(10).fill(0xff), Uint8Array.of(1)]), /a varint is longer than (64 bits|10 bytes)/],
    ['a protobuf group', () => Uint8Array.of(0xf3, 0x01, 0xf4, 0x01), /wire type 3 is not one ONNX writes/],
    ['packed floats of 7 bytes', () => withTensor(new Message().varint(1, 2).varint(2, 1).string(8, 'w').bytesField(4, new Uint8Array(7))), /packed floats of 7 bytes/],
    ['a tensor claiming 2^62 values in 4 bytes', () => withTensor(new Message().varint(1, 2n ** 31n).varint(1, 2n ** 31n).varint(2, 1).string(8, 'big').bytesField(9, new Uint8Array(4))),
      /tensor "big" has dims \[2147483648, 2147483648\] \(4611686018427388000 values\) but holds 1 \(4 bytes\)/],
    ['a tensor of 9 dimensions', () => withTensor(tensor('deep', [1, 1, 1, 1, 1, 1, 1, 1, 1], [1])), /tensor "deep" has dims \[1, 1, 1, 1, 1, 1, 1, 1, 1\]; expected at most 8/],
    ['a negative dim', () => withTensor(new Message().varint(1, 2n ** 64n - 1n).varint(2, 1).string(8, 'neg')), /tensor "neg" has dims \[-1\]/],
    ['external data', () => withTensor(tensor('w', [1], [1]).varint(14, 1).message(13, new Message().string(1, 'location').string(2, 'weights.bin'))),
      /tensor "w" keeps its data in an external file/],
    ['an int64 tensor of 10,000 values', () => withTensor(tensor('shape', [10_000], new Array(10_000).fill(1), true)), /integer tensor of 10000 values; dendrite reads integer tensors \(shapes, pads\) of at most 4096/],
    ['a file that is not ONNX', () => new TextEncoder().encode('{"format": "layers-model"}'), /ONNX model is malformed|not an ONNX model/],
    ['an empty file', () => new Uint8Array(0), /not an ONNX model: the file has no graph/],
    ['a model without the default operator set', () => new Message().message(7, new Message().string(2, 'g')).bytes(), /imports no version of the default operator set/],
  ])('%s', (_, make, message) => {
    expect(refusal(make())).toMatch(message);
  });

  it('fromOnnx refuses what is not bytes with a ValueError', () => {
    expect(() => fromOnnx('model.onnx' as never)).toThrow(/fromOnnx takes the bytes of an .onnx file \(Uint8Array or ArrayBuffer\), got/);
  });
});
