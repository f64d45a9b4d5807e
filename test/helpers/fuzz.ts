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

/** What a structural mutator draws from: replacement values, other valid names, keys to add, a case change. */
export interface MutationPools {
  values: readonly unknown[];
  validNames: readonly string[];
  addedKeys: readonly string[];
  /** A key in another case (upper case, camelCase, ...). */
  recase(key: string): string;
}

/**
 * Seeded structural mutations of a JSON tree: renamed (misspelt) keys, deleted keys and entries,
 * added keys, values of another type, values nested 20 or 5,000 deep, huge sizes, other valid
 * names, duplicated entries, flipped flags. Deep values are spliced into the JSON text afterwards
 * (JSON.stringify itself recurses): a marker string stands in the tree for each.
 */
export function structuralMutator(random: () => number, pools: MutationPools): { mutate(tree: any): string; text(tree: unknown): string } {
  const int = (n: number) => Math.floor(random() * n);
  const pick = <T>(a: readonly T[]): T => a[int(a.length)];
  let deepText: string[] = [];
  const deep = (n: number, leaf: unknown, asArray: boolean) => {
    const [open, close] = asArray ? ['[', ']'] : ['{"a":', '}'];
    deepText.push(open.repeat(n) + (JSON.stringify(leaf) ?? 'null') + close.repeat(n));
    return `@@deep${deepText.length - 1}@@`;
  };
  const typo = (k: string) => {
    const i = int(k.length + 1);
    switch (int(4)) {
      case 0: return k.slice(0, i) + String.fromCharCode(97 + int(26)) + k.slice(i + 1);
      case 1: return k.slice(0, i) + k.slice(i + 1);
      case 2: return pools.recase(k);
      default: return `${k}_`;
    }
  };
  const mutate = (tree: any): string => {
    const [obj, key] = pick(slots(tree).filter(([o]) => o !== tree));
    const old = obj[key];
    switch (int(9)) {
      case 0: if (!Array.isArray(obj)) { obj[typo(String(key))] = old; delete obj[key]; return 'renamed key'; } break;
      case 1: if (!Array.isArray(obj)) { delete obj[key]; return 'deleted key'; } obj.splice(key as number, 1); return 'deleted entry';
      case 2: if (!Array.isArray(obj)) { obj[pick([...pools.addedKeys, typo(String(key))])] = pick(pools.values); return 'added key'; } break;
      case 3: obj[key] = structuredClone(pick(pools.values)); return 'changed type';
      case 4: obj[key] = deep(pick([20, 5000]), old, random() < 0.5); return 'nested';
      case 5: if (typeof old === 'number') { obj[key] = pick([0, 2 ** 20, 2 ** 28, 2 ** 31, 2 ** 53, old * 1000, -old, old + 1]); return 'size'; } break;
      case 6: if (typeof old === 'string') { obj[key] = pick(pools.validNames); return 'other valid name'; } break;
      case 7: if (Array.isArray(obj) && obj.length > 1) { obj.push(structuredClone(obj[0])); return 'duplicated entry'; } break;
      default: if (typeof old === 'boolean') { obj[key] = !old; return 'flipped flag'; }
    }
    obj[key] = structuredClone(pick(pools.values));
    return 'changed type';
  };
  /** The tree as JSON text with its deep values spliced in (and forgotten, for the next tree). */
  const text = (tree: unknown) => {
    const out = (JSON.stringify(tree) ?? 'null').replace(/"@@deep(\d+)@@"/g, (_, i: string) => deepText[Number(i)]);
    deepText = [];
    return out;
  };
  return { mutate, text };
}

/**
 * The model `load` makes, or undefined after counting how it failed: a ModelFileError as refused,
 * anything else as other, with a failure line naming `label`.
 */
export function loadOrCount<M>(load: () => M, refusal: new (...a: never[]) => Error, counts: { refused: number; other: number }, failures: string[], label: string): M | undefined {
  try {
    return load();
  } catch (e) {
    if (e instanceof refusal) counts.refused++;
    else {
      counts.other++;
      failures.push(`${label}: load threw ${(e as Error).name}: ${(e as Error).message.slice(0, 200)}`);
    }
    return undefined;
  }
}
