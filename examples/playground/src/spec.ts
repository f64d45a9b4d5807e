// The "Layers" field: a comma-separated list such as "256:relu, dropout:0.2, 128:relu, 10:softmax"
// or "conv:32:3:relu, maxpool:2, flatten, 128:relu, 10:softmax", turned into the library's layers.
// Every mistake is reported with the item it is about.
import {
  type ActivationName,
  activationNames,
  adagrad,
  adam,
  adamax,
  adamw,
  averagePooling2d,
  batchNormalization,
  conv2d,
  dense,
  dropout,
  flatten,
  type Layer,
  layerNormalization,
  maxPooling2d,
  nadam,
  type Optimizer,
  type OptimizerName,
  rmsprop,
  sequential,
  type Sequential,
  sgd,
} from 'dendrite';

/** The presets of the "Model" field: the form values each sets. */
export const PRESETS = {
  mlp: { layers: '256:relu, 128:relu, 10:softmax', rows: 60000, epochs: 5 },
  // The recipe CNN (fashionMnistCnn: the TensorFlow.js tutorial's with batch norm and dropout): ≈ 30× the MLP's work per image, so a subset.
  cnn: { layers: 'conv:32:3:relu, maxpool:2, batchnorm:0.9, conv:64:3:relu, maxpool:2, batchnorm:0.9, flatten, dropout:0.25, 128:relu, dropout:0.4, 10:softmax', rows: 10000, epochs: 3 },
};

const HELP = 'expected units:activation (256:relu), dropout:rate, batchnorm[:momentum], layernorm, conv:filters:size[:activation] (conv:32:3:relu), maxpool:size, avgpool:size or flatten';

/**
 * Parse `text` into layers for `height`×`width` grey images and `classes` classes. Items:
 * `units[:activation]` (a dense layer; linear when no activation is given), `dropout:rate`,
 * `batchnorm[:momentum]` (Keras' default 0.99), `layernorm`, `conv:filters:size[:activation]` (a 2-D convolution, size×size,
 * stride 1, no padding), `maxpool:size`, `avgpool:size`, `flatten`. A model that starts with a
 * convolution, pooling or flatten sees each image as [height, width, 1]; one that starts with a
 * dense layer as [height·width]. The last item must be `<classes>:softmax`, which meets the
 * cross-entropy loss in one fused kernel.
 */
export function parseLayers(text: string, height: number, width: number, classes: number): Layer[] {
  const items = text.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (items.length === 0) throw new Error(`no layers: write e.g. "256:relu, ${classes}:softmax"`);
  const spatialItem = (item: string) => /^(conv|maxpool|avgpool)\s*(:|$)/.test(item);
  // Images stay [h, w, c] until a flatten; a dense layer before it would classify every pixel.
  let images = spatialItem(items[0]) || items[0] === 'flatten';
  const layers: Layer[] = items.map((item, i) => {
    const first = i === 0 ? { inputShape: images ? [height, width, 1] : [height * width] } : {};
    if (spatialItem(item) && !images) throw new Error(`"${item}": convolutions and pooling work on images: put them before flatten and the dense layers`);
    if (/^\d/.test(item) && images) throw new Error(`"${item}": a dense layer after convolutions needs a flatten before it, as in "maxpool:2, flatten, ${item}"`);
    if (item === 'flatten') images = false;
    return parseItem(item, first);
  });
  const last = items[items.length - 1];
  if (last.replace(/\s/g, '') !== `${classes}:softmax`) throw new Error(`the last layer must be ${classes}:softmax (one probability per class), got "${last}"`);
  return layers;
}

function parseItem(item: string, first: { inputShape?: number[] }): Layer {
  const [head, ...args] = item.split(':').map((s) => s.trim());
  const [arg] = args;
  const count = (n: number, example: string) => {
    if (args.length > n) throw new Error(`"${item}": too many ":" parts; write it as ${example}`);
  };
  const whole = (text: string | undefined, what: string, max: number, example: string) => {
    const v = Number(text);
    if (text === undefined || !/^\d+$/.test(text) || v < 1 || v > max) throw new Error(`"${item}": ${what} must be a whole number from 1 to ${max}, as in ${example}`);
    return v;
  };
  const activationOf = (name = 'linear') => {
    if (!activationNames.includes(name as ActivationName)) throw new Error(`"${item}": unknown activation "${name}"; expected one of: ${activationNames.join(', ')}`);
    return name as ActivationName;
  };
  if (/^\d+$/.test(head)) {
    count(1, '256:relu');
    const units = whole(head, 'units', 8192, '256:relu');
    return dense({ units, activation: activationOf(arg), ...first });
  }
  if (head === 'dropout') {
    count(1, 'dropout:0.2');
    const rate = Number(arg);
    if (arg === undefined || arg === '' || !(rate >= 0 && rate < 1)) throw new Error(`"${item}": dropout needs a rate in [0, 1), as in dropout:0.2`);
    return dropout({ rate, ...first });
  }
  if (head === 'conv') {
    count(3, 'conv:32:3:relu');
    const filters = whole(args[0], 'filters', 512, 'conv:32:3:relu');
    const kernelSize = whole(args[1], 'the window size', 28, 'conv:32:3:relu');
    return conv2d({ filters, kernelSize, activation: activationOf(args[2]), ...first });
  }
  if (head === 'maxpool' || head === 'avgpool') {
    count(1, `${head}:2`);
    const poolSize = whole(arg, 'the pool size', 28, `${head}:2`);
    return (head === 'maxpool' ? maxPooling2d : averagePooling2d)({ poolSize, ...first });
  }
  if (args.length === 0 && head === 'flatten') return flatten(first);
  if (head === 'batchnorm') {
    count(1, 'batchnorm:0.9');
    const momentum = arg === undefined ? 0.99 : Number(arg);
    if (arg === '' || !(momentum >= 0 && momentum < 1)) throw new Error(`"${item}": batchnorm's momentum must be in [0, 1), as in batchnorm:0.9`);
    return batchNormalization({ momentum, ...first });
  }
  if (args.length === 0 && head === 'layernorm') return layerNormalization(first);
  throw new Error(`"${item}": ${HELP}`);
}

const OPTIMIZERS: Record<OptimizerName, (o: { learningRate: number }) => Optimizer> = { sgd, adam, adamw, adamax, nadam, rmsprop, adagrad };
export const optimizerChoices = Object.keys(OPTIMIZERS) as OptimizerName[];

/** A new compiled model from the form's choices. */
export function makeModel(layersText: string, height: number, width: number, classes: number, optimizer: OptimizerName, learningRate: number): Sequential {
  const model = sequential(parseLayers(layersText, height, width, classes), { name: 'playground' });
  model.compile({ optimizer: OPTIMIZERS[optimizer]({ learningRate }), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  return model;
}
