// Module declarations for the two ways a bundle gets the wasm without reading a file.

/** build/dendrite.wasm imported as a compiled module (edge entry; kept as an import by esbuild). */
declare module '*.wasm' {
  const module: WebAssembly.Module;
  export default module;
}

/** build/dendrite.wasm embedded by scripts/build.mjs as one char (U+0000–U+00FF) per byte (inline entry). */
declare module 'dendrite:wasm-latin1' {
  const latin1: string;
  export default latin1;
}
