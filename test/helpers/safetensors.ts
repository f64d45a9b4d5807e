// An independent reader of the safetensors layout, written from the format's description rather
// than from src/io/safetensors.ts, for tests that check what we write (and what PyTorch would
// read): u64 little-endian header length by hand (as Python's struct.unpack('<Q')), a UTF-8 JSON
// header, then raw little-endian tensors at their data_offsets. It asserts the layout as it goes.

export interface ParsedTensor {
  dtype: string;
  shape: number[];
  /** [begin, end) byte offsets into the data section. */
  offsets: [number, number];
  /** Values decoded word by word from little-endian bytes (F32 only). */
  data: Float32Array;
  /** The raw 32-bit words, for bit-exact comparisons. */
  words: number[];
}

export interface ParsedFile {
  headerLength: number;
  /** The header's keys in file order, __metadata__ first when present. */
  keys: string[];
  metadata: Record<string, string>;
  /** Tensor names in header order. */
  names: string[];
  tensors: Map<string, ParsedTensor>;
  dataStart: number;
}

export function parseSafetensors(bytes: Uint8Array): ParsedFile {
  let n = 0;
  for (let i = 7; i >= 0; i--) n = n * 256 + bytes[i]!;
  const text = Buffer.from(bytes.subarray(8, 8 + n)).toString('utf8');
  if (text[0] !== '{') throw new Error(`header starts with ${JSON.stringify(text[0])}, not "{"`);
  const header = JSON.parse(text) as Record<string, any>;
  const dataStart = 8 + n;
  const names = Object.keys(header).filter((k) => k !== '__metadata__');
  const tensors = new Map<string, ParsedTensor>();
  for (const name of names) {
    const h = header[name];
    if (Object.keys(h).sort().join() !== 'data_offsets,dtype,shape') throw new Error(`${name}: keys ${Object.keys(h)}`);
    if (h.dtype !== 'F32') throw new Error(`${name}: dtype ${h.dtype}`);
    const [begin, end] = h.data_offsets as [number, number];
    const count = (h.shape as number[]).reduce((a, d) => a * d, 1);
    if (end - begin !== 4 * count) throw new Error(`${name}: ${end - begin} bytes for shape [${h.shape}]`);
    const words: number[] = [];
    for (let i = 0; i < count; i++) {
      const at = dataStart + begin + 4 * i;
      words.push((bytes[at]! | (bytes[at + 1]! << 8) | (bytes[at + 2]! << 16) | (bytes[at + 3]! << 24)) >>> 0);
    }
    const data = new Float32Array(new Uint32Array(words).buffer);
    tensors.set(name, { dtype: h.dtype, shape: h.shape, offsets: [begin, end], data, words });
  }
  // Tensors tile the data section in header order, as Python's safetensors writes them.
  let expected = 0;
  for (const name of names) {
    const t = tensors.get(name)!;
    if (t.offsets[0] !== expected) throw new Error(`${name} starts at ${t.offsets[0]}, expected ${expected}`);
    expected = t.offsets[1];
  }
  if (dataStart + expected !== bytes.length) throw new Error(`data ends at ${dataStart + expected}, file has ${bytes.length} bytes`);
  return { headerLength: n, keys: Object.keys(header), metadata: header.__metadata__ ?? {}, names, tensors, dataStart };
}
