import { KernelError } from '../common/errors';
import { __GFP_UNMAPPED, __GFP_ZERO } from './gfp';
import { MAX_PAGE_ORDER, NR_PAGE_ORDERS, pageblock_order } from './mmzone';
import { LINK_MASK, NIL, PB_UNMAPPED, ST_ALLOC, ST_CACHE_ALLOC, ST_CACHE_FREE } from './page_alloc';
import { _PAGE_PRESENT, _PAGE_RW, tryCpa } from './set_memory';
import type { CpaRequest, DirectMap } from './set_memory';
import type { PageAllocator, Zone } from './page_alloc';

/**
 * The 2023 unmapped_alloc cache (mm/unmapped-alloc.c in rppt/linux): a global buddy allocator of its own,
 * free_area[MAX_ORDER] (orders 0…10) without migratetypes, whose free pages are PageUnmapped and absent from
 * the direct map. Frame states are shared with the zone (ST_CACHE_FREE / ST_CACHE_ALLOC), and so are the link bits
 * of the frame array for blocks of order >= 1 (next in the head, prev in head^1, both inside the block, where no
 * zone list reaches); an order-0 block's buddy may be a free zone page whose prev link is in this frame, so the
 * order-0 list keeps its links in two maps.
 */
/** What the 2023 cache needs of the machine (Mm implements it). */
export interface UnmappedAllocMm extends PageAllocator {
  readonly dm: DirectMap;
  readonly cache: UnmappedCache | null;
  readonly literalNp: boolean;
  /** Shrinker results. */
  readonly shrinkerStats: { scanned: number; freed: number };
  /** change_page_attr_set_clr() on direct-map addresses, then cpa_flush(). */
  cpaDirect(pfn: number, numpages: number, req: CpaRequest, collapse: boolean): void;
}

export class UnmappedCache {
  /** Links of the order-0 list (pfn -> next / prev). */
  private readonly next0 = new Map<number, number>();
  private readonly prev0 = new Map<number, number>();
  readonly heads = new Int32Array(NR_PAGE_ORDERS).fill(NIL);
  readonly nr_free = new Int32Array(NR_PAGE_ORDERS);
  /** Cache pages (free or handed out) per pageblock; the block's PB_unmapped is dropped when it reaches 0. */
  readonly pbCache: Uint16Array;
  /** Free cache pages per pageblock (snapshot()). */
  readonly pbCacheFree: Uint16Array;
  freePages = 0;

  constructor(private readonly zone: Zone) {
    this.pbCache = new Uint16Array(zone.nblocks);
    this.pbCacheFree = new Uint16Array(zone.nblocks);
  }

  private accountFree(pfn: number, order: number, sign: number): void {
    this.freePages += sign * (1 << order);
    if (order >= pageblock_order) {
      for (let b = pfn >>> pageblock_order, e = b + (1 << (order - pageblock_order)); b < e; b++)
        this.pbCacheFree[b]! += sign * 512;
    } else this.pbCacheFree[pfn >>> pageblock_order]! += sign * (1 << order);
  }

  private nextOf(pfn: number, order: number): number {
    return order ? this.zone.frames[pfn]! & LINK_MASK : this.next0.get(pfn)!;
  }

  private prevOf(pfn: number, order: number): number {
    return order ? this.zone.frames[pfn ^ 1]! & LINK_MASK : this.prev0.get(pfn)!;
  }

  private setNext(pfn: number, order: number, v: number): void {
    const f = this.zone.frames;
    if (order) f[pfn] = (f[pfn]! & ~LINK_MASK) | v;
    else this.next0.set(pfn, v);
  }

  private setPrev(pfn: number, order: number, v: number): void {
    const f = this.zone.frames;
    if (order) f[pfn ^ 1] = (f[pfn ^ 1]! & ~LINK_MASK) | v;
    else this.prev0.set(pfn, v);
  }

  /** Bytes of the order-0 maps (an estimate: V8 keeps about 20 bytes per Map entry). */
  byteLength(): number {
    return (this.next0.size + this.prev0.size) * 20 + this.pbCache.byteLength + this.pbCacheFree.byteLength;
  }

  /** Pages entering (+1) or leaving (-1) the cache's ownership. */
  own(pfn: number, order: number, sign: number): void {
    if (order >= pageblock_order) {
      for (let b = pfn >>> pageblock_order, e = b + (1 << (order - pageblock_order)); b < e; b++)
        this.pbCache[b]! += sign * 512;
    } else this.pbCache[pfn >>> pageblock_order]! += sign * (1 << order);
  }

  /** add_to_free_list() + set_unmapped_order(): list_add at the head. */
  private add(pfn: number, order: number): void {
    const h = this.heads[order]!;
    this.setNext(pfn, order, h);
    this.setPrev(pfn, order, NIL);
    if (h !== NIL) this.setPrev(h, order, pfn);
    this.heads[order] = pfn;
    this.nr_free[order]!++;
    this.zone.setState(pfn, ST_CACHE_FREE + order);
    this.accountFree(pfn, order, 1);
  }

  /** del_page_from_free_list(): also __ClearPageUnmapped. */
  private del(pfn: number, order: number): void {
    const n = this.nextOf(pfn, order);
    const p = this.prevOf(pfn, order);
    if (p !== NIL) this.setNext(p, order, n);
    else this.heads[order] = n;
    if (n !== NIL) this.setPrev(n, order, p);
    if (order === 0) {
      this.next0.delete(pfn);
      this.prev0.delete(pfn);
    }
    this.nr_free[order]!--;
    this.zone.setState(pfn, 0);
    this.accountFree(pfn, order, -1);
  }

  /** __free_one_page() of the cache: merge with PageUnmapped buddies of the same order, while order < MAX_ORDER-1. */
  freeOne(pfn: number, order: number): void {
    this.zone.setState(pfn, 0);
    while (order < MAX_PAGE_ORDER) {
      const buddy = pfn ^ (1 << order);
      if (this.zone.state(buddy) !== ST_CACHE_FREE + order) break; // past the managed pages: ST_RESERVED
      this.del(buddy, order);
      pfn &= buddy;
      order++;
    }
    this.add(pfn, order);
  }

  /** __rmqueue_smallest() of the cache: smallest order with a block, expand() the rest back. */
  rmqueueSmallest(order: number): number {
    for (let o = order; o <= MAX_PAGE_ORDER; o++) {
      const pfn = this.heads[o]!;
      if (pfn === NIL) continue;
      this.del(pfn, o);
      let high = o;
      while (high > order) {
        high--;
        this.add(pfn + (1 << high), high);
      }
      return pfn;
    }
    return -1;
  }

  /** First block of an order, removed (the shrinker's list_first_entry_or_null + del). */
  takeFirst(order: number): number {
    const pfn = this.heads[order]!;
    if (pfn === NIL) return -1;
    this.del(pfn, order);
    return pfn;
  }

  listPfns(order: number): number[] {
    const out: number[] = [];
    for (let p = this.heads[order]!; p !== NIL; p = this.nextOf(p, order)) out.push(p);
    return out;
  }
}

/**
 * unmapped_pages_alloc(): from the cache; on a miss refill with alloc_pages(gfp | __GFP_ZERO, 9 … order) from the
 * zone, set_memory_np() the block, mark PB_unmapped, flush, put it in the cache. The model unmaps the whole
 * refill block (the cover letter's intent) unless literal_np: the prototype's code passes 1 << order pages.
 */
export function unmapped_pages_alloc(mm: UnmappedAllocMm, mask: number, order: number): number {
  const cache = mm.cache!;
  let pfn = cache.rmqueueSmallest(order);
  if (pfn < 0) {
    const mt = mm.gfpMigratetype((mask & ~__GFP_UNMAPPED) | __GFP_ZERO);
    let q = -1;
    let co = pageblock_order;
    for (; co >= order; co--) {
      q = mm.allocPfn((mask & ~__GFP_UNMAPPED) | __GFP_ZERO, co, mt);
      if (q >= 0) break;
    }
    if (q < 0) return -1;
    mm.markAllocated(q, co, mt);
    try {
      mm.cpaDirect(q, 1 << (mm.literalNp ? order : co), { set: 0, clr: _PAGE_PRESENT }, false);
    } catch (e) {
      mm.freeZonePages(q, co);
      if (e instanceof KernelError && e.errno === 'ENOMEM') return -1;
      throw e;
    }
    mm.zone.pbFlags[q >>> pageblock_order]! |= PB_UNMAPPED; // node-wide pageblock flags
    mm.dm.counters.flush_tlb_kernel_range++;
    mm.zone.setState(q, 0);
    cache.own(q, co, 1);
    cache.freeOne(q, co);
    pfn = cache.rmqueueSmallest(order);
    if (pfn < 0) return -1;
  }
  mm.zone.setState(pfn, ST_CACHE_ALLOC + order);
  return pfn;
}

/**
 * The "mm-unmapped-alloc" shrinker's scan_objects(nr_to_scan): walks orders 0, 1, …, maps every page of each
 * block back with set_direct_map_default_noflush (4K PTEs only), and frees it to the zone. Returns pages freed.
 */
export function unmappedAllocShrink(mm: UnmappedAllocMm, nr_to_scan: number): number {
  const cache = mm.cache;
  if (!cache) throw new KernelError('ENOENT', "unmapped_alloc: no such shrinker (boot with mm.policy 'cache')");
  let toScan = nr_to_scan;
  let scanned = 0;
  for (let order = 0; order <= MAX_PAGE_ORDER; order++) {
    let freed = 0;
    while (freed < toScan) {
      const pfn = cache.takeFirst(order);
      if (pfn < 0) break;
      for (let i = 0; i < 1 << order; i++) tryCpa(mm.dm, pfn + i, 1, { set: _PAGE_PRESENT | _PAGE_RW, clr: 0 });
      mm.dm.takeChanged();
      cache.own(pfn, order, -1);
      mm.zone.setState(pfn, ST_ALLOC + order);
      mm.freeZonePages(pfn, order);
      // The prototype sets PB_unmapped again right away ("race"); the model keeps it while the block still has
      // cache pages and drops it when none remain.
      for (let b = pfn >>> pageblock_order, e = (pfn + (1 << order) - 1) >>> pageblock_order; b <= e; b++) {
        if (cache.pbCache[b] === 0) mm.zone.pbFlags[b]! &= ~PB_UNMAPPED;
      }
      freed += 1 << order;
    }
    scanned += freed;
    if (scanned >= toScan) break;
    toScan -= scanned;
  }
  mm.shrinkerStats.scanned += nr_to_scan;
  mm.shrinkerStats.freed += scanned;
  if (mm.debug) mm.assertInvariants('unmapped_alloc_shrink');
  return scanned;
}
