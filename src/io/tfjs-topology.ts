// The layer list of an imported TF.js / Keras Sequential model as dendrite layer configs. Every
// layer config is read with snake_case keys and checked against its mapping before it is used:
// an option dendrite lacks (channels_first, causal padding, a constraint) is refused naming the
// layer and the option, never dropped. Activation-only layers are fused into a linear kernel layer
// right before them (how dendrite's exporter writes leakyRelu) or become activation layers. What a
// config asks of its input (normalisation and softmax axes) is checked once shapes are known.
import { ModelFileError } from '../errors.js';
import { layerFromConfig } from '../layers/index.js';
import type { LayerConfig } from '../layers/layer.js';
import { MAX_LAYERS, checkDepth } from './config-schema.js';
import type { ModelConfig, SavedLayer } from './model-file.js';
import { describe as shown } from './safetensors.js';
import { layerMappings } from './tfjs-layers.js';
import { type InputCheck, activationLayerClasses, activationLayerFromTfjs, checkOptions, lastAxis, snakeKeys } from './tfjs-values.js';

/** A check of the input of a layer: the output of layer `after` (-1: the model's input). */
interface ShapeCheck {
  after: number;
  check: InputCheck;
  where: string;
}

/** dendrite layer types an activation-only layer fuses into (when their activation is linear). */
const FUSES_INTO = ['dense', 'conv1d', 'conv2d', 'depthwiseConv2d', 'separableConv2d'];

/** Most dimensions of one sample (as a native file allows). */
const MAX_RANK = 8;

/** The layer list as dendrite configs; `fuse` maps each fused activation layer to the layer it joined. */
export function topology(t: unknown): { config: ModelConfig; fuse: Map<string, string>; checks: ShapeCheck[] } {
  if (!isObject(t)) throw new ModelFileError(`model.json has no modelTopology object (got ${shown(t)})`);
  checkDepth(t, 'model.json modelTopology', 24); // Keras nests initializer configs a few levels deeper than our files
  const top = isObject(t.model_config) ? t.model_config : t; // Keras-converted files nest it
  if (top.class_name !== 'Sequential') {
    throw new ModelFileError(`model.json holds a ${shown(top.class_name)} model; dendrite imports Sequential models`);
  }
  const cfg = top.config;
  const list = Array.isArray(cfg) ? cfg : isObject(cfg) ? cfg.layers : undefined;
  if (!Array.isArray(list)) throw new ModelFileError('model.json topology has no layer list');
  if (list.length > MAX_LAYERS) throw new ModelFileError(`model.json lists ${list.length} layers; dendrite reads at most ${MAX_LAYERS}`);
  const layers: SavedLayer[] = [];
  const fuse = new Map<string, string>();
  const checks: ShapeCheck[] = [];
  let inputShape: unknown;
  for (const [i, entry] of list.entries()) {
    if (!isObject(entry) || typeof entry.class_name !== 'string' || !isObject(entry.config)) {
      throw new ModelFileError(`layer ${i} of model.json must be { class_name, config }, got ${shown(entry)}`);
    }
    const cls = entry.class_name;
    const c = snakeKeys(entry.config);
    const name = typeof c.name === 'string' && c.name !== '' ? c.name : `layer_${i}`;
    const where = `layer ${shown(name)} (${shown(cls).slice(1, -1)})`;
    if (i === 0) inputShape = c.batch_input_shape ?? c.batch_shape ?? (Array.isArray(c.input_shape) ? [null, ...c.input_shape] : undefined);
    if (c.dtype !== undefined && c.dtype !== 'float32' && !(isObject(c.dtype) && isObject(c.dtype.config) && c.dtype.config.name === 'float32')) {
      throw new ModelFileError(`${where} has dtype ${shown(c.dtype)}; dendrite computes in float32`);
    }
    try {
      if (cls === 'InputLayer') {
        if (i > 0) throw new Error('an InputLayer can only come first in a Sequential model');
        checkOptions(c, { keys: [], fixed: { sparse: [false], ragged: [false] } });
        continue;
      }
      const activation = activationLayerFromTfjs(cls, c);
      if (activation !== undefined) {
        // Fused into a linear kernel layer right before it, else a dendrite activation layer.
        const prev = layers[layers.length - 1];
        const fused = cls !== 'Activation' && FUSES_INTO.includes(prev?.type) && prev.activation === 'linear';
        if (cls === 'Softmax') checks.push({ after: layers.length - 1, check: lastAxis(c.axis, 'Softmax'), where });
        if (fused) {
          prev.activation = activation;
          fuse.set(name, prev.name);
        } else {
          layers.push({ type: 'activation', name, activation });
        }
        continue;
      }
      const mapping = layerMappings.find((m) => m.classNames.includes(cls));
      if (!mapping) {
        const known = [...layerMappings.flatMap((m) => m.classNames), 'InputLayer', ...activationLayerClasses];
        throw new ModelFileError(`${where} is not supported; dendrite imports: ${[...new Set(known)].join(', ')}`);
      }
      checkOptions(c, mapping);
      const check = mapping.inputCheck?.(c);
      if (check) checks.push({ after: layers.length - 1, check, where });
      // A frozen layer stays frozen (Keras `trainable`); true is the default and is not written.
      layers.push({ type: mapping.type, name, ...mapping.fromTfjs(c), ...(c.trainable === false ? { trainable: false } : {}) });
    } catch (e) {
      if (e instanceof ModelFileError) throw e;
      throw new ModelFileError(`${where}: ${(e as Error).message}`);
    }
  }
  const shape = sampleShape(inputShape);
  const name = isObject(cfg) && typeof cfg.name === 'string' ? cfg.name : 'sequential';
  if (layers.length) layers[0].inputShape = shape;
  return { config: { name, inputShape: shape, layers }, fuse, checks };
}

/** One sample's shape from a batch input shape [null, ...dims]. */
function sampleShape(batchShape: unknown): number[] {
  const ok = Array.isArray(batchShape) && batchShape.length >= 2 && batchShape.length <= MAX_RANK + 1 &&
    batchShape.slice(1).every((d) => Number.isSafeInteger(d) && (d as number) >= 1);
  if (!ok) {
    throw new ModelFileError(`model.json must give the first layer (or an InputLayer) a batch input shape [null, ...dimensions] of 1 to ${MAX_RANK} positive dimensions, as [null, 784] or [null, 28, 28, 1]; got ${shown(batchShape)}`);
  }
  return (batchShape as number[]).slice(1);
}

/**
 * What the configs ask of their inputs' shapes (normalisation and softmax axes, spatial dropout's
 * channels), once they are known: shapes come from dendrite's own layers built from the checked
 * config (no wasm memory is touched).
 */
export function checkShapes(config: ModelConfig, checks: readonly ShapeCheck[]): void {
  if (checks.length === 0) return;
  const shapes = [config.inputShape];
  try {
    for (const l of config.layers) shapes.push(layerFromConfig(l as unknown as LayerConfig).computeOutputShape(shapes[shapes.length - 1]));
  } catch {
    return; // a config whose shapes do not chain: assembleModel names the layer
  }
  for (const { after, check, where } of checks) {
    const problem = check(shapes[after + 1]);
    if (problem) throw new ModelFileError(`${where}: ${problem}`);
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
