// The "Layers" field: a comma-separated list such as "256:relu, dropout:0.2, 128:relu, 10:softmax",
// turned into the library's layers. Every mistake is reported with the item it is about.
import {
  type ActivationName,
  activationNames,
  adagrad,
  adam,
  adamax,
  adamw,
  batchNormalization,
  dense,
  dropout,
  type Layer,
  layerNormalization,
  nadam,
  type Optimizer,
  type OptimizerName,
  rmsprop,
  sequential,
  type Sequential,
  sgd,
} from 'dendrite';

/**
 * Parse `text` into layers for `inputs` features and `classes` classes. Items: `units[:activation]`
 * (a dense layer; linear when no activation is given), `dropout:rate`, `batchnorm`, `layernorm`.
 * The last item must be `<classes>:softmax`, which meets the cross-entropy loss in one fused kernel.
 */
export function parseLayers(text: string, inputs: number, classes: number): Layer[] {
  const items = text.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (items.length === 0) throw new Error(`no layers: write e.g. "256:relu, ${classes}:softmax"`);
  const layers: Layer[] = items.map((item, i) => {
    const [head, arg, extra] = item.split(':').map((s) => s.trim());
    const first = i === 0 ? { inputShape: [inputs] } : {};
    if (extra !== undefined) throw new Error(`"${item}": one ":" at most, as in 256:relu or dropout:0.2`);
    if (/^\d+$/.test(head)) {
      const units = Number(head);
      if (units < 1 || units > 8192) throw new Error(`"${item}": units must be between 1 and 8192, got ${units}`);
      const activation = (arg ?? 'linear') as ActivationName;
      if (!activationNames.includes(activation)) throw new Error(`"${item}": unknown activation "${arg}"; expected one of: ${activationNames.join(', ')}`);
      return dense({ units, activation, ...first });
    }
    if (head === 'dropout') {
      const rate = Number(arg);
      if (arg === undefined || arg === '' || !(rate >= 0 && rate < 1)) throw new Error(`"${item}": dropout needs a rate in [0, 1), as in dropout:0.2`);
      return dropout({ rate, ...first });
    }
    if ((head === 'batchnorm' || head === 'layernorm') && arg === undefined) return head === 'batchnorm' ? batchNormalization(first) : layerNormalization(first);
    throw new Error(`"${item}": expected units:activation (256:relu), dropout:rate, batchnorm or layernorm`);
  });
  const last = items[items.length - 1];
  if (last.replace(/\s/g, '') !== `${classes}:softmax`) throw new Error(`the last layer must be ${classes}:softmax (one probability per class), got "${last}"`);
  return layers;
}

const OPTIMIZERS: Record<OptimizerName, (o: { learningRate: number }) => Optimizer> = { sgd, adam, adamw, adamax, nadam, rmsprop, adagrad };
export const optimizerChoices = Object.keys(OPTIMIZERS) as OptimizerName[];

/** A new compiled model from the form's choices. */
export function makeModel(layersText: string, inputs: number, classes: number, optimizer: OptimizerName, learningRate: number): Sequential {
  const model = sequential(parseLayers(layersText, inputs, classes), { name: 'playground' });
  model.compile({ optimizer: OPTIMIZERS[optimizer]({ learningRate }), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  return model;
}
