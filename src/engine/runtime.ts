// What differs between runtimes, in one place: where the wasm comes from and where the training
// worker script lives. Each entry (entries/node.ts for Node/Deno, entries/browser.ts, edge.ts, inline.ts)
// registers its hooks once, then re-exports the public API; everything else is the same core.
// The compiled WebAssembly.Module is kept so that training workers get the very same module by
// postMessage instead of loading the file again.
import { checkObject, describe } from '../check.js';
import { type EngineInfo, getEngine, setDefaultEngineOptions, setEngineSource } from './engine.js';
import { StateError, ValueError } from '../errors.js';
import { buildFeatures, wasmFileFor } from './builds.js';

/**
 * Anything the wasm can be loaded from: a compiled module, its bytes, a `fetch` Response (or a
 * promise of one), or a URL / path (browsers fetch it; Node and Deno read `file:` URLs and paths
 * from disk and fetch `http(s):`).
 */
export type WasmSource = WebAssembly.Module | BufferSource | Response | PromiseLike<Response> | URL | string;

export interface InitOptions {
  /**
   * Where to load `dendrite.wasm` from. Default: the file beside the entry's bundle (Node, Deno,
   * browsers: `new URL('./dendrite.wasm', import.meta.url)`), the imported module (edge), the
   * embedded bytes (inline entry).
   */
  wasm?: WasmSource;
  /**
   * Threads the kernels may use, the calling thread included (default 1: single-threaded). Capped
   * at the number of cores; where threads are impossible (no SharedArrayBuffer, a page's main
   * thread, edge workers) the engine stays single-threaded and `info().threadsReason` says why.
   * May be given again later to change the count. Results are bit-identical for any count.
   */
  threads?: number;
  /**
   * Load the baseline build even where relaxed SIMD is available (it is ≈ 15 % faster but rounds
   * differently): same seed ⇒ same weights in every runtime. Must come before the first model.
   * Default false.
   */
  deterministic?: boolean;
}

export interface RuntimeHooks {
  /** Names the entry in messages and `runtimeName()`. */
  name: 'node' | 'browser' | 'edge' | 'inline';
  /**
   * The module, synchronously, where the runtime can (Node reads the file; edge imports it).
   * `file` names the build to load (builds.ts: wasmFileFor), for entries that can choose.
   */
  loadSync?: (file: string) => WebAssembly.Module;
  /** Where `init()` loads from when given no `wasm`; `file` as for loadSync. */
  defaultWasm?: (file: string) => WasmSource;
  /** Bytes or a Response for a URL or path (browsers: fetch; Node: the file system or fetch). */
  fetch?: (location: URL | string) => Promise<Response | BufferSource>;
  /** URL of build/fit-worker.js for fitInWorker; absent where there are no workers (edge). */
  workerScript?: () => URL;
}

let hooks: RuntimeHooks | undefined;
let wasmModule: WebAssembly.Module | undefined;
/** Set once the default engine has been instantiated from `wasmModule`. */
let engineCreated = false;
let deterministic = false;

/** The build file this runtime should load (builds.ts). */
function buildFile(): string {
  return wasmFileFor(buildFeatures({ deterministic }));
}

/** Called once by each entry before it re-exports the API. */
export function registerRuntime(h: RuntimeHooks): void {
  hooks = h;
  setEngineSource(() => {
    const m = currentModule();
    engineCreated = true;
    return m;
  });
}

/** Which entry is running ('node', 'browser', 'edge', 'inline'), or undefined from source. */
export function runtimeName(): RuntimeHooks['name'] | undefined {
  return hooks?.name;
}

/** The compiled module the default engine uses (loading it synchronously if the runtime can). */
export function currentModule(): WebAssembly.Module {
  if (wasmModule) return wasmModule;
  if (!hooks?.loadSync) {
    throw new StateError(
      hooks?.name === 'browser'
        ? 'the WebAssembly module is not loaded yet: in browsers call `await init()` (or `await init({ wasm: url })`) once before creating models'
        : 'no WebAssembly module registered: import dendrite through its package entry (e.g. "dendrite"), or call `await init({ wasm })`',
    );
  }
  return (wasmModule = hooks.loadSync(buildFile()));
}

/** The training worker script of this entry, or undefined where workers do not exist. */
export function workerScriptUrl(): URL | undefined {
  return hooks?.workerScript?.();
}

/**
 * Load and compile the wasm (streaming where the runtime can) and create the default engine.
 * Required once in browsers before the first model; optional elsewhere (Node, Deno, edge and the
 * inline entry load synchronously on first use). Calling it again without `wasm` is a no-op.
 * Resolves with `engine.info()`.
 */
export async function init(options: InitOptions = {}): Promise<EngineInfo> {
  checkObject(options, 'init()', ['wasm', 'threads', 'deterministic'], false);
  const { wasm, threads } = options;
  if (threads !== undefined && (typeof threads !== 'number' || !Number.isSafeInteger(threads) || threads < 1)) {
    throw new ValueError(`init({ threads }) takes a positive integer, got ${describe(threads)}`);
  }
  if (options.deterministic !== undefined && typeof options.deterministic !== 'boolean') {
    throw new ValueError(`init({ deterministic }) takes a boolean, got ${describe(options.deterministic)}`);
  }
  if (options.deterministic && !deterministic && engineCreated && getEngine().info().build !== 'simd128') {
    throw new StateError('init({ deterministic: true }) must be called before the first model or engine is created: the default engine already runs the relaxed-SIMD build');
  }
  if (options.deterministic !== undefined && !engineCreated) {
    deterministic = options.deterministic;
    setDefaultEngineOptions({ deterministic });
  }
  if (wasm !== undefined && !isWasmSource(wasm)) {
    throw new ValueError(`init({ wasm }) takes a WebAssembly.Module, bytes, a Response, a URL or a path, got ${describe(wasm)}`);
  }
  if (wasm !== undefined && engineCreated) {
    throw new StateError('init({ wasm }) must be called before the first model or engine is created: the default engine already runs another module');
  }
  if (wasm !== undefined || (!wasmModule && !engineCreated)) {
    const source = wasm ?? hooks?.defaultWasm?.(buildFile());
    if (source !== undefined) wasmModule = await compile(source);
  }
  if (threads !== undefined) return getEngine().setThreads(threads);
  return getEngine().info();
}

/** Compile any WasmSource into a module. */
export async function compile(source: WasmSource): Promise<WebAssembly.Module> {
  const s = await source;
  if (s instanceof WebAssembly.Module) return s;
  if (s instanceof ArrayBuffer || ArrayBuffer.isView(s)) return WebAssembly.compile(s);
  if (typeof Response !== 'undefined' && s instanceof Response) return compileResponse(s, s.url);
  if (typeof s === 'string' || s instanceof URL) {
    const fetchFn = hooks?.fetch ?? ((u: URL | string) => fetch(u));
    const got = await fetchFn(s);
    return got instanceof Response ? compileResponse(got, String(s)) : WebAssembly.compile(got);
  }
  throw new ValueError(`init({ wasm }) takes a WebAssembly.Module, bytes, a Response, a URL or a path, got ${describe(s)}`);
}

function isWasmSource(s: unknown): boolean {
  return (
    s instanceof WebAssembly.Module || s instanceof ArrayBuffer || ArrayBuffer.isView(s) || typeof s === 'string' || s instanceof URL ||
    (typeof Response !== 'undefined' && s instanceof Response) || typeof (s as PromiseLike<unknown> | null)?.then === 'function'
  );
}

async function compileResponse(response: Response, where: string): Promise<WebAssembly.Module> {
  if (!response.ok) throw new ValueError(`could not load the wasm from ${where}: HTTP ${response.status} ${response.statusText}`.trimEnd());
  // Streaming compile overlaps download and compilation, but needs the right MIME type.
  const type = response.headers.get('content-type') ?? '';
  if (typeof WebAssembly.compileStreaming === 'function' && type.split(';')[0].trim() === 'application/wasm') {
    return WebAssembly.compileStreaming(response);
  }
  return WebAssembly.compile(await response.arrayBuffer());
}
