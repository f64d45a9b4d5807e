// What the ONNX import refuses of Resize and Upsample, each a ModelFileError naming the node, the
// attribute or input and its value, and what dendrite supports: other modes, scales that are not
// an integer upscale of height and width, and hostile scales and sizes (missing, wrong length,
// zero, negative, NaN, huge, not a multiple, of the wrong type, computed in the graph).
import { describe, expect, it } from 'vitest';
import { type NodeSpec, onnxModel, refusal, tensor } from '../helpers/onnx-build.js';

const f32 = (name: string, v: number[]) => tensor(name, [v.length], v);
const i64 = (name: string, v: number[]) => tensor(name, [v.length], v, true);

/** input (batch, 2, 3, 4) → one Resize node "up" with the given inputs after X. */
function graph(inputs: string[], attrs: NodeSpec['attrs'] = {}, initializers = [f32('S', [1, 1, 2, 2])], opset = 13, input: (number | string)[] = ['batch', 2, 3, 4], op = 'Resize') {
  return onnxModel({ input, opset, initializers, nodes: [{ op, name: 'up', inputs: ['input', ...inputs], outputs: ['output'], attrs }] });
}
const scales = (s: number[], opset = 13) => graph(['', 'S'], {}, [f32('S', s)], opset);
const sizes = (s: number[], input: (number | string)[] = [2, 2, 3, 4]) => graph(['', '', 'Z'], {}, [i64('Z', s)], 13, input);

describe('Resize and Upsample refused, naming node, attribute and value', () => {
  it.each<[string, () => Uint8Array, RegExp]>([
    // modes
    ['align_corners, nearest', () => graph(['', 'S'], { coordinate_transformation_mode: 'align_corners', nearest_mode: 'floor' }),
      /^ONNX node "up" \(Resize\): attributes coordinate_transformation_mode \+ nearest_mode = align_corners \+ floor are not supported: only asymmetric \+ floor, half_pixel \+ round_prefer_floor, .* read input ⌊i \/ scale⌋$/],
    ['tf_crop_and_resize, linear', () => graph(['R', 'S'], { mode: 'linear', coordinate_transformation_mode: 'tf_crop_and_resize' }, [f32('S', [1, 1, 2, 2]), f32('R', [0, 0, 0, 0, 1, 1, 1, 1])]),
      /^ONNX node "up" \(Resize\): mode=linear with coordinate_transformation_mode=tf_crop_and_resize is not supported: only half_pixel, pytorch_half_pixel, half_pixel_symmetric$/],
    ['asymmetric linear', () => graph(['', 'S'], { mode: 'linear', coordinate_transformation_mode: 'asymmetric' }), /mode=linear with coordinate_transformation_mode=asymmetric is not supported/],
    ['an unknown mode', () => graph(['', 'S'], { mode: 'bilinear' }), /^ONNX node "up" \(Resize\): attribute mode=bilinear is not supported: only nearest, linear$/],
    ['an unknown coordinate mode', () => graph(['', 'S'], { coordinate_transformation_mode: 'halfpixel' }), /coordinate_transformation_mode \+ nearest_mode = halfpixel \+ round_prefer_floor are not supported: only/],
    ['an unknown nearest_mode', () => graph(['', 'S'], { nearest_mode: 'round' }), /coordinate_transformation_mode \+ nearest_mode = half_pixel \+ round are not supported: only/],
    ['a mode of the wrong type', () => graph(['', 'S'], { mode: 2 }), /^ONNX node "up" \(Resize\): attribute mode is of type int; expected string/],
    ['an opset-18 attribute at opset 13', () => graph(['', 'S'], { antialias: 0 }), /^ONNX node "up" \(Resize\): attribute "antialias" is not supported \(dendrite reads coordinate_transformation_mode, /],
    ['Resize-11 attributes at opset 10', () => graph(['S'], { coordinate_transformation_mode: 'asymmetric' }, undefined, 10), /attribute "coordinate_transformation_mode" is not supported \(dendrite reads mode\)/],
    ['a bad keep_aspect_ratio_policy', () => graph(['', '', 'Z'], { keep_aspect_ratio_policy: 'fit', axes: [2, 3] }, [i64('Z', [6, 8])], 18), /^ONNX node "up" \(Resize\): attribute keep_aspect_ratio_policy=fit is not supported: only stretch, not_larger, not_smaller$/],
    // scales
    ['a non-integer scale', () => scales([1, 1, 1.5, 2]), /^ONNX node "up" \(Resize\): its scales \[1,1,1.5,2\] are not supported: only whole upscales of height and width, \[1, 1, sh, sw\]$/],
    ['downscaling', () => scales([1, 1, 0.5, 0.5]), /its scales \[1,1,0.5,0.5\] are not supported/],
    ['a scale on the batch', () => scales([2, 1, 2, 2]), /its scales \[2,1,2,2\] are not supported: only whole upscales of height and width, \[1, 1, sh, sw\]/],
    ['a scale on the channels', () => scales([1, 3, 1, 1]), /its scales \[1,3,1,1\] are not supported/],
    ['a zero scale', () => scales([1, 1, 0, 2]), /its scales \[1,1,0,2\] are not supported/],
    ['a negative scale', () => scales([1, 1, -2, 2]), /its scales \[1,1,-2,2\] are not supported/],
    ['a NaN scale', () => scales([1, 1, NaN, 2]), /^ONNX node "up" \(Resize\): its scales "S" holds NaN at index 2/],
    ['an infinite scale', () => scales([1, 1, Infinity, 2]), /its scales "S" holds Infinity at index 2/],
    ['a huge scale', () => scales([1, 1, 2 ** 20, 2]), /^ONNX node "up" \(Resize\): its output of 3145728×8 is larger than 65536 on a side$/],
    ['a scale of 3e38', () => scales([1, 1, 3e38, 3e38]), /its output of 9\.0+\d+e\+38×1\.20+\d+e\+39 is larger than 65536 on a side/],
    ['3 scales (a 3-D resize)', () => scales([1, 1, 2]), /^ONNX node "up" \(Resize\): its scales "S" has shape \[3\], expected \[4\]/],
    ['5 scales (a 5-D resize)', () => scales([1, 1, 2, 2, 2]), /its scales "S" has shape \[5\], expected \[4\]/],
    ['scales as int64', () => graph(['', 'S'], {}, [i64('S', [1, 1, 2, 2])]), /its scales "S" is int64; dendrite reads float32/],
    ['scales computed in the graph', () => onnxModel({ input: ['batch', 2, 3, 4], initializers: [f32('S', [1, 1, 2, 2])],
      nodes: [{ op: 'Relu', inputs: ['S'], outputs: ['S2'] }, { op: 'Resize', name: 'up', inputs: ['input', '', 'S2'], outputs: ['output'] }] }),
    /^ONNX node "up" \(Resize\): its input "S2" \(input 2\) is computed in the graph; dendrite needs it as a constant/],
    ['no scales and no sizes', () => graph([]), /^ONNX node "up" \(Resize\): needs either scales or sizes, got neither \(missing or empty\)$/],
    ['empty scales and no sizes at opset 11', () => graph(['R', 'S'], {}, [f32('R', []), f32('S', [])], 11), /needs either scales or sizes, got neither/],
    ['both scales and sizes', () => graph(['', 'S', 'Z'], {}, [f32('S', [1, 1, 2, 2]), i64('Z', [2, 2, 6, 8])], 13, [2, 2, 3, 4]), /^ONNX node "up" \(Resize\): needs either scales or sizes, got both$/],
    // sizes
    ['sizes not a multiple', () => sizes([2, 2, 7, 8]), /^ONNX node "up" \(Resize\): its sizes \[2,2,7,8\] \(scales \[1,1,2.33333,2\]\) are not supported: only whole upscales of height and width, \[1, 1, sh, sw\]$/],
    ['sizes smaller', () => sizes([2, 2, 3, 2]), /its sizes \[2,2,3,2\] \(scales \[1,1,1,0.5\]\) are not supported/],
    ['sizes of zero', () => sizes([2, 2, 0, 8]), /its sizes \[2,2,0,8\]/],
    ['negative sizes', () => sizes([2, 2, -6, 8]), /its sizes \[2,2,-6,8\]/],
    ['sizes changing the channels', () => sizes([2, 4, 6, 8]), /its sizes \[2,4,6,8\] \(scales \[1,2,2,2\]\) are not supported/],
    ['sizes fixing a batch that is not fixed', () => sizes([1, 2, 6, 8], ['batch', 2, 3, 4]), /^ONNX node "up" \(Resize\): its sizes \[1,2,6,8\] \(scales \[NaN,1,2,2\]\) are not supported/],
    ['sizes changing a fixed batch', () => sizes([4, 2, 6, 8]), /its sizes \[4,2,6,8\] \(scales \[2,1,2,2\]\) are not supported/],
    ['3 sizes', () => sizes([2, 6, 8]), /^ONNX node "up" \(Resize\): its sizes \[2,6,8\] must hold 4 values$/],
    ['sizes as float', () => graph(['', '', 'Z'], {}, [f32('Z', [2, 2, 6, 8])]), /its sizes must be an int64 tensor, got float32/],
    ['huge sizes', () => sizes([2, 2, 3 * 2 ** 40, 8]), /its output of 3298534883328×8 is larger than 65536 on a side/],
    // axes (opset 18)
    ['axes out of range', () => graph(['', 'S'], { axes: [2, 4] }, [f32('S', [2, 2])], 18), /^ONNX node "up" \(Resize\): attribute axes=\[2,4\] must be distinct axes in \[-4, 3\]$/],
    ['repeated axes', () => graph(['', 'S'], { axes: [3, -1] }, [f32('S', [2, 2])], 18), /attribute axes=\[3,-1\] must be distinct/],
    ['scales not matching axes', () => graph(['', 'S'], { axes: [2, 3] }, [f32('S', [1, 1, 2, 2])], 18), /its scales "S" has shape \[4\], expected \[2\]/],
    ['a Shape → Slice → Concat sizes that is not PyTorch\'s [batch, channels] + [h, w]', () => onnxModel({
      input: ['batch', 2, 3, 4], initializers: [i64('b', [0]), i64('e', [3]), i64('hw', [6])],
      nodes: [{ op: 'Shape', inputs: ['input'], outputs: ['s'] }, { op: 'Slice', inputs: ['s', 'b', 'e'], outputs: ['nc'] },
        { op: 'Concat', inputs: ['nc', 'hw'], outputs: ['z'], attrs: { axis: 0 } }, { op: 'Resize', name: 'up', inputs: ['input', '', '', 'z'], outputs: ['output'] }],
    }), /^ONNX value "input" feeds 2 nodes \("n0" \(Shape\), "up" \(Resize\)\); dendrite imports sequential graphs/],
    // where it applies
    ['Resize of a matrix', () => graph(['', 'S'], {}, undefined, 13, ['batch', 4]), /^ONNX node "up" \(Resize\): Resize is supported on the height and width of an image, got a \(batch, features\) matrix/],
    // Upsample
    ['Upsample-7 without scales', () => graph([], { mode: 'nearest' }, [], 7, undefined, 'Upsample'), /^ONNX node "up" \(Upsample\): attribute scales=\[\] must hold 4 values$/],
    ['Upsample-7 scales of the wrong length', () => graph([], { scales: { floats: [2, 2] } }, [], 7, undefined, 'Upsample'), /^ONNX node "up" \(Upsample\): attribute scales=\[2,2\] must hold 4 values$/],
    ['Upsample-8 NaN scales', () => graph([], { scales: { floats: [1, 1, NaN, 2] } }, [], 8, undefined, 'Upsample'), /^ONNX node "up" \(Upsample\): its scales \[1,1,NaN,2\] are not supported/],
    ['Upsample-9 scales attribute', () => graph(['S'], { scales: { floats: [1, 1, 2, 2] } }, undefined, 9, undefined, 'Upsample'), /^ONNX node "up" \(Upsample\): attribute "scales" is not supported \(dendrite reads mode\)/],
    ['Upsample-9 without its scales input', () => graph([], {}, [], 9, undefined, 'Upsample'), /^ONNX node "up" \(Upsample\): needs either scales or sizes, got neither/],
    ['Upsample mode cubic', () => graph(['S'], { mode: 'cubic' }, undefined, 9, undefined, 'Upsample'), /^ONNX node "up" \(Upsample\): attribute mode=cubic is not supported: only nearest, linear$/],
  ])('%s', (_, make, message) => {
    expect(refusal(make())).toMatch(message);
  });
});
