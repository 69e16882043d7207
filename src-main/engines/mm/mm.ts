import { KernelError } from '../common/errors';
import { parseSize } from '../common/size';
import { parseGfp, __GFP_MOVABLE, __GFP_RECLAIMABLE, __GFP_UNMAPPED, __GFP_ZERO } from './gfp';
import { MAX_FRAMES, MAX_PAGE_ORDER, PAGE_SHIFT, PAGE_SIZE, memmapPages, migrateTypesFor, pageblock_order } from './mmzone';
import type { MigrateTypes, Policy } from './mmzone';
import { PB_UNMAPPED, PCP_MAX_ORDER, ST_ALLOC, ST_ALLOC_MOVABLE, ST_CACHE_ALLOC, ST_PGTABLE, ST_RESERVED, Zone } from './page_alloc';
import {
  DirectMap, PG_LEVEL_1G, PG_LEVEL_2M, TLB_SINGLE_PAGE_FLUSH_CEILING,
  _PAGE_DIRTY, _PAGE_GLOBAL, _PAGE_KERNEL_4K, _PAGE_NX, _PAGE_PRESENT, _PAGE_RW,
} from './set_memory';
import type { CpaRequest } from './set_memory';
import { UnmappedCache, unmappedAllocShrink, unmapped_pages_alloc } from './unmapped_alloc';
import { allocMigrateUnmapped } from './migrate_unmapped';
import { allocFreetypeUnmapped, rmqueueDirectMap } from './freetype';
import { registerArea, unregisterArea, vfree, vmalloc } from './vmalloc';
import { SecretFile } from './secretmem';
import { ExecmemRoxCache, execmem_alloc, execmem_free } from './execmem';

/** struct page * for scripts: the head pfn and the order it was allocated with. */
export interface Page {
  /** Page frame number of the first page. */
  pfn: number;
  /** The block holds 2^order pages. */
  order: number;
}

/** A vmalloc / execmem area (struct vm_struct): its address, backing pfns and flags. */
export interface VmRegion {
  /** 'vmalloc' (vmalloc range) or 'execmem' (module range). */
  kind: 'vmalloc' | 'execmem';
  /** Start address, hex (VMALLOC_START / MODULES_VADDR based). */
  addr: string;
  /** Requested size in bytes. */
  size: number;
  /** Number of 4 KiB pages mapped. */
  nr_pages: number;
  /** Backing pfns, one per page. */
  pages: number[];
  /** VM_* flags (and EXECMEM_ROX_CACHE for pieces of the ROX cache). */
  flags: string[];
  /** The area's own PTE prot per page. */
  prot: Uint8Array;
  /** Set once vfree() / execmem_free() ran. */
  freed: boolean;
}

export interface MmOptions {
  /** Physical memory: bytes or '8G'. Default 4G. */
  memory?: string | number;
  /** 1 GiB direct-map pages (X86_FEATURE_GBPAGES, no `nogbpages`). Default true. */
  gbpages?: boolean;
  policy?: Policy;
  /** The 2025 CPA collapse (set_memory_rox re-forms large pages). Default false. */
  collapse?: boolean;
  seed?: number;
  /** CPUs sharing the zone: pcp high is split among them (only one CPU's lists are modelled). Default 1. */
  cpus?: number;
  /** Run the invariant checker after every operation (slow; for debugging scripts). */
  debug?: boolean;
  /**
   * Policy 'cache' only: reproduce the prototype's set_memory_np(addr, 1 << order) literally (only the requested
   * pages of a refill leave the direct map) instead of the whole refill block the cover letter intends.
   */
  literal_np?: boolean;
  /** execmem: { rox_cache: true } selects the ROX-cache execmem (EXECMEM_ROX_CACHE) instead of the classic one. */
  execmem?: { rox_cache?: boolean };
}

export type PageRef = Page | number;

const VMALLOC_START = 0xffffc90000000000n;
const MODULES_VADDR = 0xffffffffa0000000n;

export type LevelName = '4K' | '2M' | '1G';

/** The memory engine: one zone, its buddy allocator, the x86-64 direct map and the unmapped-allocation policies. */
export class Mm {
  /** Frames of physical memory (the zone's span). */
  readonly nframes: number;
  /** Frames given to the buddy at boot (zone_managed_pages, totalram_pages): nframes less the memmap. */
  readonly managed_pages: number;
  readonly policy: Policy;
  readonly collapseEnabled: boolean;
  readonly mt: MigrateTypes;
  readonly zone: Zone;
  readonly dm: DirectMap;
  readonly cache: UnmappedCache | null;
  readonly execmemCache: ExecmemRoxCache | null;
  readonly seed: number;
  readonly debug: boolean;
  readonly literalNp: boolean;
  /** Pages handed out by vmalloc() / execmem_alloc() (VmallocUsed). */
  vmallocPages = 0;
  /** Pages held by secretmem files. */
  secretPages = 0;
  readonly regions = new Set<VmRegion>();
  readonly secretFiles = new Set<SecretFile>();
  /** Next free addresses of the vmalloc and module ranges. */
  readonly va = { nextVmalloc: VMALLOC_START, nextModule: MODULES_VADDR };
  private lastGfp: string | number = '';
  private lastMask = 0;
  /** Shrinker results of the 2023 cache. */
  readonly shrinkerStats = { scanned: 0, freed: 0 };

  constructor(opts: MmOptions = {}) {
    const bytes = parseSize(opts.memory ?? '4G', 'memory');
    const nframes = Math.floor(bytes / PAGE_SIZE);
    if (nframes < 1024) throw new KernelError('EINVAL', `memory: ${bytes} bytes is less than one order-10 block (4M)`);
    if (nframes > MAX_FRAMES) throw new KernelError('EINVAL', `memory: at most ${Math.floor((MAX_FRAMES * 4) / 1024 / 1024)} GiB are modelled`);
    const policy = opts.policy ?? 'baseline';
    if (!['baseline', 'migratetype', 'cache', 'freetype'].includes(policy)) {
      throw new KernelError('EINVAL', `mm.policy: unknown policy '${String(policy)}' (baseline, migratetype, cache, freetype)`);
    }
    this.nframes = nframes;
    this.policy = policy;
    this.collapseEnabled = opts.collapse === true;
    this.seed = opts.seed ?? 1;
    this.debug = opts.debug === true;
    this.literalNp = opts.literal_np === true;
    this.mt = migrateTypesFor(policy);
    const cpus = opts.cpus ?? 1;
    if (!Number.isInteger(cpus) || cpus < 1 || cpus > 4096) throw new KernelError('EINVAL', `cpus: ${cpus} is not a CPU count`);
    // memblock allocates top-down: the memmap sits at the top of memory, still in the direct map, never in the buddy.
    this.managed_pages = nframes - memmapPages(nframes);
    this.zone = new Zone(this.managed_pages, nframes, this.mt, policy === 'freetype', cpus);
    this.dm = new DirectMap(nframes, opts.gbpages !== false, {
      allocTable: () => this.allocTablePage(),
      freeTable: (pfn) => this.freeZonePages(pfn, 0), // pagetable_free() of a collapsed table
    });
    this.cache = policy === 'cache' ? new UnmappedCache(this.zone) : null;
    this.execmemCache = opts.execmem?.rox_cache ? new ExecmemRoxCache(this) : null;
    this.zone.bootFree();
  }

  // ---------------------------------------------------------------- page allocator

  /** @internal */
  gfpMigratetype(mask: number): number {
    const mov = (mask & __GFP_MOVABLE) !== 0;
    const rec = (mask & __GFP_RECLAIMABLE) !== 0;
    if (mov && rec) throw new KernelError('EINVAL', 'gfp: __GFP_MOVABLE and __GFP_RECLAIMABLE together (gfp_migratetype() warns)');
    return mov ? this.mt.MOVABLE : rec ? this.mt.RECLAIMABLE : this.mt.UNMOVABLE;
  }

  /**
   * get_page_from_freelist() for the one zone: first with ALLOC_NOFRAGMENT (as for ZONE_NORMAL with DMA32 below:
   * fall back only by whole pageblocks), then without. Under 'freetype', a mapped request may turn an unmapped
   * pageblock back. No watermark checks, reclaim or compaction are modelled.
   * @internal
   */
  getPageFromFreelist(order: number, mt: number): number {
    let pfn = this.rmqueue(order, mt, true);
    if (pfn < 0) pfn = this.rmqueue(order, mt, false);
    if (pfn < 0 && this.policy === 'freetype' && mt !== this.mt.UNMAPPED) pfn = rmqueueDirectMap(this, order, false, mt);
    if (pfn < 0 && this.zone.pcp.count > 0) {
      // The slow path's drain_all_pages(): per-cpu pages go back to the buddy, then try again.
      this.zone.pcp.drain();
      return this.getPageFromFreelist(order, mt);
    }
    return pfn;
  }

  /** rmqueue(): the per-cpu lists for small orders of the pcp types, the buddy otherwise. */
  private rmqueue(order: number, mt: number, nofragment: boolean): number {
    if (order <= PCP_MAX_ORDER && mt < this.mt.PCPTYPES && mt !== this.mt.UNMAPPED) return this.zone.pcp.alloc(order, mt, nofragment);
    return this.zone.rmqueue(order, mt, nofragment);
  }

  /** @internal */
  markAllocated(pfn: number, order: number, mt: number): void {
    this.zone.setState(pfn, (mt === this.mt.MOVABLE ? ST_ALLOC_MOVABLE : ST_ALLOC) + order);
    this.zone.events.pgalloc_normal += 1 << order;
  }

  /** split_large_page()'s alloc_pages(GFP_KERNEL, 0) for a page-table page. */
  private allocTablePage(): number {
    const pfn = this.getPageFromFreelist(0, this.mt.UNMOVABLE);
    if (pfn >= 0) {
      this.zone.setState(pfn, ST_PGTABLE);
      this.zone.events.pgalloc_normal++;
    }
    return pfn;
  }

  /** @internal The zone half of __free_pages(): pgfree, buddy merge. */
  freeZonePages(pfn: number, order: number): void {
    const z = this.zone;
    z.events.pgfree += 1 << order;
    if (order <= PCP_MAX_ORDER) {
      const b = pfn >>> pageblock_order;
      let mt = z.pbMt[b]!;
      if (mt >= this.mt.PCPTYPES && mt !== this.mt.ISOLATE) mt = this.mt.MOVABLE; // free_unref_page(): HighAtomic -> MOVABLE list
      // Model choice: pages of UNMAPPED (2022) or FREETYPE_UNMAPPED (2026) blocks bypass the per-cpu lists.
      if (mt < this.mt.PCPTYPES && mt !== this.mt.UNMAPPED && !(z.pbFlags[b]! & PB_UNMAPPED && z.unmappedList >= 0)) {
        z.pcp.free(pfn, order, mt);
        return;
      }
    }
    z.setState(pfn, 0);
    z.freeOne(pfn, order);
  }

  /** alloc_pages(gfp, order): a block of 2^order pages, or null. */
  alloc_pages(gfp: string | number, order = 0): Page | null {
    let mask: number;
    if (gfp === this.lastGfp) mask = this.lastMask;
    else {
      mask = parseGfp(gfp);
      this.lastGfp = gfp;
      this.lastMask = mask;
    }
    if (!Number.isInteger(order) || order < 0) throw new KernelError('EINVAL', `alloc_pages: bad order ${order}`);
    if (order > MAX_PAGE_ORDER) return null; // WARN_ON_ONCE_GFP(order > MAX_PAGE_ORDER)
    const unmapped = (mask & __GFP_UNMAPPED) !== 0;
    if (unmapped && this.policy === 'baseline') {
      throw new KernelError('EINVAL', "gfp: unknown flag '__GFP_UNMAPPED' (mainline has no such flag; boot with mm.policy 'migratetype', 'cache' or 'freetype')");
    }
    const mt = this.gfpMigratetype(mask);
    let pfn: number;
    if (!unmapped) {
      pfn = this.getPageFromFreelist(order, mt);
      if (pfn >= 0) this.markAllocated(pfn, order, mt);
    } else if (this.policy === 'migratetype') pfn = allocMigrateUnmapped(this, order);
    else if (this.policy === 'cache') pfn = unmapped_pages_alloc(this, mask, order);
    else pfn = allocFreetypeUnmapped(this, order, mt);
    if (this.debug) this.assertInvariants('alloc_pages');
    return pfn < 0 ? null : { pfn, order };
  }

  /** @internal */
  refPfn(page: PageRef, what: string): number {
    const pfn = typeof page === 'number' ? page : page?.pfn;
    if (pfn! >= 0 && pfn! < this.nframes && (pfn! | 0) === pfn) return pfn!;
    if (typeof pfn !== 'number' || !Number.isInteger(pfn) || pfn < 0 || pfn >= this.nframes) {
      throw new KernelError('EINVAL', `${what}: no such page (pfn ${String(pfn)})`);
    }
    return pfn;
  }

  /** drain_all_pages(): return every per-cpu page to the buddy lists. */
  drain_all_pages(): void {
    this.zone.pcp.drain();
  }

  /** __free_pages(page, order): give a block back (order defaults to page.order). */
  __free_pages(page: PageRef, order?: number): void {
    const pfn = this.refPfn(page, '__free_pages');
    const o = order ?? (typeof page === 'number' ? 0 : page.order);
    // An order past MAX_PAGE_ORDER names no block (its state code would alias another state's): Bad page state.
    if (!Number.isInteger(o) || o < 0 || o > MAX_PAGE_ORDER) throw new KernelError('EINVAL', `__free_pages: bad order ${String(o)} (0..${MAX_PAGE_ORDER})`);
    const s = this.zone.state(pfn);
    if (s === ST_RESERVED) throw new KernelError('EINVAL', `__free_pages: pfn ${pfn} is in the memmap (PageReserved), not the buddy's`);
    if (s === ST_PGTABLE) throw new KernelError('EINVAL', `__free_pages: pfn ${pfn} is a direct-map page table`);
    if (s === ST_CACHE_ALLOC + o && this.cache) {
      // unmapped_pages_free(): back into the cache, still unmapped. (The model routes by the page's origin, not
      // PB_unmapped, so pages the shrinker gave back never re-enter the cache mapped.)
      this.cache.freeOne(pfn, o);
    } else if (s === ST_ALLOC + o || s === ST_ALLOC_MOVABLE + o) {
      if (this.policy === 'migratetype' && this.zone.pbMt[pfn >>> pageblock_order] === this.mt.UNMAPPED) {
        // [RFC22] free_pages_prepare(): pages of an UNMAPPED pageblock are mapped back before they are freed.
        for (let i = 0; i < 1 << o; i++) this.tryCpa(pfn + i, 1, { set: _PAGE_PRESENT | _PAGE_RW, clr: 0 });
      }
      this.freeZonePages(pfn, o);
    } else {
      throw new KernelError('EINVAL', `__free_pages: pfn ${pfn} is not the head of an allocated order-${o} block (Bad page state)`);
    }
    if (this.debug) this.assertInvariants('__free_pages');
  }

  /** @internal Whether __free_pages(pfn, order) would be accepted (for all-or-nothing batches). */
  freeable(pfn: number, order: number): boolean {
    if (!Number.isInteger(pfn) || pfn < 0 || pfn >= this.nframes || !Number.isInteger(order) || order < 0 || order > MAX_PAGE_ORDER) return false;
    const s = this.zone.state(pfn);
    return (s === ST_CACHE_ALLOC + order && this.cache !== null) || s === ST_ALLOC + order || s === ST_ALLOC_MOVABLE + order;
  }

  /** @internal A CPA whose failure the caller cannot report (post_alloc_hook / free paths ignore it like the RFC code). */
  tryCpa(pfn: number, n: number, req: CpaRequest): boolean {
    try {
      this.dm.change(pfn, n, req);
      return true;
    } catch (e) {
      if (e instanceof KernelError && e.errno === 'ENOMEM') return false;
      throw e;
    }
  }

  /** The 2023 shrinker's scan_objects(nr_to_scan): maps cache blocks back at 4K and frees them; pages freed. */
  unmapped_alloc_shrink(nr_to_scan: number): number {
    return unmappedAllocShrink(this, nr_to_scan);
  }

  /** The shrinker's count_objects(): Σ nr_free[order] << order. */
  unmapped_alloc_count(): number {
    return this.cache ? this.cache.freePages : 0;
  }

  // ---------------------------------------------------------------- CPA entry points

  /** @internal change_page_attr_set_clr() on direct-map addresses, then cpa_flush() and (for rox) the 2025 collapse. */
  cpaDirect(pfn: number, numpages: number, req: CpaRequest, collapse: boolean): void {
    this.dm.takeChanged();
    try {
      this.dm.change(pfn, numpages, req);
    } finally {
      if (this.dm.takeChanged()) {
        if (numpages > TLB_SINGLE_PAGE_FLUSH_CEILING) this.dm.counters.flush_tlb_all++;
        else this.dm.counters.flush_tlb_kernel_range++;
      }
    }
    if (collapse && this.collapseEnabled) this.dm.collapse(pfn, numpages);
  }

  /** CPA on a vmalloc/execmem area: its own PTEs, and cpa_process_alias() on the direct map (NX left alone). */
  private cpaRegion(r: VmRegion, numpages: number, req: CpaRequest, collapse: boolean): void {
    if (r.freed) throw new KernelError('EINVAL', `set_memory: ${r.addr} was freed`);
    if (numpages > r.nr_pages) throw new KernelError('EINVAL', `set_memory: ${numpages} pages beyond the ${r.nr_pages}-page area at ${r.addr}`);
    let changed = false;
    for (let i = 0; i < numpages; i++) {
      const nw = (r.prot[i]! & ~req.clr) | req.set;
      const v = nw & _PAGE_PRESENT ? nw : nw & ~_PAGE_GLOBAL;
      if (v !== r.prot[i]) {
        r.prot[i] = v;
        changed = true;
      }
    }
    const alias: CpaRequest = { set: req.set & ~_PAGE_NX, clr: req.clr & ~_PAGE_NX };
    if (req.forceSplit) alias.forceSplit = true;
    this.dm.takeChanged();
    try {
      for (let i = 0; i < numpages; ) {
        let j = i + 1;
        while (j < numpages && r.pages[j] === r.pages[j - 1]! + 1) j++;
        this.dm.change(r.pages[i]!, j - i, alias);
        i = j;
      }
    } finally {
      // Alias processing sets force_flush_all.
      if (this.dm.takeChanged() || changed) this.dm.counters.flush_tlb_all++;
    }
    if (collapse && this.collapseEnabled) for (let i = 0; i < numpages; i++) this.dm.collapse(r.pages[i]!, 1);
  }

  private setMemory(target: PageRef | VmRegion, numpages: number, req: CpaRequest, what: string, collapse = false): void {
    if (!Number.isInteger(numpages) || numpages < 0) throw new KernelError('EINVAL', `${what}: bad numpages ${numpages}`);
    if (isRegion(target)) this.cpaRegion(target, numpages, req, collapse);
    else {
      const pfn = this.refPfn(target, what);
      this.cpaDirect(pfn, numpages, req, collapse);
    }
    if (this.debug) this.assertInvariants(what);
  }

  /** set_memory_ro(): clear RW and DIRTY. */
  set_memory_ro(target: PageRef | VmRegion, numpages = 1): void {
    this.setMemory(target, numpages, { set: 0, clr: _PAGE_RW | _PAGE_DIRTY }, 'set_memory_ro');
  }
  /** set_memory_rw(): set RW. */
  set_memory_rw(target: PageRef | VmRegion, numpages = 1): void {
    this.setMemory(target, numpages, { set: _PAGE_RW, clr: 0 }, 'set_memory_rw');
  }
  /** set_memory_x(): clear NX. */
  set_memory_x(target: PageRef | VmRegion, numpages = 1): void {
    this.setMemory(target, numpages, { set: 0, clr: _PAGE_NX }, 'set_memory_x');
  }
  /** set_memory_nx(): set NX. */
  set_memory_nx(target: PageRef | VmRegion, numpages = 1): void {
    this.setMemory(target, numpages, { set: _PAGE_NX, clr: 0 }, 'set_memory_nx');
  }
  /** set_memory_np(): clear PRESENT. */
  set_memory_np(target: PageRef | VmRegion, numpages = 1): void {
    this.setMemory(target, numpages, { set: 0, clr: _PAGE_PRESENT }, 'set_memory_np');
  }
  /** set_memory_p(): set PRESENT. */
  set_memory_p(target: PageRef | VmRegion, numpages = 1): void {
    this.setMemory(target, numpages, { set: _PAGE_PRESENT, clr: 0 }, 'set_memory_p');
  }
  /** set_memory_rox(): clear RW, DIRTY and NX; with the 2025 code also CPA_COLLAPSE. */
  set_memory_rox(target: PageRef | VmRegion, numpages = 1): void {
    this.setMemory(target, numpages, { set: 0, clr: _PAGE_RW | _PAGE_DIRTY | _PAGE_NX }, 'set_memory_rox', true);
  }
  /** set_memory_4k(): force 4K PTEs (with the 2025 code also _PAGE_KERNEL_4K). */
  set_memory_4k(target: PageRef | VmRegion, numpages = 1): void {
    this.setMemory(target, numpages, { set: this.collapseEnabled ? _PAGE_KERNEL_4K : 0, clr: 0, forceSplit: true }, 'set_memory_4k');
  }

  /** set_memory_np_noalias(): clear PRESENT on the given mapping only (CPA_NO_CHECK_ALIAS). */
  set_memory_np_noalias(target: PageRef | VmRegion, numpages = 1): void {
    if (isRegion(target)) {
      if (target.freed) throw new KernelError('EINVAL', `set_memory_np_noalias: ${target.addr} was freed`);
      if (!Number.isInteger(numpages) || numpages < 0 || numpages > target.nr_pages) throw new KernelError('EINVAL', `set_memory_np_noalias: bad numpages ${numpages}`);
      let changed = false;
      for (let i = 0; i < numpages; i++) {
        const v = target.prot[i]! & ~(_PAGE_PRESENT | _PAGE_GLOBAL);
        if (v !== target.prot[i]) {
          target.prot[i] = v;
          changed = true;
        }
      }
      if (changed) {
        if (numpages > TLB_SINGLE_PAGE_FLUSH_CEILING) this.dm.counters.flush_tlb_all++;
        else this.dm.counters.flush_tlb_kernel_range++;
      }
      return;
    }
    this.setMemory(target, numpages, { set: 0, clr: _PAGE_PRESENT }, 'set_memory_np_noalias');
  }

  /** set_direct_map_valid_noflush(page, nr, valid): the multi-page form (valid: set / clear PRESENT and RW). */
  set_direct_map_valid_noflush(page: PageRef, nr: number, valid: boolean): void {
    const pfn = this.refPfn(page, 'set_direct_map_valid_noflush');
    if (!Number.isInteger(nr) || nr < 0) throw new KernelError('EINVAL', `set_direct_map_valid_noflush: bad nr ${nr}`);
    const rw = _PAGE_PRESENT | _PAGE_RW;
    this.dm.change(pfn, nr, valid ? { set: rw, clr: 0 } : { set: 0, clr: rw });
    this.dm.takeChanged();
    if (this.debug) this.assertInvariants('set_direct_map_valid_noflush');
  }

  /** set_direct_map_invalid_noflush(page): clear PRESENT and RW on the direct map, no alias, no flush. */
  set_direct_map_invalid_noflush(page: PageRef): void {
    const pfn = this.refPfn(page, 'set_direct_map_invalid_noflush');
    this.dm.change(pfn, 1, { set: 0, clr: _PAGE_PRESENT | _PAGE_RW });
    this.dm.takeChanged();
    if (this.debug) this.assertInvariants('set_direct_map_invalid_noflush');
  }

  /** set_direct_map_default_noflush(page): set PRESENT and RW (_PAGE_GLOBAL stays cleared), no flush. */
  set_direct_map_default_noflush(page: PageRef): void {
    const pfn = this.refPfn(page, 'set_direct_map_default_noflush');
    this.dm.change(pfn, 1, { set: _PAGE_PRESENT | _PAGE_RW, clr: 0 });
    this.dm.takeChanged();
    if (this.debug) this.assertInvariants('set_direct_map_default_noflush');
  }

  /** flush_tlb_kernel_range(): counted. */
  flush_tlb_kernel_range(): void {
    this.dm.counters.flush_tlb_kernel_range++;
  }

  /** lookup_address() of a page's direct-map address. */
  lookup_address(page: PageRef): { level: LevelName; present: boolean; rw: boolean; nx: boolean; global: boolean } {
    const pfn = this.refPfn(page, 'lookup_address');
    const { level, prot } = this.dm.lookup(pfn);
    return {
      level: level === PG_LEVEL_1G ? '1G' : level === PG_LEVEL_2M ? '2M' : '4K',
      present: (prot & _PAGE_PRESENT) !== 0,
      rw: (prot & _PAGE_RW) !== 0,
      nx: (prot & _PAGE_NX) !== 0,
      global: (prot & _PAGE_GLOBAL) !== 0,
    };
  }

  /** page_address(): the direct-map virtual address of a page, hex (PAGE_OFFSET 0xffff888000000000, no KASLR). */
  page_address(page: PageRef): string {
    const pfn = this.refPfn(page, 'page_address');
    return '0x' + (0xffff888000000000n + (BigInt(pfn) << BigInt(PAGE_SHIFT))).toString(16);
  }

  // ---------------------------------------------------------------- vmalloc / execmem / secretmem

  /** vmalloc(size, { flags: ['VM_FLUSH_RESET_PERMS'] }): order-0 GFP_KERNEL pages mapped in the vmalloc range. */
  vmalloc(size: number | string, opts: { flags?: string[]; gfp?: string } = {}): VmRegion | null {
    return vmalloc(this, size, opts);
  }

  /** vfree(); with VM_FLUSH_RESET_PERMS, vm_reset_perms() first. */
  vfree(r: VmRegion): void {
    vfree(this, r);
  }

  /** execmem_alloc(size): module / BPF JIT text, ROX (classic, or from the ROX cache). */
  execmem_alloc(size: number | string): VmRegion | null {
    return execmem_alloc(this, size);
  }

  /** execmem_free(): back to the ROX cache, or vfree() of the text area. */
  execmem_free(r: VmRegion): void {
    execmem_free(this, r);
  }

  /** Reserves the virtual range of an area for its pages (see vmalloc.ts). */
  registerArea(kind: 'vmalloc' | 'execmem', pages: number[], size: number, flags: string[], huge: boolean): VmRegion {
    return registerArea(this, kind, pages, size, flags, huge);
  }

  /** Drops an area's registration (its pages are the caller's to free). */
  unregisterArea(r: VmRegion): void {
    unregisterArea(this, r);
  }

  /** memfd_secret(2): a file whose pages leave the direct map while they exist. */
  memfd_secret(): SecretFile {
    const f = new SecretFile(this);
    this.secretFiles.add(f);
    return f;
  }

  /** Bytes of typed-array state the engine holds (frames, pageblocks, page tables, caches). */
  footprintBytes(): number {
    const z = this.zone;
    const d = this.dm;
    let n = z.frames.byteLength + z.pbMt.byteLength + z.pbFlags.byteLength + z.pbFree.byteLength;
    n += z.heads.byteLength + z.tails.byteLength + z.nrFree.byteLength + z.pcp.byteLength();
    n += d.pudKind.byteLength + d.pudProt.byteLength + d.pudTable.byteLength;
    n += d.pmdKind.byteLength + d.pmdProt.byteLength + d.pmdTable.byteLength + d.pteNotPresent.byteLength + d.pte.length * 8;
    for (const t of d.pte) if (t) n += t.byteLength;
    if (this.cache) n += this.cache.byteLength();
    return n;
  }

  // ---------------------------------------------------------------- checker

  /** Throws when an invariant does not hold (see invariants.ts). */
  assertInvariants(where: string): void {
    const errs = this.checkInvariants();
    if (errs.length) throw new Error(`mm invariants broken after ${where}:\n  ${errs.slice(0, 10).join('\n  ')}`);
  }

  /** Filled in by invariants.ts (kept apart so the hot paths stay small). */
  checkInvariants(): string[] {
    return checker(this);
  }
}

let checker: (mm: Mm) => string[] = () => [];
/** Installs the invariant checker (invariants.ts calls this on import). */
export function installChecker(fn: (mm: Mm) => string[]): void {
  checker = fn;
}

export function isRegion(x: unknown): x is VmRegion {
  return typeof x === 'object' && x !== null && 'pages' in x && 'addr' in x && 'nr_pages' in x;
}
