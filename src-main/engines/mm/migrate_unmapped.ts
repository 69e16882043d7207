import { KernelError } from '../common/errors';
import { pageblock_order } from './mmzone';
import { ST_ALLOC } from './page_alloc';
import type { PageAllocator } from './page_alloc';
import { _PAGE_PRESENT, _PAGE_RW, tryCpa } from './set_memory';
import type { DirectMap } from './set_memory';

/*
 * The 2022 RFC (MIGRATE_UNMAPPED): a __GFP_UNMAPPED allocation takes its page from MIGRATE_UNMAPPED lists or
 * steals one; the first use of a pageblock splits its PMD (set_pageblock_unmapped) and moves all its free pages
 * to the UNMAPPED lists; post_alloc_hook() unmaps each page; __free_pages() maps them back (mm.ts).
 */

/** What the 2022 policy needs of the machine (Mm implements it). */
export interface MigrateUnmappedMm extends PageAllocator {
  readonly dm: DirectMap;
}

/** alloc_pages(... | __GFP_UNMAPPED) under the 2022 policy (gfp_migratetype() = MIGRATE_UNMAPPED). */
export function allocMigrateUnmapped(mm: MigrateUnmappedMm, mask: number, order: number): number {
  const U = mm.mt.UNMAPPED;
  const pfn = mm.allocPfn(mask, order, U);
  if (pfn < 0) return -1;
  const z = mm.zoneOf(pfn);
  z.setState(pfn, ST_ALLOC + order);
  const b = pfn >>> pageblock_order;
  if (mm.zone.pbMt[b] !== U) {
    // set_pageblock_unmapped(): split the block's PMD once (invalid + default), then convert the pageblock.
    try {
      mm.dm.change(pfn, 1, { set: 0, clr: _PAGE_PRESENT | _PAGE_RW });
      mm.dm.change(pfn, 1, { set: _PAGE_PRESENT | _PAGE_RW, clr: 0 });
    } catch (e) {
      z.setState(pfn, 0);
      z.freeOne(pfn, order);
      if (e instanceof KernelError && e.errno === 'ENOMEM') return -1;
      throw e;
    }
    const old = mm.zone.pbMt[b]!;
    z.moveFreepagesBlock(b, old, U);
    mm.zone.pbMt[b] = U;
  }
  z.events.pgalloc += 1 << order;
  // post_alloc_hook(): unmap each page, one flush_tlb_kernel_range over the allocation.
  for (let i = 0; i < 1 << order; i++) tryCpa(mm.dm, pfn + i, 1, { set: 0, clr: _PAGE_PRESENT | _PAGE_RW });
  mm.dm.takeChanged();
  mm.dm.counters.flush_tlb_kernel_range++;
  return pfn;
}
