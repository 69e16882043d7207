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
  /** The bytes (and a view of them): re-pointed when the region moves into the linear memory (LinearMemory.adopt). */
  u8: Uint8Array;
  dv: DataView;
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

/** Region ids with an entry in the linear region table (16 bytes each). */
export const LIN_TABLE_ENTRIES = 4096;
export const LIN_TABLE_BYTES = LIN_TABLE_ENTRIES * 16;
/** One run's chunk: 8 stack frames of 512 bytes, 8 register files of 96 bytes (one per frame base), scratch. */
export const LIN_CHUNK = 8192;
export const LIN_REGS = 4096;
export const LIN_REGS_SIZE = 96;
export const LIN_SCRATCH = LIN_REGS + 8 * LIN_REGS_SIZE;
/** Chunks (runs at once, nested ones included) and the memory's initial and largest size in 64 KiB pages. */
const LIN_CHUNKS = 24;
const LIN_PAGES = 4;
const LIN_MAX_PAGES = 16384;

/** What LinearMemory uses of its WebAssembly.Memory (typed here: the checkers' typings have no WebAssembly library). */
export interface WasmMemoryLike {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}

/**
 * The part of the address space the WebAssembly JIT (jit-wasm.ts) reaches without calling out: one
 * WebAssembly.Memory holding a region table (bytes [0, 64 KiB): per region id < LIN_TABLE_ENTRIES its linear base,
 * size, and size again when writable, else 0) and chunks of LIN_CHUNK bytes, one per run, for the run's 8 stack
 * frames, its register files and a scratch area; above them, map values moved here (adopt()) and the JIT's map
 * lookup data. Regions whose bytes live elsewhere have a zeroed entry, so every access to them takes the slow
 * path, which is the interpreter's. The memory grows only between runs, and every resident region's views are
 * re-made when it does.
 */
export class LinearMemory {
  readonly memory: WasmMemoryLike;
  u8!: Uint8Array;
  i32!: Int32Array;
  private readonly freeChunks: number[] = [];
  /** Regions whose bytes are here (their views are re-made when the memory grows). */
  private readonly resident = new Set<BpfRegion>();
  /** End of the bump area above the chunks (adopted regions and map lookup data; never freed). */
  private top = LIN_TABLE_BYTES + LIN_CHUNKS * LIN_CHUNK;
  /** Runs of WebAssembly code in progress in this space: the memory grows only when there is none. */
  active = 0;

  constructor() {
    this.memory = new WebAssembly.Memory({ initial: LIN_PAGES, maximum: LIN_MAX_PAGES });
    this.views();
    for (let k = LIN_CHUNKS - 1; k >= 0; k--) this.freeChunks.push(LIN_TABLE_BYTES + k * LIN_CHUNK);
  }

  private views(): void {
    this.u8 = new Uint8Array(this.memory.buffer);
    this.i32 = new Int32Array(this.memory.buffer);
    for (const r of this.resident) {
      r.u8 = new Uint8Array(this.memory.buffer, r.lin, r.size);
      r.dv = new DataView(this.memory.buffer, r.lin, r.size);
    }
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

  /**
   * `size` zeroed bytes (8-aligned, with 8 bytes to spare after them) in the bump area, growing the memory when
   * no WebAssembly run is in progress; -1 when that cannot be done.
   */
  alloc(size: number): number {
    const at = this.top;
    const end = at + ((size + 15) & ~7);
    if (end > this.u8.length) {
      if (this.active > 0 || end > LIN_MAX_PAGES * 65536) return -1;
      this.memory.grow(Math.ceil((end - this.u8.length) / 65536));
      this.views();
    }
    this.top = end;
    return at;
  }

  /** Moves a mapped region's bytes into the linear memory (its views re-pointed); false when there is no room. */
  adopt(region: BpfRegion): boolean {
    if (region.lin >= 0) return true;
    const at = this.alloc(region.size);
    if (at < 0) return false;
    this.u8.set(region.u8, at);
    region.lin = at;
    this.resident.add(region);
    region.u8 = new Uint8Array(this.memory.buffer, at, region.size);
    region.dv = new DataView(this.memory.buffer, at, region.size);
    if (region.id > 0) this.setEntry(region);
    return true;
  }

  setEntry(region: BpfRegion): void {
    this.resident.add(region);
    if (region.id >= LIN_TABLE_ENTRIES) return;
    const e = region.id * 4;
    this.i32[e] = region.lin;
    this.i32[e + 1] = region.size;
    this.i32[e + 2] = region.writable ? region.size : 0;
  }

  /** Word 3 of a region's entry: for a map's object, the linear address of its lookup descriptor (jit-wasm.ts). */
  setAux(id: number, value: number): void {
    if (id > 0 && id < LIN_TABLE_ENTRIES) this.i32[id * 4 + 3] = value;
  }

  clearEntry(region: BpfRegion): void {
    if (region.lin >= 0 && region.lin < LIN_TABLE_BYTES + LIN_CHUNKS * LIN_CHUNK) this.resident.delete(region); // a run's stack
    if (region.id < LIN_TABLE_ENTRIES) this.i32.fill(0, region.id * 4, region.id * 4 + 4);
  }
}

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
      this.linear?.clearEntry(region);
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
