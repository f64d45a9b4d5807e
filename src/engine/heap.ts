// The TypeScript side owns all allocation in the engine's one linear memory (the kernels never
// allocate). A first-fit free list with coalescing over [base, memory end), 64-byte aligned so
// every buffer starts on a cache line and v128 loads are aligned. Memory grows on demand; the
// caller is told (onGrow) so it can re-create its typed-array views in one place.
import { MemoryLimitError } from '../errors.js';

const ALIGN = 64;
const PAGE = 65536;
/** wasm32 memories top out at 65536 pages (4 GiB). */
export const MAX_BYTES = 65536 * PAGE;

interface Block {
  ptr: number;
  size: number;
}

/** Bytes for messages: 0.3 MiB, 45.0 MiB, 11.9 GiB (sizes asked for run to terabytes). */
export const formatBytes = (bytes: number) => (bytes >= 2 ** 30 ? `${(bytes / 2 ** 30).toFixed(1)} GiB` : `${(bytes / 2 ** 20).toFixed(1)} MiB`);

export class Heap {
  private free: Block[] = []; // sorted by ptr, never adjacent (coalesced)
  private used = new Map<number, number>(); // ptr -> size
  private end: number; // first byte not yet handed to the free list

  constructor(
    private readonly memory: WebAssembly.Memory,
    base: number,
    private readonly onGrow: () => void,
  ) {
    this.end = align(base);
  }

  /** Bytes currently handed out. */
  get usedBytes(): number {
    let total = 0;
    for (const size of this.used.values()) total += size;
    return total;
  }

  /** Reserve `bytes` (rounded up to 64) and return the byte address; grows memory if needed. */
  alloc(bytes: number, what = 'buffer'): number {
    const size = Math.max(ALIGN, align(bytes));
    for (let i = 0; i < this.free.length; i++) {
      const block = this.free[i];
      if (block.size < size) continue;
      const ptr = block.ptr;
      if (block.size === size) this.free.splice(i, 1);
      else {
        block.ptr += size;
        block.size -= size;
      }
      this.used.set(ptr, size);
      return ptr;
    }
    // Nothing fits: extend from the end, absorbing a free block that touches it.
    const last = this.free[this.free.length - 1];
    const start = last && last.ptr + last.size === this.end ? last.ptr : this.end;
    const newEnd = start + size;
    this.ensure(newEnd, bytes, what);
    if (start !== this.end) this.free.pop();
    this.end = newEnd;
    this.used.set(start, size);
    return start;
  }

  /** Return a buffer to the free list; 0 is ignored. */
  release(ptr: number): void {
    if (ptr === 0) return;
    const size = this.used.get(ptr);
    if (size === undefined) throw new Error(`dendrite internal error: release of unknown pointer ${ptr}`);
    this.used.delete(ptr);
    let i = this.free.findIndex((b) => b.ptr > ptr);
    if (i < 0) i = this.free.length;
    this.free.splice(i, 0, { ptr, size });
    // Coalesce with the next, then with the previous block.
    const next = this.free[i + 1];
    if (next && ptr + size === next.ptr) {
      this.free[i].size += next.size;
      this.free.splice(i + 1, 1);
    }
    const prev = this.free[i - 1];
    if (prev && prev.ptr + prev.size === ptr) {
      prev.size += this.free[i].size;
      this.free.splice(i, 1);
    }
  }

  /** Throw MemoryLimitError unless `extra` more bytes could be allocated. */
  checkFits(extra: number, what: string): void {
    const projected = this.end + align(extra);
    if (projected > MAX_BYTES) throw limitError(extra, what, this.usedBytes);
  }

  private ensure(end: number, bytes: number, what: string): void {
    const have = this.memory.buffer.byteLength;
    if (end <= have) return;
    if (end > MAX_BYTES) throw limitError(bytes, what, this.usedBytes);
    // Grow by at least 1/8 of the current size so repeated small growth stays cheap.
    const pages = Math.max(Math.ceil((end - have) / PAGE), Math.ceil(have / PAGE / 8));
    const capped = Math.min(pages, MAX_BYTES / PAGE - have / PAGE);
    try {
      this.memory.grow(Math.max(capped, Math.ceil((end - have) / PAGE)));
    } catch {
      throw limitError(bytes, what, this.usedBytes);
    }
    this.onGrow();
  }
}

function align(n: number): number {
  return Math.ceil(n / ALIGN) * ALIGN;
}

function limitError(bytes: number, what: string, used: number): MemoryLimitError {
  return new MemoryLimitError(
    `cannot allocate ${formatBytes(bytes)} for ${what}: WebAssembly memory is limited to 4 GiB per engine ` +
      `(${formatBytes(used)} already in use, and the runtime may allow less). Use a smaller batchSize, ` +
      `fewer or smaller layers, stream the data in batches (model.fitDataset), or dispose models you no longer need.`,
  );
}
