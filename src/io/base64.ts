// Base64 for localStorage, with the runtime's btoa / atob (browsers, workers, Deno, Node ≥ 16)
// over "binary strings" built in chunks: one String.fromCharCode call per 32 KiB keeps well under
// engines' argument limits without a per-byte string concatenation.
const CHUNK = 0x8000;

export function toBase64(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i += CHUNK) binary += String.fromCharCode(...bytes.subarray(i, i + CHUNK));
  return btoa(binary);
}

/** The bytes, or undefined when `text` is not base64. */
export function fromBase64(text: string): Uint8Array | undefined {
  let binary: string;
  try {
    binary = atob(text);
  } catch {
    return undefined;
  }
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}
