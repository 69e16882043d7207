import { describe, expect, it } from 'vitest';
import { createMm } from './index';

/**
 * A 64M machine whose DMA32 is fragmented: files a and b read page by page in turn (a at even, b at odd pfns),
 * unmovable pages pinning the rest of DMA32's large free blocks and DMA filled to its min, then b unlinked.
 * kswapd is given no CPU (kswapd_rate 0) so that the cache stays.
 */
function fragmented(): ReturnType<typeof createMm> {
  const mm = createMm({ memory: '64M', kswapd_rate: 0 }); // kswapd would reclaim the cache the test builds
  const dma32 = mm.zones[1]!;
  while (mm.alloc_pages('GFP_KERNEL|GFP_DMA', 0));
  for (let i = 0; i < 4000; i++) {
    mm.filemap_read('a', 1, i);
    mm.filemap_read('b', 1, i);
  }
  const bigFree = (): number =>
    dma32
      .freeCounts()
      .slice(4)
      .reduce((n, c) => n + c, 0);
  while (bigFree() > 0 && mm.alloc_pages('GFP_KERNEL|__GFP_MEMALLOC', 0)); // past the watermarks: no reclaim
  expect(mm.truncate('b')).toBe(4000);
  return mm;
}

describe('compaction (mm/compaction.c)', () => {
  it('a high-order GFP_KERNEL failure runs direct compaction: pages migrate and the request succeeds', () => {
    const mm = fragmented();
    const dma32 = mm.zones[1]!;
    expect(dma32.freeCounts().slice(4)).toEqual([0, 0, 0, 0, 0, 0, 0]); // no block of order >= 4 before
    expect(dma32.freePages).toBeGreaterThan(2000); // plenty of free memory, all in holes
    const before = mm.vmstat();
    const p = mm.alloc_pages('GFP_KERNEL', 4);
    expect(p).not.toBeNull();
    expect(mm.zoneOf(p!.pfn).name).toBe('DMA32');
    const v = mm.vmstat();
    expect(v.compact_stall! - before.compact_stall!).toBe(1);
    expect(v.compact_success! - before.compact_success!).toBe(1);
    expect(v.compact_fail).toBe(0);
    expect(v.pgmigrate_success).toBeGreaterThan(0);
    expect(v.compact_migrate_scanned).toBeGreaterThan(0);
    expect(v.compact_free_scanned).toBeGreaterThan(0);
    expect(v.compact_isolated).toBeGreaterThanOrEqual(2 * v.pgmigrate_success!); // each migration isolates a page and a target
    expect(v.nr_file_pages).toBe(4000); // migration keeps the page cache
    expect(mm.checkInvariants()).toEqual([]);
  });

  it('counts a compaction that cannot help as compact_fail (pinned pages do not move)', () => {
    const mm = createMm({ memory: '64M' });
    while (mm.alloc_pages('GFP_KERNEL|GFP_DMA', 0));
    const held = [];
    const G = 'GFP_KERNEL|__GFP_MEMALLOC'; // every page, reserves too
    for (let p = mm.alloc_pages(G, 0); p; p = mm.alloc_pages(G, 0)) held.push(p);
    for (let i = 0; i < held.length; i += 2) mm.__free_pages(held[i]!); // holes between pinned pages
    mm.drain_all_pages();
    expect(mm.alloc_pages('GFP_KERNEL|__GFP_NORETRY', 4)).toBeNull();
    const v = mm.vmstat();
    // the costly order's compaction before reclaim, then reclaim and compaction once more before __GFP_NORETRY gives up
    expect(v.compact_stall).toBe(2);
    expect(v.compact_fail).toBe(2);
    expect(v.pgmigrate_success).toBe(0);
    expect(mm.allocFailures.at(-1)).toMatchObject({ order: 4, reason: 'noretry' });
    expect(mm.checkInvariants()).toEqual([]);
  });

  it('compact() (compact_memory) moves the page cache down and rebuilds high-order blocks', () => {
    const mm = fragmented();
    const order10 = (): number => mm.zones[1]!.freeCounts()[10]!;
    const before = order10();
    const moved = mm.compact();
    expect(moved).toBeGreaterThan(0);
    expect(order10()).toBeGreaterThan(before);
    expect(mm.vmstat()).toMatchObject({ pgmigrate_success: moved, compact_stall: 0, nr_file_pages: 4000 });
    expect(mm.checkInvariants()).toEqual([]);
  });
});
