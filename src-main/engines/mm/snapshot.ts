import type { Mm } from './mm';
import { pageblock_nr_pages, pageblock_order } from './mmzone';
import { ST_ALLOC, ST_ALLOC_MOVABLE, ST_CACHE_FREE, ST_PGTABLE } from './page_alloc';

/** Per-pageblock typed arrays for the memory-map panel. */
export interface MmSnapshot {
  pageblocks: number;
  pagesPerBlock: number;
  /** Migratetype names, indexed by the values in `migratetype`. */
  migratetypes: string[];
  migratetype: Uint8Array;
  /** Free pages in the zone buddy. */
  free: Uint16Array;
  /** Free pages on the per-cpu lists. */
  pcp: Uint16Array;
  /** Free pages in the 2023 unmapped cache. */
  cacheFree: Uint16Array;
  /** Pages handed out (including page tables and cache pages in use; not per-cpu pages). */
  allocated: Uint16Array;
  /** Direct-map leaf covering the block: 1 = 4K PTEs, 2 = a 2M leaf, 3 = inside a 1G leaf. */
  level: Uint8Array;
  /** 4K pages of the block absent from the direct map. */
  unmapped: Uint16Array;
  /** PB_unmapped / FREETYPE_UNMAPPED flag. */
  unmappedBlock: Uint8Array;
}

/**
 * Pageblocks holding allocations of another mobility than the block's migratetype (movable pages in a
 * non-movable block, or unmovable/reclaimable pages in a movable one): the "mixed blocks" fragmentation metric.
 * O(frames).
 */
export function mixedPageblocks(mm: Mm): number {
  const z = mm.zone;
  let mixed = 0;
  for (let b = 0; b < z.nblocks; b++) {
    const movableBlock = z.pbMt[b] === mm.mt.MOVABLE;
    const start = b << pageblock_order;
    const end = Math.min(start + pageblock_nr_pages, z.nframes);
    for (let pfn = start; pfn < end; pfn++) {
      const s = z.frames[pfn]! >>> 26;
      if (s < ST_ALLOC || (s >= ST_CACHE_FREE && s !== ST_PGTABLE)) continue;
      if ((s >= ST_ALLOC_MOVABLE && s < ST_CACHE_FREE) !== movableBlock) {
        mixed++;
        break;
      }
    }
  }
  return mixed;
}

/** snapshot(): O(pageblocks) from counters kept incrementally; arrays are copies. */
export function snapshot(mm: Mm): MmSnapshot {
  const z = mm.zone;
  const n = z.nblocks;
  const level = new Uint8Array(n);
  const unmapped = new Uint16Array(n);
  const allocated = new Uint16Array(n);
  const cacheFree = mm.cache ? mm.cache.pbCacheFree.slice() : new Uint16Array(n);
  const unmappedBlock = new Uint8Array(n);
  const pcp = new Uint16Array(n);
  for (const zz of mm.zones) for (const [pfn, order] of zz.pcp.entries()) pcp[pfn >>> pageblock_order]! += 1 << order;
  for (let b = 0; b < n; b++) {
    level[b] = mm.dm.pmdLevel(b);
    unmapped[b] = mm.dm.notPresentIn(b);
    const pages = Math.min(pageblock_nr_pages, z.spanned - (b << pageblock_order)); // memmap pages count as allocated
    allocated[b] = pages - z.pbFree[b]! - cacheFree[b]! - pcp[b]!;
    unmappedBlock[b] = z.pbFlags[b]! & 1;
  }
  return {
    pageblocks: n,
    pagesPerBlock: pageblock_nr_pages,
    migratetypes: [...mm.mt.names],
    migratetype: z.pbMt.slice(),
    free: z.pbFree.slice(),
    pcp,
    cacheFree,
    allocated,
    level,
    unmapped,
    unmappedBlock,
  };
}
