// A tiny protobuf reader for the ONNX tests: the fields of one message as [field, wire, value]
// (value: a bigint for varints, the bytes otherwise), and the op types of an exported graph.

export type Field = [number, number, bigint | Uint8Array];

export function fields(b: Uint8Array): Field[] {
  const out: Field[] = [];
  let at = 0;
  const readVarint = () => {
    let v = 0n;
    for (let shift = 0n; ; shift += 7n) {
      const byte = b[at++];
      v |= BigInt(byte & 0x7f) << shift;
      if (byte < 0x80) return v;
    }
  };
  while (at < b.length) {
    const key = Number(readVarint());
    const [field, wire] = [key >> 3, key & 7];
    if (wire === 0) out.push([field, wire, readVarint()]);
    else if (wire === 2) {
      const n = Number(readVarint());
      out.push([field, wire, b.subarray(at, at + n)]);
      at += n;
    } else if (wire === 5) {
      out.push([field, wire, b.subarray(at, at + 4)]);
      at += 4;
    } else throw new Error(`wire type ${wire}`);
  }
  return out;
}

export const text = (v: unknown) => new TextDecoder().decode(v as Uint8Array);
export const get = (fs: Field[], f: number) => fs.filter(([n]) => n === f).map(([, , v]) => v);

/** The graph's nodes (ModelProto.graph = 7, GraphProto.node = 1), each as its fields. */
export function nodesOf(model: Uint8Array): Field[][] {
  const graph = fields(get(fields(model), 7)[0] as Uint8Array);
  return get(graph, 1).map((n) => fields(n as Uint8Array));
}

/** The op types of the graph's nodes, in order (NodeProto.op_type = 4). */
export const opsOf = (model: Uint8Array): string[] => nodesOf(model).map((n) => text(get(n, 4)[0]));
