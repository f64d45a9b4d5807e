// TF.js model files in tests: what TF.js' model.save hands an IO handler, as the two files
// (model.json, weights.bin), and an IO handler that gives tf.loadLayersModel those two files back.
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { expect } from 'vitest';
import type { TfjsModelJson } from '../../src/index.js';

/** A TF.js model saved through an IO handler, as model.json and weights.bin. */
export async function tfjsFiles(model: tfl.LayersModel, includeOptimizer = false): Promise<{ json: TfjsModelJson; bin: Uint8Array }> {
  let saved: tf.io.ModelArtifacts | undefined;
  await model.save(tf.io.withSaveHandler(async (a) => {
    saved = a;
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
  }), { includeOptimizer });
  const { modelTopology, weightSpecs, weightData, trainingConfig, format, generatedBy } = saved!;
  const json = { modelTopology, format, generatedBy, weightsManifest: [{ paths: ['weights.bin'], weights: weightSpecs }], trainingConfig } as unknown as TfjsModelJson;
  return { json, bin: new Uint8Array(weightData as ArrayBuffer) };
}

/** model.json + weights as tf.loadLayersModel sees them after reading the two files. */
export function tfjsHandler(modelJson: TfjsModelJson, weightData: Uint8Array): tf.io.IOHandler {
  return {
    load: async () => ({
      modelTopology: modelJson.modelTopology as never,
      weightSpecs: modelJson.weightsManifest.flatMap((g) => g.weights) as tf.io.WeightsManifestEntry[],
      weightData: weightData.slice().buffer,
      trainingConfig: modelJson.trainingConfig as never,
    }),
  };
}

/** Largest |a[i] − b[i]| (the lengths must agree). */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}
