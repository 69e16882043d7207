import { MAX_PAGE_ORDER, NR_PAGE_ORDERS, ZONE_NAMES, pageblock_order, pageblock_nr_pages } from './mmzone';
import type { MigrateTypes, Policy } from './mmzone';
import type { Page, PageRef } from './mm_types';

/**
 * Frame state lives in one Uint32Array, 4 bytes per 4 KiB frame: the low 26 bits are a free-list link, the high
 * 6 bits the frame's state. A free block of order o at pfn keeps its `next` link in frame pfn and its `prev`
 * link in frame pfn^1 (inside the block when o >= 1; for o = 0 that frame is the allocated buddy, whose link
 * bits are otherwise unused) — the model's stand-in for struct page's buddy_list.
 */
export const LINK_MASK = 0x3ffffff;
export const NIL = LINK_MASK;
/** Free head in the zone buddy: ST_FREE + order (PageBuddy with buddy_order). */
export const ST_FREE = 1;
/** Allocated head, not movable: ST_ALLOC + order. */
export const ST_ALLOC = 12;
/** Allocated head, movable (would be PageLRU / __PageMovable): ST_ALLOC_MOVABLE + order. */
export const ST_ALLOC_MOVABLE = 23;
/** Free head in the 2023 unmapped cache (PageUnmapped): ST_CACHE_FREE + order. */
export const ST_CACHE_FREE = 34;
/** Allocated head that came from the 2023 unmapped cache: ST_CACHE_ALLOC + order. */
export const ST_CACHE_ALLOC = 45;
/** An order-0 page holding a direct-map page table (allocated with GFP_KERNEL by split_large_page()). */
export const ST_PGTABLE = 60;
/** Free page on a per-cpu list (not PageBuddy, not counted in NR_FREE_PAGES): ST_PCP + order, order <= 3. */
export const ST_PCP = 56;

/** Not a frame of the buddy: the memmap above the zone's managed pages (PageReserved; never in the frame array). */
export const ST_RESERVED = 61;

/** Pageblock flag: PB_unmapped (2023) / the pageblock's freetype has FREETYPE_UNMAPPED (2026). */
export const PB_UNMAPPED = 1;

/** Per-zone allocator events (the zone's share of /proc/vmstat's pgalloc_<zone>, pgfree, numa_hit). */
export interface ZoneEvents {
  /** pgalloc_<zone>: pages allocated from this zone. */
  pgalloc: number;
  pgfree: number;
  /** numa_hit (= numa_local on one node): allocations served by this zone, counted once per allocation. */
  numa_hit: number;
  /** allocstall_<zone>: direct reclaim entered with this zone as the request's highest zone. */
  allocstall: number;
}

/**
 * The node's frames (struct pglist_data's memmap): one frame array and the pageblock bitmaps, shared by its zones
 * (pfns are node-wide, so buddy links and pageblock indexes are too).
 */
export interface NodeFrames {
  /** Frames handed to the buddy at boot run from pfn 0 to nframes-1 (past that, the memmap: PageReserved). */
  readonly nframes: number;
  /** node_spanned_pages. */
  readonly spanned: number;
  readonly frames: Uint32Array;
  readonly nblocks: number;
  readonly pbMt: Uint8Array;
  readonly pbFlags: Uint8Array;
  readonly pbFree: Uint16Array;
}

export function nodeFrames(nframes: number, spanned: number, mt: MigrateTypes): NodeFrames {
  const nblocks = Math.ceil(spanned / pageblock_nr_pages); // the memmap's pageblocks are MOVABLE too, as memmap_init() marks them
  return {
    nframes,
    spanned,
    frames: new Uint32Array(nframes + 1), // +1: frame nframes^1 may hold the prev link of the last frame
    nblocks,
    pbMt: new Uint8Array(nblocks).fill(mt.MOVABLE), // memmap_init_range(..., MIGRATE_MOVABLE)
    pbFlags: new Uint8Array(nblocks),
    pbFree: new Uint16Array(nblocks),
  };
}

/**
 * One zone of the buddy allocator (struct zone): free_area[order].free_list[type] over the zone's pfn range,
 * pageblock migratetypes, the mainline fallback table with claim (whole pageblock) vs steal (one block, type
 * unchanged), buddy merging, watermarks and lowmem_reserve. Pages are always on the free list of their pageblock's
 * type (the v6.9+ "freelist hygiene"). The frame array and pageblock arrays are the node's, shared by all zones.
 */
export class Zone {
  /** Node-wide: frames given to the buddy (pfn 0 … nframes-1). */
  readonly nframes: number;
  /** Node-wide: node_spanned_pages (the managed frames, then the reserved memmap up to the end of memory). */
  readonly spanned: number;
  readonly frames: Uint32Array;
  /** Node-wide pageblock count. */
  readonly nblocks: number;
  /** Pageblock migratetype (get_pageblock_migratetype), node-wide. */
  readonly pbMt: Uint8Array;
  /** Pageblock flags (PB_UNMAPPED), node-wide. */
  readonly pbFlags: Uint8Array;
  /** Free pages of the buddy inside each pageblock (kept incrementally for snapshot()), node-wide. */
  readonly pbFree: Uint16Array;
  /** Number of free-list types: the migratetypes, plus one "unmapped" freetype under the 2026 policy. */
  readonly nlists: number;
  /** List index of the 2026 FREETYPE_UNMAPPED list of MIGRATE_UNMOVABLE, or -1. */
  readonly unmappedList: number;
  readonly heads: Int32Array;
  readonly tails: Int32Array;
  readonly nrFree: Int32Array;
  /** zone_page_state(NR_FREE_PAGES). */
  freePages = 0;
  /** Free pages in blocks of order >= pageblock_order (vmstat nr_free_pages_blocks). */
  freeBlockPages = 0;
  readonly events: ZoneEvents = { pgalloc: 0, pgfree: 0, numa_hit: 0, allocstall: 0 };
  /** The per-cpu page lists of one CPU (struct per_cpu_pages); set by setup_zone_pageset() once watermarks exist. */
  pcp!: PerCpuPages;
  /** enum zone_type. */
  readonly idx: number;
  readonly name: string;
  readonly zone_start_pfn: number;
  readonly spanned_pages: number;
  /** Pages of the span backed by RAM (the model's clean boot has no holes: present = spanned). */
  readonly present_pages: number;
  /** zone_managed_pages(): present pages handed to the buddy (the memmap at the top of memory is not). */
  readonly managed_pages: number;
  /** First pfn past the zone's managed pages (the buddy never merges past it). */
  readonly managedEnd: number;
  /** _watermark[WMARK_MIN … WMARK_PROMO], set by __setup_per_zone_wmarks(). */
  readonly _watermark = [0, 0, 0, 0];
  /** watermark_boost: the model never boosts (6.18 boosts on fragmenting fallbacks; boost_watermark() is not modelled). */
  readonly watermark_boost = 0;
  /** lowmem_reserve[highest_zoneidx], set by setup_per_zone_lowmem_reserve(). */
  readonly lowmem_reserve = [0, 0, 0, 0, 0];
  /** nr_free_highatomic: pages in MIGRATE_HIGHATOMIC pageblocks (the model reserves none). */
  readonly nr_free_highatomic = 0;

  /**
   * @param layout for a machine profile: the zone's frames without RAM (holes) and its present frames memblock
   * keeps (the first megabyte, the kernel image), which present_pages and managed_pages leave out.
   */
  constructor(
    node: NodeFrames,
    idx: number,
    start: number,
    end: number,
    readonly mt: MigrateTypes,
    freetypes: boolean,
    layout?: { holes: number; reserved: number },
  ) {
    this.nframes = node.nframes;
    this.spanned = node.spanned;
    this.frames = node.frames;
    this.nblocks = node.nblocks;
    this.pbMt = node.pbMt;
    this.pbFlags = node.pbFlags;
    this.pbFree = node.pbFree;
    this.idx = idx;
    this.name = ZONE_NAMES[idx]!;
    this.zone_start_pfn = end > start ? start : 0;
    this.spanned_pages = Math.max(0, end - start);
    this.present_pages = this.spanned_pages - (layout?.holes ?? 0);
    this.managedEnd = this.spanned_pages ? Math.max(start, Math.min(end, node.nframes)) : 0;
    this.managed_pages = this.spanned_pages
      ? this.managedEnd - start - (layout?.holes ?? 0) - (layout?.reserved ?? 0)
      : 0;
    this.nlists = mt.names.length + (freetypes ? 1 : 0);
    this.unmappedList = freetypes ? mt.names.length : -1;
    this.heads = new Int32Array(NR_PAGE_ORDERS * this.nlists).fill(NIL);
    this.tails = new Int32Array(NR_PAGE_ORDERS * this.nlists).fill(NIL);
    this.nrFree = new Int32Array(NR_PAGE_ORDERS * this.nlists);
  }

  /** populated_zone(). */
  get populated(): boolean {
    return this.present_pages > 0;
  }

  /** Whether pfn lies in this zone's span (zone_spans_pfn). */
  spans(pfn: number): boolean {
    return pfn >= this.zone_start_pfn && pfn < this.zone_start_pfn + this.spanned_pages;
  }

  /** memblock_free_all(): hand all frames to the buddy in the largest aligned blocks, to the tail (FPI_TO_TAIL). */
  bootFree(): void {
    this.bootFreeRange(this.zone_start_pfn, this.managedEnd);
  }

  /** memblock_free_all() of [start, end) only (a machine profile's runs between holes and reservations). */
  bootFreeRange(start: number, end: number): void {
    let pfn = Math.max(start, this.zone_start_pfn);
    end = Math.min(end, this.managedEnd);
    while (pfn < end) {
      let order = MAX_PAGE_ORDER;
      while (order > 0 && ((pfn & ((1 << order) - 1)) !== 0 || pfn + (1 << order) > end)) order--;
      this.freeOne(pfn, order, true);
      pfn += 1 << order;
    }
  }

  state(pfn: number): number {
    if (pfn >= this.nframes) return ST_RESERVED;
    return this.frames[pfn]! >>> 26;
  }

  setState(pfn: number, s: number): void {
    this.frames[pfn] = (this.frames[pfn]! & LINK_MASK) | (s << 26);
  }

  /** The free-list type of the pageblock holding pfn. */
  listTypeOf(pfn: number): number {
    const b = pfn >>> pageblock_order;
    if (this.unmappedList >= 0 && this.pbFlags[b]! & PB_UNMAPPED) return this.unmappedList;
    return this.pbMt[b]!;
  }

  private account(pfn: number, order: number, sign: number): void {
    const n = 1 << order;
    this.freePages += sign * n;
    if (order >= pageblock_order) {
      this.freeBlockPages += sign * n;
      for (let b = pfn >>> pageblock_order, e = b + (n >>> pageblock_order); b < e; b++)
        this.pbFree[b] = sign > 0 ? pageblock_nr_pages : 0;
    } else {
      this.pbFree[pfn >>> pageblock_order]! += sign * n;
    }
  }

  /** __add_to_free_list(): at the head, or the tail when to_tail. */
  add(pfn: number, order: number, lt: number, toTail: boolean): void {
    const li = order * this.nlists + lt;
    const f = this.frames;
    if (toTail) {
      const t = this.tails[li]!;
      f[pfn] = ((ST_FREE + order) << 26) | NIL;
      f[pfn ^ 1] = (f[pfn ^ 1]! & ~LINK_MASK) | t;
      if (t !== NIL) f[t] = (f[t]! & ~LINK_MASK) | pfn;
      else this.heads[li] = pfn;
      this.tails[li] = pfn;
    } else {
      const h = this.heads[li]!;
      f[pfn] = ((ST_FREE + order) << 26) | h;
      f[pfn ^ 1] = (f[pfn ^ 1]! & ~LINK_MASK) | NIL;
      if (h !== NIL) f[h ^ 1] = (f[h ^ 1]! & ~LINK_MASK) | pfn;
      else this.tails[li] = pfn;
      this.heads[li] = pfn;
    }
    this.nrFree[li]!++;
    this.account(pfn, order, 1);
  }

  /** __del_page_from_free_list(). Leaves the frame's state 0. */
  del(pfn: number, order: number, lt: number): void {
    const li = order * this.nlists + lt;
    const f = this.frames;
    const n = f[pfn]! & LINK_MASK;
    const p = f[pfn ^ 1]! & LINK_MASK;
    if (p !== NIL) f[p] = (f[p]! & ~LINK_MASK) | n;
    else this.heads[li] = n;
    if (n !== NIL) f[n ^ 1] = (f[n ^ 1]! & ~LINK_MASK) | p;
    else this.tails[li] = p;
    f[pfn] = 0;
    this.nrFree[li]!--;
    this.account(pfn, order, -1);
  }

  /** expand(): hand the upper halves of a block of order high back to the free lists, down to order low. */
  expand(pfn: number, low: number, high: number, lt: number): void {
    while (high > low) {
      high--;
      this.add(pfn + (1 << high), high, lt, false);
    }
  }

  /** __rmqueue_smallest(): the smallest block >= order on list type lt, split down. -1 if none. */
  rmqueueSmallest(order: number, lt: number): number {
    const nl = this.nlists;
    for (let o = order; o <= MAX_PAGE_ORDER; o++) {
      const pfn = this.heads[o * nl + lt]!;
      if (pfn === NIL) continue;
      this.del(pfn, o, lt);
      this.expand(pfn, order, o, lt);
      return pfn;
    }
    return -1;
  }

  /** should_try_claim_block() (mm/page_alloc.c, v6.15+). */
  private shouldTryClaimBlock(order: number, startMt: number): boolean {
    if (order >= pageblock_order) return true;
    if (order >= pageblock_order >> 1) return true; // C integer division: 4
    if (startMt === this.mt.RECLAIMABLE || startMt === this.mt.UNMOVABLE) return true;
    return false;
  }

  /** find_suitable_fallback() without the claimable test: first fallback type with a free block of this order. */
  private fallbackWithFree(order: number, startMt: number, claim: boolean): number {
    for (const fb of this.mt.fallbacks[startMt] ?? []) {
      // Model choice: other types never claim MIGRATE_UNMAPPED blocks (2022 policy), they may only steal.
      if (claim && fb === this.mt.UNMAPPED) continue;
      if (this.heads[order * this.nlists + fb] !== NIL) return fb;
    }
    return -1;
  }

  /** Sets the migratetype of every pageblock covered by a block (change_pageblock_range). */
  setBlockRange(pfn: number, order: number, mt: number): void {
    const n = order >= pageblock_order ? 1 << (order - pageblock_order) : 1;
    for (let b = pfn >>> pageblock_order, e = b + n; b < e; b++) this.pbMt[b] = mt;
  }

  /** Pages of movable allocations inside pageblock b (prep_move_freepages_block's movable_pages). */
  private movablePages(b: number): number {
    let n = 0;
    const start = b << pageblock_order;
    for (let pfn = start, e = start + pageblock_nr_pages; pfn < e; pfn++) {
      const s = this.frames[pfn]! >>> 26;
      if (s >= ST_ALLOC_MOVABLE && s < ST_CACHE_FREE) n += 1 << (s - ST_ALLOC_MOVABLE);
    }
    return n;
  }

  /** __move_freepages_block(): move every free block inside pageblock b from list type `from` to `to` (tail). */
  moveFreepagesBlock(b: number, from: number, to: number): number {
    const start = b << pageblock_order;
    const end = Math.min(start + pageblock_nr_pages, this.managedEnd);
    let moved = 0;
    for (let pfn = start; pfn < end;) {
      const s = this.frames[pfn]! >>> 26;
      if (s >= ST_FREE && s < ST_ALLOC) {
        const o = s - ST_FREE;
        this.del(pfn, o, from);
        this.add(pfn, o, to, true);
        moved += 1 << o;
        pfn += 1 << o;
      } else pfn++;
    }
    return moved;
  }

  /** try_to_claim_block(). */
  private tryToClaimBlock(pfn: number, currentOrder: number, order: number, startMt: number, blockMt: number): number {
    if (currentOrder >= pageblock_order) {
      this.del(pfn, currentOrder, blockMt);
      this.setBlockRange(pfn, currentOrder, startMt);
      this.expand(pfn, order, currentOrder, startMt);
      return pfn;
    }
    const b = pfn >>> pageblock_order;
    if ((b + 1) << pageblock_order > this.managedEnd) return -1; // block crosses the zone end
    const free = this.pbFree[b]!;
    const movable = this.movablePages(b);
    let alike: number;
    if (startMt === this.mt.MOVABLE) alike = movable;
    else if (blockMt === this.mt.MOVABLE) alike = pageblock_nr_pages - (free + movable);
    else alike = 0;
    if (free + alike >= 1 << (pageblock_order - 1)) {
      this.moveFreepagesBlock(b, blockMt, startMt);
      this.pbMt[b] = startMt;
      return this.rmqueueSmallest(order, startMt);
    }
    return -1;
  }

  /** __rmqueue_claim(): largest fallback block first; claim its pageblock if should_try_claim_block(). */
  rmqueueClaim(order: number, startMt: number, nofragment: boolean): number {
    const minOrder = order < pageblock_order && nofragment ? pageblock_order : order;
    for (let co = MAX_PAGE_ORDER; co >= minOrder; co--) {
      if (!this.shouldTryClaimBlock(co, startMt)) break;
      const fb = this.fallbackWithFree(co, startMt, true);
      if (fb < 0) continue;
      const page = this.tryToClaimBlock(this.heads[co * this.nlists + fb]!, co, order, startMt, fb);
      if (page >= 0) return page;
    }
    return -1;
  }

  /** __rmqueue_steal(): smallest fallback block; the pageblock keeps its type. */
  rmqueueSteal(order: number, startMt: number): number {
    for (let co = order; co <= MAX_PAGE_ORDER; co++) {
      const fb = this.fallbackWithFree(co, startMt, false);
      if (fb < 0) continue;
      const pfn = this.heads[co * this.nlists + fb]!;
      this.del(pfn, co, fb);
      this.expand(pfn, order, co, fb);
      return pfn;
    }
    return -1;
  }

  /** The 2022 RFC's steal for MIGRATE_UNMAPPED: the largest fallback block, single-page path (no claim). */
  rmqueueStealLargest(order: number, startMt: number): number {
    for (let co = MAX_PAGE_ORDER; co >= order; co--) {
      const fb = this.fallbackWithFree(co, startMt, false);
      if (fb < 0) continue;
      const pfn = this.heads[co * this.nlists + fb]!;
      this.del(pfn, co, fb);
      this.expand(pfn, order, co, fb);
      return pfn;
    }
    return -1;
  }

  /** __rmqueue() for one zone, alloc_flags reduced to ALLOC_NOFRAGMENT. */
  rmqueue(order: number, mt: number, nofragment: boolean): number {
    let page = this.rmqueueSmallest(order, mt);
    if (page >= 0) return page;
    if (mt === this.mt.UNMAPPED) return nofragment ? -1 : this.rmqueueStealLargest(order, mt);
    page = this.rmqueueClaim(order, mt, nofragment);
    if (page >= 0) return page;
    if (!nofragment) page = this.rmqueueSteal(order, mt);
    return page;
  }

  /** migratetype_is_mergeable(): only the per-cpu-list types merge across pageblocks of different type. */
  private mergeable(mt: number): boolean {
    return mt < this.mt.PCPTYPES;
  }

  /** __free_one_page(): merge with free buddies (pfn ^ 1<<order) up to MAX_PAGE_ORDER, then add to a free list. */
  freeOne(pfn: number, order: number, fpiToTail = false): void {
    const f = this.frames;
    const target = ST_FREE;
    let mt = this.pbMt[pfn >>> pageblock_order]!;
    while (order < MAX_PAGE_ORDER) {
      const buddy = pfn ^ (1 << order);
      if (buddy >= this.managedEnd || f[buddy]! >>> 26 !== target + order) break;
      if (order >= pageblock_order) {
        const bb = buddy >>> pageblock_order;
        const bmt = this.pbMt[bb]!;
        if (bmt !== mt && (!this.mergeable(mt) || !this.mergeable(bmt))) break;
        if (
          this.unmappedList >= 0 &&
          (this.pbFlags[bb]! & PB_UNMAPPED) !== (this.pbFlags[pfn >>> pageblock_order]! & PB_UNMAPPED)
        )
          break;
        this.del(buddy, order, this.listTypeOf(buddy));
        if (bmt !== mt) this.setBlockRange(buddy, order, mt); // "Match buddy type"
      } else {
        this.del(buddy, order, this.listTypeOf(buddy));
      }
      pfn &= buddy;
      order++;
      mt = this.pbMt[pfn >>> pageblock_order]!;
    }
    let toTail = fpiToTail;
    if (!toTail && order < MAX_PAGE_ORDER - 1) {
      // buddy_merge_likely(): the block one order up is free, so this one is likely to merge soon.
      const higher = pfn & ~(1 << order);
      const hb = higher ^ (1 << (order + 1));
      toTail = hb < this.managedEnd && f[hb]! >>> 26 === ST_FREE + order + 1;
    }
    this.add(pfn, order, this.listTypeOf(pfn), toTail);
  }

  /** Free blocks per order summed over all list types (the /proc/buddyinfo row). */
  freeCounts(): number[] {
    const out: number[] = [];
    for (let o = 0; o <= MAX_PAGE_ORDER; o++) {
      let n = 0;
      for (let lt = 0; lt < this.nlists; lt++) n += this.nrFree[o * this.nlists + lt]!;
      out.push(n);
    }
    return out;
  }

  /** Walks one free list (for tests and the invariant checker). */
  listPfns(order: number, lt: number): number[] {
    const out: number[] = [];
    for (let p = this.heads[order * this.nlists + lt]!; p !== NIL; p = this.frames[p]! & LINK_MASK) out.push(p);
    return out;
  }
}

/** pcp_allowed_order(): orders up to PAGE_ALLOC_COSTLY_ORDER use the per-cpu lists (THP order 9 is not modelled). */
export const PCP_MAX_ORDER = 3;

/**
 * Per-cpu page lists of one CPU (mm/page_alloc.c struct per_cpu_pages): order-0…3 pages per migratetype, refilled
 * by rmqueue_bulk() in batches and drained by free_pcppages_bulk() at `high`. Simplified: one CPU's lists are
 * modelled; high stays at high_min = max(low watermark / cpus, 4 × batch) (the kernel lets it float up to
 * high_max = managed / 8 / cpus and back), and refills and frees move one batch (no alloc_factor / free_count).
 */
export class PerCpuPages {
  /** zone_batchsize(): 1/1024 of the zone capped at 1 MiB, /4, rounded to 2^n - 1. */
  readonly batch: number;
  readonly high: number;
  count = 0;
  /** Ring buffers, one per (order, migratetype), grown on demand. */
  private readonly lists: Int32Array[];
  private readonly headIx: Int32Array;
  private readonly len: Int32Array;
  private drainCursor = 0;

  readonly high_min: number;
  readonly high_max: number;

  /** CPUs the zone's pcp high is split among (zone_highsize()'s nr_split_cpus), and the model's count of them. */
  readonly cpus: number;

  constructor(
    private readonly zone: Zone,
    cpus: number,
  ) {
    // zone_batchsize(), then zone_pageset_init()'s max(1, batch)
    let batch = Math.min(Math.floor(zone.managed_pages / 1024), 256);
    batch = Math.floor(batch / 4);
    if (batch < 1) batch = 1;
    const b = batch + (batch >> 1);
    batch = (1 << (31 - Math.clz32(b))) - 1;
    this.batch = Math.max(batch, 1);
    this.cpus = cpus;
    // zone_highsize(): high_min from the low watermark, high_max from managed / MIN_PERCPU_PAGELIST_HIGH_FRACTION (8)
    this.high_min = Math.max(Math.floor(zone._watermark[1]! / cpus), this.batch << 2);
    this.high_max = Math.max(Math.floor(Math.floor(zone.managed_pages / 8) / cpus), this.batch << 2);
    this.high = this.high_min;
    const nl = (PCP_MAX_ORDER + 1) * zone.mt.PCPTYPES;
    this.lists = Array.from({ length: nl }, () => new Int32Array(16));
    this.headIx = new Int32Array(nl);
    this.len = new Int32Array(nl);
  }

  private idx(order: number, mt: number): number {
    return order * this.zone.mt.PCPTYPES + mt;
  }

  /** rmqueue_pcplist(): pop the head; refill with rmqueue_bulk() when empty. -1 if the buddy has nothing. */
  alloc(order: number, mt: number, nofragment: boolean): number {
    const li = this.idx(order, mt);
    if (this.len[li] === 0) {
      const want = order === 0 ? this.batch : Math.max(this.batch >> order, this.batch > 1 ? 2 : 1);
      for (let i = 0; i < want; i++) {
        const pfn = this.zone.rmqueue(order, mt, nofragment);
        if (pfn < 0) break;
        this.pushTail(li, pfn, order);
      }
      if (this.len[li] === 0) return -1;
    }
    const list = this.lists[li]!;
    const h = this.headIx[li]!;
    const pfn = list[h]!;
    this.headIx[li] = (h + 1) & (list.length - 1);
    this.len[li]!--;
    this.count -= 1 << order;
    this.zone.setState(pfn, 0);
    return pfn;
  }

  /** Doubles a full ring buffer, unrolling it so that the head is at 0. */
  private grow(li: number): Int32Array {
    const old = this.lists[li]!;
    const list = new Int32Array(old.length * 2);
    for (let i = 0; i < this.len[li]!; i++) list[i] = old[(this.headIx[li]! + i) & (old.length - 1)]!;
    this.lists[li] = list;
    this.headIx[li] = 0;
    return list;
  }

  private pushTail(li: number, pfn: number, order: number): void {
    let list = this.lists[li]!;
    if (this.len[li] === list.length) list = this.grow(li);
    list[(this.headIx[li]! + this.len[li]!) & (list.length - 1)] = pfn;
    this.len[li]!++;
    this.count += 1 << order;
    this.zone.setState(pfn, ST_PCP + order);
  }

  /** free_unref_page_commit(): list_add at the head; above high, free_pcppages_bulk() a batch back to the buddy. */
  free(pfn: number, order: number, mt: number): void {
    const li = this.idx(order, mt);
    let list = this.lists[li]!;
    if (this.len[li] === list.length) list = this.grow(li);
    const h = (this.headIx[li]! - 1) & (list.length - 1);
    list[h] = pfn;
    this.headIx[li] = h;
    this.len[li]!++;
    this.count += 1 << order;
    this.zone.setState(pfn, ST_PCP + order);
    if (this.count >= this.high) this.freeBulk(this.batch);
  }

  /** free_pcppages_bulk(): round-robin over the lists, from their tails, until `pages` pages went back. */
  freeBulk(pages: number): void {
    const nl = this.lists.length;
    let idle = 0;
    while (pages > 0 && this.count > 0 && idle < nl) {
      const li = this.drainCursor;
      this.drainCursor = (this.drainCursor + 1) % nl;
      if (this.len[li] === 0) {
        idle++;
        continue;
      }
      idle = 0;
      const order = Math.floor(li / this.zone.mt.PCPTYPES);
      this.len[li]!--;
      const list = this.lists[li]!;
      const pfn = list[(this.headIx[li]! + this.len[li]!) & (list.length - 1)]!;
      this.count -= 1 << order;
      pages -= 1 << order;
      this.zone.setState(pfn, 0);
      this.zone.freeOne(pfn, order);
    }
  }

  /** drain_all_pages(): everything back to the buddy. */
  drain(): void {
    this.freeBulk(Infinity);
  }

  /** Bytes held by the lists. */
  byteLength(): number {
    return this.lists.reduce((n, l) => n + l.byteLength, 0) + this.headIx.byteLength + this.len.byteLength;
  }

  /** Pages on the lists, as [pfn, order] pairs (checker, snapshot). */
  entries(): [number, number][] {
    const out: [number, number][] = [];
    for (let li = 0; li < this.lists.length; li++) {
      const order = Math.floor(li / this.zone.mt.PCPTYPES);
      const list = this.lists[li]!;
      for (let i = 0; i < this.len[li]!; i++) out.push([list[(this.headIx[li]! + i) & (list.length - 1)]!, order]);
    }
    return out;
  }
}

/**
 * The node's page allocator as the files above it call it (the policies, vmalloc, execmem, secretmem): its zones,
 * __alloc_pages() and the accounting around it. Mm (mm.ts) implements it; declared here so that those files import
 * downwards only.
 */
export interface PageAllocator {
  readonly mt: MigrateTypes;
  readonly policy: Policy;
  /** The zone GFP_KERNEL allocations prefer. */
  readonly zone: Zone;
  readonly zones: Zone[];
  readonly managed_pages: number;
  /** Run the invariant checker after every operation. */
  readonly debug: boolean;
  /** page_zone(). */
  zoneOf(pfn: number): Zone;
  /** global_zone_page_state(NR_FREE_PAGES). */
  nrFreePages(): number;
  /** gfp_migratetype(). */
  gfpMigratetype(mask: number): number;
  /** __alloc_pages(): a pfn or -1; `rmq` replaces rmqueue() for a policy's own dequeue. */
  allocPfn(
    mask: number,
    order: number,
    mt: number,
    rmq?: (z: Zone, order: number, mt: number, nofragment: boolean) => number,
  ): number;
  /** The allocated block's frame state and pgalloc count. */
  markAllocated(pfn: number, order: number, mt: number): void;
  /** The zone half of __free_pages(): pgfree, buddy merge. */
  freeZonePages(pfn: number, order: number): void;
  alloc_pages(gfp: string | number, order?: number): Page | null;
  __free_pages(page: PageRef, order?: number): void;
  assertInvariants(where: string): void;
}
