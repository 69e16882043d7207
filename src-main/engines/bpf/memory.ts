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

/** The table of live regions, indexed by id. */
export class AddressSpace {
  /** regions[id]; a freed id holds a zero-sized placeholder so lookups stay monomorphic. */
  readonly regions: BpfRegion[] = [NO_REGION];
  private readonly free: number[] = [];

  /** Makes a region addressable and returns its id. */
  map(region: BpfRegion): number {
    const id = this.free.pop() ?? this.regions.length;
    region.id = id;
    this.regions[id] = region;
    return id;
  }

  /** Removes a region; stale pointers to it then fault. */
  unmap(region: BpfRegion): void {
    if (region.id > 0 && this.regions[region.id] === region) {
      this.regions[region.id] = NO_REGION;
      this.free.push(region.id);
    }
    region.id = 0;
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
