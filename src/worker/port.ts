// One small message-port shape over the two worker APIs: Web Workers (browsers, Deno) and Node's
// worker_threads. `node:worker_threads` is imported lazily so browser bundles never touch it.

export interface Port<In, Out> {
  post(message: Out, transfer?: Transferable[]): void;
  onMessage(handler: (message: In) => void): void;
  /** The worker failed to load or threw outside a handler (calling side only). */
  onError(handler: (error: Error) => void): void;
  terminate(): void;
}

/** Start the worker script: a module Web Worker where `Worker` is global, else a worker thread. */
export async function spawn<In, Out>(script: URL | string | Worker): Promise<Port<In, Out>> {
  if (typeof script === 'object' && !(script instanceof URL)) return webPort(script);
  if (typeof Worker === 'function') return webPort(new Worker(script, { type: 'module' }));
  const { Worker: NodeWorker } = await import('node:worker_threads');
  const w = new NodeWorker(typeof script === 'string' && !/^[a-z]+:/i.test(script) ? script : new URL(script));
  return {
    post: (m, t) => w.postMessage(m, t as never),
    onMessage: (h) => w.on('message', h),
    onError(h) {
      w.on('error', h);
      // Also code 0: a worker that ends without answering must not leave the caller waiting.
      w.on('exit', (code) => h(new Error(`training worker exited with code ${code} before it finished`)));
    },
    terminate: () => void w.terminate(),
  };
}

function webPort<In, Out>(w: Worker): Port<In, Out> {
  return {
    post: (m, t) => w.postMessage(m, t ?? []),
    onMessage: (h) => w.addEventListener('message', (e) => h((e as MessageEvent<In>).data)),
    onError(h) {
      w.addEventListener('error', (e) => {
        e.preventDefault();
        h(new Error(`training worker failed: ${(e as ErrorEvent).message || 'could not load the worker script'}`));
      });
      w.addEventListener('messageerror', () => h(new Error('training worker sent a message that could not be read')));
    },
    terminate: () => w.terminate(),
  };
}

/** Inside the worker: the port back to the thread that started it. */
export async function parentPort<In, Out>(): Promise<Port<In, Out>> {
  const scope = globalThis as unknown as { postMessage?: unknown; addEventListener?: unknown };
  if (typeof scope.postMessage === 'function' && typeof scope.addEventListener === 'function') {
    const self = globalThis as unknown as Worker;
    return {
      post: (m, t) => self.postMessage(m, t ?? []),
      onMessage: (h) => self.addEventListener('message', (e) => h((e as MessageEvent<In>).data)),
      onError: () => {},
      terminate: () => (globalThis as unknown as { close(): void }).close(),
    };
  }
  const { parentPort: port } = await import('node:worker_threads');
  if (!port) throw new Error('build/fit-worker.js must run as a worker (it is started by fitInWorker)');
  return {
    post: (m, t) => port.postMessage(m, t as never),
    onMessage: (h) => port.on('message', h),
    onError: () => {},
    terminate: () => port.close(),
  };
}
