// What the model-file fuzz runs share: a seeded generator, the file split into its header object
// and data section and put back together, and every place in a JSON tree a mutation can touch.

/** Seeded generator (mulberry32), so a failing case can be replayed by its trial number. */
export function mulberry32(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), seed | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A safetensors file's header (parsed) and data section. */
export function split(bytes: Uint8Array): { header: Record<string, any>; data: Uint8Array } {
  const n = new DataView(bytes.buffer, bytes.byteOffset).getUint32(0, true);
  return { header: JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n))), data: bytes.subarray(8 + n) };
}

/** Re-encode a file from its header object and data section (keeps the 8-byte framing right). */
export function reframe(header: unknown, data: Uint8Array): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setUint32(0, json.length, true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

/** Every [container, key] reachable in a JSON tree. */
export function slots(v: unknown, out: [any, string | number][] = []): [any, string | number][] {
  if (v && typeof v === 'object') {
    for (const k of Object.keys(v)) {
      out.push([v, Array.isArray(v) ? Number(k) : k]);
      slots((v as any)[k], out);
    }
  }
  return out;
}
