/**
 * Memory compaction as Linux 6.18 runs it (mm/compaction.c): compact_zone() with its migrate scanner (from the zone
 * start up) and free scanner (from the zone end down), compaction_suitable() with the fragmentation index,
 * try_to_compact_pages() for the allocator's slow path and compact_node() for /proc/sys/vm/compact_memory.
 * Where the model departs from 6.18:
 * - only LRU pages (page cache and anonymous memory the engine owns) move; pages a script holds are pinned, as
 *   pages without PageLRU or movable_ops are in Linux;
 * - every run is synchronous (no async first pass, no pageblock skip bits, no deferral after failures);
 * - migrated-away pages go straight back to the buddy (6.18 frees them to the per-cpu lists, which compact_zone()
 *   drains as the migrate scanner crosses an order-aligned block).
 */
import { MAX_PAGE_ORDER, PAGE_ALLOC_COSTLY_ORDER, pageblock_nr_pages, pageblock_order } from './mmzone';
import type { MigrateTypes } from './mmzone';
import { ST_ALLOC, ST_ALLOC_MOVABLE, ST_FREE } from './page_alloc';
import type { Zone } from './page_alloc';
import { extfragIndex } from './procfs';
import type { CompactEvents } from './procfs';
import type { Vmscan } from './vmscan';
import { ALLOC_WMARK_MASK, __zone_watermark_ok } from './watermarks';

/** What compaction needs of the machine (Mm implements it): the zones, reclaim's LRU pages, the vm events. */
export interface CompactionMm {
  readonly mt: MigrateTypes;
  /** The zone GFP_KERNEL allocations prefer. */
  readonly zone: Zone;
  readonly zones: Zone[];
  readonly vmscan: Vmscan;
  readonly compactEvents: CompactEvents;
}

/** enum compact_result, the outcomes the model produces. */
export type CompactResult = 'skipped' | 'success' | 'complete' | 'not_suitable_zone';

/** sysctl_extfrag_threshold (/proc/sys/vm/extfrag_threshold). */
export const EXTFRAG_THRESHOLD = 500;

/** compact_gap(): free pages compaction needs on top of the watermark to have migration targets. */
const compactGap = (order: number): number => 2 << order;

/**
 * compaction_suitable(): order-0 watermark plus compact_gap() must hold; for costly orders a fragmentation index in
 * 0 … extfrag_threshold means the failure is lack of memory, not fragmentation.
 */
export function compaction_suitable(
  mm: CompactionMm,
  z: Zone,
  order: number,
  watermark: number,
  highestZoneidx: number,
): CompactResult | 'continue' {
  if (!__zone_watermark_ok(z, 0, watermark + compactGap(order), highestZoneidx, 0, z.freePages)) return 'skipped';
  if (order > PAGE_ALLOC_COSTLY_ORDER) {
    const fragindex = extfragIndex(mm, z)[order]!;
    if (fragindex >= 0 && fragindex <= EXTFRAG_THRESHOLD) return 'not_suitable_zone';
  }
  return 'continue';
}

/** __compact_finished()'s test: a free block of the order on the request's list, or one it may claim from. */
function orderAvailable(z: Zone, order: number, mt: number): boolean {
  const nl = z.nlists;
  for (let o = order; o <= MAX_PAGE_ORDER; o++) {
    if (z.nrFree[o * nl + mt]! > 0) return true;
    if (o >= pageblock_order >> 1)
      for (const fb of z.mt.fallbacks[mt] ?? []) if (z.nrFree[o * nl + fb]! > 0) return true;
  }
  return false;
}

/**
 * compact_zone(): migrate LRU pages from the bottom of the zone into free pages isolated at the top, pageblock by
 * pageblock, until a block of `order` is free (order >= 0) or the scanners meet. order -1 compacts the whole zone.
 */
export function compact_zone(mm: CompactionMm, z: Zone, order: number, mt: number): CompactResult {
  const ev = mm.compactEvents;
  const v = mm.vmscan;
  const startBlock = z.zone_start_pfn >>> pageblock_order;
  let freeBlock = ((z.managedEnd - 1) >>> pageblock_order) + 1; // the free scanner's next block is freeBlock - 1
  const targets: number[] = [];
  let result: CompactResult = 'complete';
  for (let b = startBlock; ; b++) {
    if (order >= 0 && orderAvailable(z, order, mt)) {
      result = 'success';
      break;
    }
    if (b >= freeBlock) break; // the scanners met
    const start = b << pageblock_order;
    const end = Math.min(start + pageblock_nr_pages, z.managedEnd);
    let met = false;
    for (let pfn = start; pfn < end; pfn++) {
      ev.compact_migrate_scanned++;
      if (!v.isMigratable(pfn)) continue;
      if (!targets.length) {
        // isolate_freepages(): whole suitable pageblocks above the migrate scanner, highest first
        while (!targets.length && freeBlock - 1 > b) {
          freeBlock--;
          isolateFreeBlock(mm, z, freeBlock, targets);
        }
        if (!targets.length) {
          met = true;
          break;
        }
      }
      ev.compact_isolated++;
      const dst = targets.pop()!;
      z.setState(dst, ST_ALLOC_MOVABLE);
      v.migrate(pfn, dst);
      z.setState(pfn, 0);
      z.events.pgfree++;
      z.freeOne(pfn, 0);
      ev.pgmigrate_success++;
    }
    if (met) break;
  }
  // release_free_list(): isolated targets that were not used go back
  for (const pfn of targets) z.freeOne(pfn, 0);
  return result;
}

/** isolate_freepages_block() for one pageblock, if suitable_migration_target(): its free pages, split to order 0. */
function isolateFreeBlock(mm: CompactionMm, z: Zone, b: number, out: number[]): void {
  const start = b << pageblock_order;
  const end = Math.min(start + pageblock_nr_pages, z.managedEnd);
  const s0 = z.frames[start]! >>> 26;
  if (s0 >= ST_FREE && s0 < ST_ALLOC && s0 - ST_FREE >= pageblock_order) return; // a free pageblock is what compaction makes
  if (z.pbMt[b] !== mm.mt.MOVABLE) return;
  for (let pfn = start; pfn < end;) {
    mm.compactEvents.compact_free_scanned++;
    const s = z.frames[pfn]! >>> 26;
    if (s >= ST_FREE && s < ST_ALLOC) {
      const o = s - ST_FREE;
      z.del(pfn, o, z.listTypeOf(pfn));
      for (let i = (1 << o) - 1; i >= 0; i--) out.push(pfn + i); // pop() hands out the lowest first
      mm.compactEvents.compact_isolated += 1 << o;
      pfn += 1 << o;
    } else pfn++;
  }
}

/**
 * try_to_compact_pages(): each zone of the zonelist that is not already good enough and is suitable is compacted
 * until one reports success. Returns 'skipped' when no zone was compacted.
 */
export function try_to_compact_pages(
  mm: CompactionMm,
  order: number,
  allocFlags: number,
  highestZoneidx: number,
  zonelist: readonly Zone[],
  mt: number,
): CompactResult {
  let ran: CompactResult = 'skipped';
  for (const z of zonelist) {
    const watermark = z._watermark[allocFlags & ALLOC_WMARK_MASK]!;
    if (__zone_watermark_ok(z, order, watermark, highestZoneidx, allocFlags, z.freePages)) return 'success';
    if (compaction_suitable(mm, z, order, watermark, highestZoneidx) !== 'continue') continue;
    ran = compact_zone(mm, z, order, mt);
    if (ran === 'success') return ran;
  }
  return ran;
}

/** compact_node() (echo 1 > /proc/sys/vm/compact_memory): every populated zone compacted whole. Pages migrated. */
export function compact_node(mm: CompactionMm): number {
  const before = mm.compactEvents.pgmigrate_success;
  for (const z of mm.zones) if (z.managed_pages) compact_zone(mm, z, -1, mm.mt.MOVABLE);
  return mm.compactEvents.pgmigrate_success - before;
}
