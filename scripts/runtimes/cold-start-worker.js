// workerd side of the cold-start measurement (see scripts/cold-start.mjs). Timers do not advance
// inside a workerd request (a Spectre mitigation), so the caller times the requests: the first
// one builds the reference MLP and predicts, later ones only predict.
import { dense, sequential } from 'dendrite';

let model;

export default {
  async fetch(request) {
    if (new URL(request.url).pathname === '/ready') return new Response('ready'); // startWorkerd's probe
    const cold = model === undefined;
    model ??= sequential([
      dense({ units: 256, activation: 'relu', inputShape: [784] }),
      dense({ units: 128, activation: 'relu' }),
      dense({ units: 10, activation: 'softmax' }),
    ]);
    const out = model.predict(new Float32Array(784).fill(0.5));
    return Response.json({ cold, classes: out.shape[1] });
  },
};
