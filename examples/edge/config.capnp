# workerd configuration for the edge example:
#   node examples/edge/train.mjs && npx workerd serve examples/edge/config.capnp
#   curl -d '[[0, 0], [0.9, 0.9]]' http://127.0.0.1:8787/predict
using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [(name = "main", worker = .predictor)],
  sockets = [(name = "http", address = "127.0.0.1:8787", http = (), service = "main")],
);

const predictor :Workerd.Worker = (
  modules = [
    (name = "worker.js", esModule = embed "worker.js"),
    # What a bundler (wrangler: "workerd" condition) does with `import ... from 'dendrite'`:
    (name = "dendrite", esModule = embed "../../build/edge.js"),
    (name = "dendrite.wasm", wasm = embed "../../build/dendrite.wasm"),
    (name = "model.dnd", data = embed "model.dnd"),
  ],
  compatibilityDate = "2025-01-01",
);
