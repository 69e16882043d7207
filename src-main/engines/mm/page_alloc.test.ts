import { describe, expect, it } from 'vitest';
import { KernelError } from '../common/errors';
import { createMm } from './index';
import { ST_RESERVED } from './page_alloc';

const blocks = (mm: ReturnType<typeof createMm>) => mm.pagetypeinfo().blocks;

describe('buddy allocator', () => {
  it('boots with every frame free in order-10 blocks, all pageblocks MOVABLE', () => {
    // 18M is one 128M section: its memmap (2M, 64 bytes per frame of the section) is reserved at the top, 16M is free
    const mm = createMm({ memory: '18M', gbpages: false });
    expect(mm.managed_pages).toBe(4096);
    expect(mm.buddyinfo()).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4]);
    // the memmap's pageblock is counted too (memmap_init() marks every pageblock of the zone MOVABLE)
    expect(blocks(mm)).toEqual({ Unmovable: 0, Movable: 9, Reclaimable: 0, HighAtomic: 0, Isolate: 0 });
    expect(mm.meminfo()).toMatchObject({ MemTotal: 16384, MemFree: 16384 });
    expect(mm.zone.state(4096)).toBe(ST_RESERVED);
    expect(() => mm.__free_pages(4200)).toThrow(/pfn 4200 is in the memmap \(PageReserved\)/);
    // an unaligned end is freed in the largest aligned blocks: 4M + 2M + 8K = one order-10, one order-9, one order-1
    const odd = createMm({ memory: 8 * 1024 * 1024 + 8192, gbpages: false });
    expect(odd.buddyinfo()).toEqual([0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 1]);
    // 129M spans two sections: 4M of memmap
    expect(createMm({ memory: '129M' }).managed_pages).toBe(129 * 256 - 1024);
  });

  it('splits the lowest block down and merges it back on free', () => {
    const mm = createMm({ memory: '10M', gbpages: false });
    const a = mm.alloc_pages('GFP_HIGHUSER_MOVABLE', 0)!;
    expect(a).toEqual({ pfn: 0, order: 0 });
    expect(mm.buddyinfo()).toEqual([1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]);
    const b = mm.alloc_pages('GFP_HIGHUSER_MOVABLE', 0)!;
    expect(b.pfn).toBe(1);
    const c = mm.alloc_pages('GFP_HIGHUSER_MOVABLE', 3)!;
    expect(c.pfn).toBe(8); // order-1 at 2 and order-2 at 4 are too small; the order-3 block at 8 fits
    // 8M managed: zone_batchsize() = 0 -> batch 1; min_free_kbytes = sqrt(8192 * 16) = 362, then THP's
    // set_recommended_min_free_kbytes() takes 5% of (2048 - high 134) = 95 pages = 380 kB: min 95, low 95 + 23,
    // so high = 118. The frees stay on the per-cpu lists, the buddy does not see them yet.
    mm.__free_pages(a);
    mm.__free_pages(b);
    mm.__free_pages(c);
    expect([mm.zone.pcp.batch, mm.zone.pcp.high, mm.pcpCount()]).toEqual([1, 118, 10]);
    expect(mm.buddyinfo()).toEqual([0, 1, 1, 0, 1, 1, 1, 1, 1, 1, 1]);
    expect(mm.vmstat()).toMatchObject({ pgalloc_dma: 10, pgalloc_normal: 0, pgfree: 10, nr_free_pages: 2038 }); // 10M lies below 16M: all of it is ZONE_DMA;
    mm.drain_all_pages();
    expect(mm.buddyinfo()).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2]);
    expect(mm.vmstat()).toMatchObject({ nr_free_pages: 2048 });
    expect(mm.checkInvariants()).toEqual([]);
  });

  it('refuses orders above MAX_PAGE_ORDER with NULL and bad frees with EINVAL', () => {
    const mm = createMm({ memory: '10M' });
    expect(mm.alloc_pages('GFP_KERNEL', 11)).toBeNull();
    expect(() => mm.alloc_pages('GFP_KERNEL', -1)).toThrow(KernelError);
    const p = mm.alloc_pages('GFP_KERNEL', 2)!;
    expect(() => mm.__free_pages(p, 1)).toThrow(/not the head of an allocated order-1 block/);
    mm.__free_pages(p);
    expect(() => mm.__free_pages(p)).toThrow(KernelError);
    expect(() => mm.alloc_pages('GFP_KERNEL|__GFP_MOVABLE|__GFP_RECLAIMABLE', 0)).toThrow(/together/);
  });

  it('returns NULL at the min watermark; __GFP_MEMALLOC may take the rest', () => {
    const mm = createMm({ memory: '6M', gbpages: false });
    // 1024 managed pages: min_free_kbytes = sqrt(4096 * 16) = 256 -> min 64 pages
    expect(mm.zone._watermark.slice(0, 3)).toEqual([64, 80, 96]);
    let n = 0;
    while (mm.alloc_pages(n % 2 ? 'GFP_KERNEL' : 'GFP_HIGHUSER_MOVABLE', 0)) n++;
    expect(n).toBe(1024 - 64);
    expect(mm.meminfo().MemFree).toBe(64 * 4);
    expect(mm.allocFailures.at(-1)).toMatchObject({ order: 0, reason: 'oom' });
    while (mm.alloc_pages('GFP_KERNEL|__GFP_MEMALLOC', 0)) n++; // ALLOC_NO_WATERMARKS
    expect(n).toBe(1024);
    expect(mm.meminfo().MemFree).toBe(0);
    expect(mm.checkInvariants()).toEqual([]);
  });
});

describe('migratetype fallbacks', () => {
  it('an unmovable request claims a whole free order-10 block first (ALLOC_NOFRAGMENT): both pageblocks change', () => {
    const mm = createMm({ memory: '10M', gbpages: false });
    const p = mm.alloc_pages('GFP_KERNEL', 0)!;
    expect(p.pfn).toBe(0);
    expect(blocks(mm)).toMatchObject({ Unmovable: 2, Movable: 3 }); // 2 free + the memmap's
    expect(mm.pagetypeinfo().free.Unmovable).toEqual([1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0]);
    const r = mm.alloc_pages('GFP_KERNEL|__GFP_RECLAIMABLE', 0)!;
    expect(r.pfn).toBe(1024); // claims the other order-10 block
    expect(blocks(mm)).toMatchObject({ Unmovable: 2, Reclaimable: 2, Movable: 1 }); // the memmap's
  });

  function fillMovable(): { mm: ReturnType<typeof createMm>; pages: { pfn: number; order: number }[] } {
    const mm = createMm({ memory: '6M', gbpages: false });
    const pages = [];
    for (let i = 0; i < 1024; i++) pages.push(mm.alloc_pages('GFP_HIGHUSER_MOVABLE|__GFP_MEMALLOC', 0)!); // all, past min
    return { mm, pages };
  }

  it('steals one block without changing the pageblock when too few pages are free or alike', () => {
    const { mm, pages } = fillMovable();
    for (let i = 0; i < 20; i += 2) mm.__free_pages(pages[i]!); // 10 scattered free pages in pageblock 0
    const p = mm.alloc_pages('GFP_KERNEL|__GFP_MEMALLOC', 0)!; // 10 free pages are below min (64)
    expect(p.pfn % 2).toBe(0);
    expect(p.pfn).toBeLessThan(20);
    // free 5 + alike 5 (512 - 5 free - 502 movable: the per-cpu pages) < 256: steal, the block stays MOVABLE
    expect(blocks(mm)).toMatchObject({ Unmovable: 0, Movable: 3 }); // 2 + the memmap's
    expect(mm.fragmentation().mixed_pageblocks).toBe(1); // an unmovable page now sits in a movable block
    expect(mm.checkInvariants()).toEqual([]);
  });

  it('claims the pageblock when free + alike pages reach half of it, and moves its free pages', () => {
    const { mm, pages } = fillMovable();
    // 4M managed: high = low watermark = 64 + 16 = 80. The per-cpu list keeps the last 79 freed, 221-299; the buddy gets
    // 0-220: 0-127 (o7), 128-191 (o6), 192-207 (o4), 208-215 (o3), 216-219 (o2), 220 (o0).
    for (let i = 0; i < 300; i++) mm.__free_pages(pages[i]!);
    expect(mm.pcpCount()).toBe(79);
    expect(mm.pagetypeinfo().free.Movable).toEqual([1, 0, 1, 1, 1, 0, 1, 1, 0, 0, 0]);
    expect(mm.fragmentation().mixed_pageblocks).toBe(0);
    const p = mm.alloc_pages('GFP_KERNEL', 0)!;
    expect(mm.fragmentation().mixed_pageblocks).toBe(1); // the claimed block still holds 212 movable pages
    // free 221 + alike (512 - 221 free - 212 movable = the 79 per-cpu pages) = 300 >= 256: claimed
    expect(blocks(mm)).toMatchObject({ Unmovable: 1, Movable: 2 }); // 1 + the memmap's
    expect(p.pfn).toBe(220); // __rmqueue_smallest on the claimed block: the order-0 page at 220
    expect(mm.pagetypeinfo().free.Unmovable).toEqual([0, 0, 1, 1, 1, 0, 1, 1, 0, 0, 0]);
    expect(mm.pagetypeinfo().free.Movable).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    expect(mm.checkInvariants()).toEqual([]);
  });

  it('a movable request claims a block by its movable pages', () => {
    const mm = createMm({ memory: '6M', gbpages: false });
    const pages = [];
    for (let i = 0; i < 1024; i++) pages.push(mm.alloc_pages('GFP_KERNEL|__GFP_MEMALLOC', 0)!);
    expect(blocks(mm)).toMatchObject({ Unmovable: 2 });
    for (let i = 0; i < 300; i++) mm.__free_pages(pages[i]!);
    mm.alloc_pages('GFP_HIGHUSER_MOVABLE', 0);
    // free 221 (79 more on the per-cpu list) and no movable page: < 256, and orders < 4 may not claim: stolen
    expect(blocks(mm)).toMatchObject({ Unmovable: 2, Movable: 1 }); // the memmap's
    for (let i = 300; i < 400; i++) mm.__free_pages(pages[i]!);
    mm.alloc_pages('GFP_HIGHUSER_MOVABLE', 0);
    // now 320 free in the buddy (pfn 220 went to the first request) >= 256: claimed for MOVABLE anyway
    expect(blocks(mm)).toMatchObject({ Unmovable: 1, Movable: 2 });
  });
});

describe('merging', () => {
  it('merges buddies by pfn ^ (1 << order) up to order 10 and across pageblocks of mergeable types', () => {
    const mm = createMm({ memory: '6M', gbpages: false });
    const k = mm.alloc_pages('GFP_KERNEL', 9)!; // claims the whole order-10 block for UNMOVABLE
    const m = mm.alloc_pages('GFP_HIGHUSER_MOVABLE|__GFP_MEMALLOC', 9)!; // below min: only with ALLOC_NO_WATERMARKS; claims the other half (order >= pageblock_order) back for MOVABLE
    expect([k.pfn, m.pfn]).toEqual([0, 512]);
    mm.__free_pages(k);
    mm.__free_pages(m);
    expect(mm.buddyinfo()).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
    expect(mm.checkInvariants()).toEqual([]);
  });
});
