/**
 * The ublk server process's user memory: buffers at virtual addresses, so that iod->addr and
 * ublksrv_io_cmd.addr carry real addresses that the driver resolves (as copy_{to,from}_user would).
 */
export class UserMem {
  private readonly maps = new Map<number, Uint8Array>();
  /** Anonymous mappings not touched yet (their pages are allocated on first use, as page faults would). */
  private readonly lazy = new Map<number, number>();
  private next = 0x7f0000000000;

  /** mmap-like allocation of `len` bytes; returns the virtual address. */
  alloc(len: number): number {
    const va = this.next;
    this.lazy.set(va, len);
    this.next += Math.ceil(Math.max(len, 1) / 4096) * 4096 + 4096;
    return va;
  }

  /** Maps existing pages at a fresh address (vm_insert_page-style remap of a request's pages). */
  map_pages(pages: Uint8Array): number {
    const va = this.next;
    this.maps.set(va, pages);
    this.next += Math.ceil(Math.max(pages.length, 1) / 4096) * 4096 + 4096;
    return va;
  }

  unmap(va: number): void {
    this.maps.delete(va);
    this.lazy.delete(va);
  }

  /** Size of the mapping at va (its full length, materialised or not). */
  size(va: number): number {
    return this.lazy.get(va) ?? this.maps.get(va)?.length ?? 0;
  }

  /** The bytes at [va, va+len), or null (-EFAULT) when not mapped. */
  resolve(va: number, len: number): Uint8Array | null {
    let m = this.maps.get(va);
    if (!m || len > m.length) m = this.fault(va, len);
    if (!m || len > m.length) return null;
    return len === m.length ? m : m.subarray(0, len);
  }

  /** The whole mapping starting at va. */
  mapping(va: number): Uint8Array | null {
    return this.maps.get(va) ?? this.fault(va, 0) ?? null;
  }

  /**
   * First touch of an anonymous mapping: pages are materialised up to what is used (grown on demand,
   * keeping contents), so a 512 KiB per-tag buffer used for 4 KiB I/O costs 4 KiB of host memory.
   */
  private fault(va: number, need: number): Uint8Array | undefined {
    const len = this.lazy.get(va);
    if (len === undefined || need > len) return undefined;
    const old = this.maps.get(va);
    const size = Math.min(len, Math.max(need, 4096, old ? old.length * 2 : 0));
    const m = new Uint8Array(size);
    if (old) m.set(old);
    this.maps.set(va, m);
    return m;
  }

  get mapped(): number {
    let n = this.lazy.size;
    for (const k of this.maps.keys()) if (!this.lazy.has(k)) n++;
    return n;
  }
}
