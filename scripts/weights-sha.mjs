// SHA-256 of a model file's weights (every tensor of getWeights, in order, as little-endian f32
// bytes): the fingerprint that a refactor must leave unchanged after the README's reference run.
// usage: node scripts/weights-sha.mjs MODEL.dnd [...]
import { createHash } from 'node:crypto';
import { loadModel } from '../build/index.js';

for (const path of process.argv.slice(2)) {
  const model = await loadModel(path);
  const hash = createHash('sha256');
  for (const w of model.getWeights()) hash.update(new Uint8Array(w.data.buffer, w.data.byteOffset, w.data.byteLength));
  console.log(`${hash.digest('hex')}  ${path}`);
  model.dispose();
}
