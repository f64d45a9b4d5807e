// An edge worker (Cloudflare workerd) that serves predictions of a saved model over HTTP.
// `dendrite` resolves to its edge entry, which imports dendrite.wasm as a WebAssembly.Module
// (workerd refuses to compile bytes at run time); the model file is bundled as bytes.
//   POST /predict  [[x1, x2], ...]  →  { "predictions": [[p0, p1], ...], "classes": [c, ...] }
//   GET  /info                      →  the model summary and the engine
import { modelFromBytes } from 'dendrite';
import modelFile from './model.dnd';

let model; // created on the first request: module scope in workerd is for setup without I/O

export default {
  async fetch(request) {
    model ??= modelFromBytes(new Uint8Array(modelFile));
    const { pathname } = new URL(request.url);
    if (pathname === '/predict' && request.method === 'POST') {
      let rows;
      try {
        rows = await request.json();
        const out = model.predict(rows);
        return Response.json({ predictions: out.toArray(), classes: Array.from(out.argMax()) });
      } catch (e) {
        return Response.json({ error: `${e.name}: ${e.message}` }, { status: 400 });
      }
    }
    if (pathname === '/info') {
      return Response.json({ summary: model.summary({ print: false }), engine: model.engine.info() });
    }
    return new Response('POST /predict with a JSON array of rows, or GET /info\n', { status: 404 });
  },
};
