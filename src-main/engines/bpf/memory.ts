/**
 * The address space a BPF program sees: every object it may touch (a stack frame, the context, a packet, a map's
 * values, a ring buffer, a read-only blob) is a region with its own virtual base address, and every load and
 * store is checked against the region's bounds and permissions at run time. Nothing else is reachable, so no
 * program, verified or not, can touch host memory.
 *
 * Departure from Linux: an address is (region id, offset) packed into 64 bits as hi = REGION_HI_BASE + id,
 * lo = offset, so that the interpreter and the JIT resolve it with one array index and one compare.
 * Addresses therefore look like 0xffff8881_xxxxxxxx, near the kernel's direct map.
 */

/** hi word of region 0; region n lives at ((0xffff8880 + n) << 32). */
export const REGION_HI_BASE = 0xffff8880 | 0;
/** Largest region: offsets are the low 32 bits. */
export const MAX_REGION_SIZE = 0x7fffffff;

/** One contiguous object visible to programs. */
export class BpfRegion {
  id = 0;
  readonly u8: Uint8Array;
  readonly dv: DataView;
  readonly size: number;
  writable: boolean;
  readonly name: string;
  /** Arbitrary owner (a map, a ring buffer) so helpers can find what a pointer points into. */
  owner: unknown;
  /** Where the bytes live in the address space's WebAssembly memory (LinearMemory), or -1 when they do not. */
  lin = -1;

  constructor(bytes: Uint8Array, opts: { name: string; writable?: boolean; owner?: unknown }) {
    if (bytes.length > MAX_REGION_SIZE) throw new RangeError(`region ${opts.name} larger than 2 GiB`);
    this.u8 = bytes;
    this.dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.size = bytes.length;
    this.writable = opts.writable ?? true;
    this.name = opts.name;
    this.owner = opts.owner;
  }
}

const NO_REGION = new BpfRegion(new Uint8Array(0), { name: 'none', writable: false });

/**
 * The part of the address space the WebAssembly JIT (jit-wasm.ts) reaches without calling out: one
 * WebAssembly.Memory holding a region table (bytes [0, 64 KiB): per region id < LIN_TABLE_ENTRIES its linear base,
 * size, and size again when writable, else 0) and chunks of LIN_CHUNK bytes, one per run, for the run's 8 stack
 * frames, its register files and a scratch area. Regions whose bytes live elsewhere have a zeroed entry, so every
 * access to them takes the slow path, which is the interpreter's. The memory never grows, so views stay valid.
 */
export class LinearMemory {
  readonly memory: WebAssembly.Memory;
  readonly u8: Uint8Array;
  readonly i32: Int32Array;
  private readonly freeChunks: number[] = [];

  constructor() {
    this.memory = new WebAssembly.Memory({ initial: LIN_PAGES, maximum: LIN_PAGES });
    this.u8 = new Uint8Array(this.memory.buffer);
    this.i32 = new Int32Array(this.memory.buffer);
    for (let at = LIN_PAGES * 65536 - LIN_CHUNK; at >= LIN_TABLE_BYTES; at -= LIN_CHUNK) this.freeChunks.push(at);
  }

  /** A zeroed chunk for one run's stacks, registers and scratch, or -1 when every chunk is in use. */
  allocChunk(): number {
    const at = this.freeChunks.pop();
    if (at === undefined) return -1;
    this.u8.fill(0, at, at + LIN_CHUNK);
    return at;
  }

  freeChunk(at: number): void {
    this.freeChunks.push(at);
  }

  setEntry(region: BpfRegion): void {
    if (region.id >= LIN_TABLE_ENTRIES) return;
    const e = region.id * 4;
    this.i32[e] = region.lin;
    this.i32[e + 1] = region.size;
    this.i32[e + 2] = region.writable ? region.size : 0;
  }

  clearEntry(id: number): void {
    if (id < LIN_TABLE_ENTRIES) this.i32.fill(0, id * 4, id * 4 + 4);
  }
}

/** Region ids with an entry in the linear region table (16 bytes each). */
export const LIN_TABLE_ENTRIES = 4096;
export const LIN_TABLE_BYTES = LIN_TABLE_ENTRIES * 16;
/** One run's chunk: 8 stack frames of 512 bytes, 8 register files of 96 bytes (one per frame base), scratch. */
export const LIN_CHUNK = 8192;
export const LIN_REGS = 4096;
export const LIN_REGS_SIZE = 96;
export const LIN_SCRATCH = LIN_REGS + 8 * LIN_REGS_SIZE;
const LIN_PAGES = 4;

/** The table of live regions, indexed by id. */
export class AddressSpace {
  /** regions[id]; a freed id holds a zero-sized placeholder so lookups stay monomorphic. */
  readonly regions: BpfRegion[] = [NO_REGION];
  private readonly free: number[] = [];
  /** The WebAssembly memory of this space, made on first use (linearMemory()). */
  linear: LinearMemory | undefined;

  /** Makes a region addressable and returns its id. */
  map(region: BpfRegion): number {
    const id = this.free.pop() ?? this.regions.length;
    region.id = id;
    this.regions[id] = region;
    if (this.linear && region.lin >= 0) this.linear.setEntry(region);
    return id;
  }

  /** Removes a region; stale pointers to it then fault. */
  unmap(region: BpfRegion): void {
    if (region.id > 0 && this.regions[region.id] === region) {
      this.regions[region.id] = NO_REGION;
      this.free.push(region.id);
      if (this.linear && region.lin >= 0) this.linear.clearEntry(region.id);
    }
    region.id = 0;
  }

  /** The space's WebAssembly memory, made on first use; undefined where WebAssembly is not available. */
  linearMemory(): LinearMemory | undefined {
    if (!this.linear && typeof WebAssembly === 'object') this.linear = new LinearMemory();
    return this.linear;
  }

  /** The region an address's hi word designates, or undefined. */
  regionOf(hi: number): BpfRegion | undefined {
    const idx = (hi - REGION_HI_BASE) | 0;
    const r = idx > 0 ? this.regions[idx] : undefined;
    return r === NO_REGION ? undefined : r;
  }

  /** The 64-bit address of `off` bytes into a region. */
  static addr(region: BpfRegion, off = 0): bigint {
    return (BigInt((REGION_HI_BASE + region.id) >>> 0) << 32n) | BigInt(off >>> 0);
  }
}

/** hi word of a region's addresses. */
export function regionHi(region: BpfRegion): number {
  return (REGION_HI_BASE + region.id) | 0;
}

/** Formats a 64-bit address given as (hi, lo) as 0x… */
export function fmtAddr(hi: number, lo: number): string {
  if (hi === 0) return '0x' + (lo >>> 0).toString(16);
  return '0x' + (hi >>> 0).toString(16) + (lo >>> 0).toString(16).padStart(8, '0');
}
