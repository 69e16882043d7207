/**
 * The ublk server process's user memory: buffers at virtual addresses, so that iod->addr and
 * ublksrv_io_cmd.addr carry real addresses that the driver resolves (as copy_{to,from}_user would).
 */

/** Where the first mapping goes (mmap's top-down area of x86-64). */
const MMAP_BASE = 0x7f0000000000;
const PAGE = 4096;
/** Pages are materialised from slabs of this size (one host allocation for many first touches). */
const SLAB_BYTES = 1 << 20;
/** Materialisations up to this size come from a slab; larger ones get their own allocation. */
const SLAB_MAX = 64 << 10;

/** The zero page: reads of memory nothing wrote copy from it (never written: it is only ever a source). */
const ZERO_PAGE = new Uint8Array(PAGE);

/**
 * Writes `len` zero bytes at dst[off]: whole pages are copied from the zero page (a plain memcpy; fill() takes the
 * runtime's slow path), the rest filled.
 */
export function zeroBytes(dst: Uint8Array, off: number, len: number): void {
  let o = off;
  const end = off + len;
  while (end - o >= PAGE) {
    dst.set(ZERO_PAGE, o);
    o += PAGE;
  }
  if (o < end) dst.fill(0, o, end);
}

/**
 * A mapping's key: its page number above MMAP_BASE. Every mapping starts on a page, so the key is a small integer
 * (an address itself is past 2^31 and would be looked up as a boxed double); any other address gives a key no
 * mapping has.
 */
function key(va: number): number {
  return (va - MMAP_BASE) / PAGE;
}

/** One mapping (a vm_area_struct): its length and the bytes materialised so far. */
export class UserMapping {
  /** Set until the mapping is unmapped (a holder of the record checks it before use). */
  live = true;
  constructor(
    /** The address space the mapping is in. */
    readonly mm: UserMem,
    readonly va: number,
    readonly len: number,
    /** Anonymous memory (materialised on first touch) rather than pages mapped in. */
    readonly anon: boolean,
    /** The materialised bytes (the first `bytes.length` of the mapping), or null while untouched. */
    public bytes: Uint8Array | null,
  ) {}
}

export class UserMem {
  private readonly maps = new Map<number, UserMapping>();
  private next = MMAP_BASE;
  /** The slab first touches are carved from, and the next free byte in it. */
  private slab: Uint8Array | null = null;
  private slabOff = 0;

  /** mmap-like allocation of `len` bytes; returns the virtual address. */
  alloc(len: number): number {
    const va = this.next;
    this.maps.set(key(va), new UserMapping(this, va, len, true, null));
    this.next += Math.ceil(Math.max(len, 1) / PAGE) * PAGE + PAGE;
    return va;
  }

  /** Maps existing pages at a fresh address (vm_insert_page-style remap of a request's pages). */
  map_pages(pages: Uint8Array): number {
    const va = this.next;
    this.maps.set(key(va), new UserMapping(this, va, pages.length, false, pages));
    this.next += Math.ceil(Math.max(pages.length, 1) / PAGE) * PAGE + PAGE;
    return va;
  }

  unmap(va: number): void {
    const k = key(va);
    const m = this.maps.get(k);
    if (!m) return;
    m.live = false;
    this.maps.delete(k);
  }

  /** The mapping starting at va (find_vma() for a buffer's start), or undefined. */
  lookup(va: number): UserMapping | undefined {
    return this.maps.get(key(va));
  }

  /** Size of the mapping at va (its full length, materialised or not). */
  size(va: number): number {
    return this.lookup(va)?.len ?? 0;
  }

  /** The bytes at [va, va+len), or null (-EFAULT) when not mapped. */
  resolve(va: number, len: number): Uint8Array | null {
    const m = this.lookup(va);
    return m ? this.bytesOf(m, len) : null;
  }

  /** The first `len` bytes of a live mapping (materialised up to there), or null when it is shorter. */
  bytesOf(m: UserMapping, len: number): Uint8Array | null {
    let b = m.bytes;
    if (!b || len > b.length) b = this.fault(m, len);
    if (!b || len > b.length) return null;
    return len === b.length ? b : b.subarray(0, len);
  }

  /**
   * Whether [va, va+len) lies in an anonymous mapping nothing has written: reading it reads zeros without
   * allocating (a read fault maps the shared zero page, mm/memory.c do_anonymous_page()).
   */
  untouched(va: number, len: number): boolean {
    const m = this.lookup(va);
    return m !== undefined && m.bytes === null && len <= m.len;
  }

  /** The whole mapping starting at va. */
  mapping(va: number): Uint8Array | null {
    const m = this.lookup(va);
    if (!m) return null;
    return m.bytes ?? this.fault(m, 0) ?? null;
  }

  /**
   * First touch of an anonymous mapping: pages are materialised up to what is used (grown on demand,
   * keeping contents), so a 512 KiB per-tag buffer used for 4 KiB I/O costs 4 KiB of host memory.
   */
  private fault(m: UserMapping, need: number): Uint8Array | null {
    if (!m.anon || need > m.len) return null;
    const old = m.bytes;
    const size = Math.min(m.len, Math.max(need, PAGE, old ? old.length * 2 : 0));
    const b = this.zeroed(size);
    if (old) b.set(old);
    m.bytes = b;
    return b;
  }

  /** `size` zeroed bytes: carved from the current slab when small (a grown mapping leaves its old piece unused). */
  private zeroed(size: number): Uint8Array {
    if (size > SLAB_MAX) return new Uint8Array(size);
    const aligned = Math.ceil(size / 8) * 8;
    if (!this.slab || this.slabOff + aligned > this.slab.length) {
      this.slab = new Uint8Array(SLAB_BYTES);
      this.slabOff = 0;
    }
    const b = this.slab.subarray(this.slabOff, this.slabOff + size);
    this.slabOff += aligned;
    return b;
  }

  get mapped(): number {
    return this.maps.size;
  }
}
