import { KernelError } from '../common/errors';
import { pageblock_order } from './mmzone';
import { PB_UNMAPPED } from './page_alloc';
import type { PageAllocator, Zone } from './page_alloc';
import { _PAGE_PRESENT, _PAGE_RW } from './set_memory';
import type { DirectMap } from './set_memory';

/* The 2026 RFC (freetypes): __GFP_UNMAPPED pages come from FREETYPE_UNMAPPED lists of MIGRATE_UNMOVABLE. */

/** What the freetype policy needs of the machine (Mm implements it). */
export interface FreetypeMm extends PageAllocator {
  readonly dm: DirectMap;
}

/** alloc_pages(GFP_KERNEL | __GFP_UNMAPPED) under the 2026 policy: the unmapped freetype, converting a block if empty. */
export function allocFreetypeUnmapped(mm: FreetypeMm, mask: number, order: number, mt: number): number {
  if (mt !== mm.mt.UNMOVABLE) {
    throw new KernelError('EINVAL', '__GFP_UNMAPPED: only MIGRATE_UNMOVABLE has unmapped free lists (2026 RFC)');
  }
  const pfn = mm.allocPfn(mask, order, mt, (z, o) => {
    const p = z.rmqueueSmallest(o, z.unmappedList);
    return p >= 0 ? p : rmqueueDirectMap(mm, z, o, true, mt);
  });
  if (pfn < 0) return -1;
  mm.markAllocated(pfn, order, mt);
  return pfn;
}

/**
 * __rmqueue_direct_map(): take a block of order max(order, pageblock_order) from the other freetype of the zone,
 * change the direct map for whole pageblocks (no PTE table needed; a 1G leaf still splits into 2M), flush, and hand
 * the block to the other side's free lists; then allocate from them.
 */
export function rmqueueDirectMap(mm: FreetypeMm, z: Zone, order: number, toUnmapped: boolean, mt: number): number {
  const co = Math.max(order, pageblock_order);
  const U = z.unmappedList;
  const q = toUnmapped ? z.rmqueue(co, mm.mt.UNMOVABLE, false) : z.rmqueueSmallest(co, U);
  if (q < 0) return -1;
  const req = toUnmapped ? { set: 0, clr: _PAGE_PRESENT | _PAGE_RW } : { set: _PAGE_PRESENT | _PAGE_RW, clr: 0 };
  try {
    mm.dm.change(q, 1 << co, req);
  } catch (e) {
    z.freeOne(q, co);
    if (e instanceof KernelError && e.errno === 'ENOMEM') return -1;
    throw e;
  }
  mm.dm.takeChanged();
  mm.dm.counters.flush_tlb_kernel_range++;
  for (let b = q >>> pageblock_order, e = b + (1 << (co - pageblock_order)); b < e; b++) {
    if (toUnmapped) z.pbFlags[b]! |= PB_UNMAPPED;
    else z.pbFlags[b]! &= ~PB_UNMAPPED;
    z.pbMt[b] = mm.mt.UNMOVABLE;
  }
  z.freeOne(q, co);
  return toUnmapped ? z.rmqueueSmallest(order, U) : z.rmqueue(order, mt, false);
}
