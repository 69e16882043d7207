import { describe, expect, it } from 'vitest';
import { createMm } from './index';
import { FRAME_KIND, frameCode, frameRuns } from './frames';

const K = FRAME_KIND;

/** Expands the runs back to one code per frame (pfn order over the ranges). */
function perFrame(r: { ranges: number[]; runs: number[] }, nframes = Infinity): Map<number, number> {
  const out = new Map<number, number>();
  let ri = 0;
  for (let i = 0; i < r.ranges.length; i += 2) {
    let pfn = r.ranges[i]! * 512;
    const end = Math.min(nframes, (r.ranges[i]! + r.ranges[i + 1]!) * 512);
    while (pfn < end) {
      const code = r.runs[ri]!;
      const n = r.runs[ri + 1]!;
      if (!(n > 0)) throw new Error(`runs end at pfn ${pfn}, before the ranges do`);
      ri += 2;
      for (let k = 0; k < n; k++) out.set(pfn++, code);
    }
  }
  return out;
}

describe('frame runs of the memory map', () => {
  it('a fresh 64M machine: 32 pageblocks, one run of free order-10 frames each under 2M leaves, the last the memmap', () => {
    const r = frameRuns(createMm({ memory: '64M' }));
    expect(r.ranges).toEqual([0, 32]);
    expect(r.total_runs).toBe(32);
    expect(r.runs).toEqual([
      ...Array.from({ length: 30 }, () => [frameCode(K.FREE, 10, false, 2), 512]).flat(),
      frameCode(K.FREE, 9, false, 2),
      512, // 62M managed: 15 order-10 blocks and one order-9
      frameCode(K.RESERVED, 0, false, 2),
      512,
    ]);
    expect(frameCode(K.FREE, 10, false, 2)).toBe(10 | (1 << 4) | (2 << 9));
  });

  it('alloc_pages(GFP_KERNEL, 3) at pfn 4096: 8 allocated frames, the batch-mate on the pcp list, the buddies split down', () => {
    const mm = createMm({ memory: '64M' });
    // GFP_KERNEL's zonelist starts at DMA32 (pfn 4096 up; DMA, below 16M, is the last fallback). The first unmovable
    // request claims the order-10 block at 4096 (pageblocks 8 and 9 become Unmovable); DMA32's 11776 managed pages
    // give zone_batchsize() 1, so rmqueue_bulk() takes one order-3 block: 4096 is handed out, its buddy 4104 stays free.
    expect(mm.alloc_pages('GFP_KERNEL', 3)).toEqual({ pfn: 4096, order: 3 });
    const r = frameRuns(mm);
    const L2 = 2;
    // DMA's 8 pageblocks come first, one free order-10 run each
    expect(r.runs.slice(0, 16)).toEqual(
      Array.from({ length: 8 }, () => [frameCode(K.FREE, 10, false, L2), 512]).flat(),
    );
    expect(r.runs.slice(16, 16 + 18)).toEqual([
      frameCode(K.ALLOC, 3, false, L2),
      8,
      frameCode(K.FREE, 3, false, L2),
      8,
      frameCode(K.FREE, 4, false, L2),
      16,
      frameCode(K.FREE, 5, false, L2),
      32,
      frameCode(K.FREE, 6, false, L2),
      64,
      frameCode(K.FREE, 7, false, L2),
      128,
      frameCode(K.FREE, 8, false, L2),
      256,
      frameCode(K.FREE, 9, false, L2),
      512,
      // Pageblock 2 is the head of the order-10 block at pfn 1024; pageblock 3 starts inside it.
      frameCode(K.FREE, 10, false, L2),
      512,
    ]);
    const f = perFrame(r);
    for (let pfn = 4096; pfn < 4104; pfn++) expect(f.get(pfn)).toBe(frameCode(K.ALLOC, 3, false, L2));
    expect(f.get(4104)).toBe(frameCode(K.FREE, 3, false, L2));
    expect(f.get(4096 + 1536)).toBe(frameCode(K.FREE, 10, false, L2));
    // The frames' migratetype is their pageblock's: claimed as Unmovable.
    const s = mm.snapshot();
    expect(s.migratetypes[s.migratetype[8]!]).toBe('Unmovable');
    expect(s.migratetypes[s.migratetype[0]!]).toBe('Movable');
    expect(s.migratetypes[s.migratetype[10]!]).toBe('Movable');
  });

  it('a movable allocation reads as movable', () => {
    const mm = createMm({ memory: '64M' });
    const p = mm.alloc_pages('GFP_HIGHUSER_MOVABLE', 2)!;
    expect(perFrame(frameRuns(mm)).get(p.pfn + 3)).toBe(frameCode(K.ALLOC_MOVABLE, 2, false, 2));
  });

  it('a secretmem page reads unmapped under a 4K leaf; the split took a page-table page', () => {
    const mm = createMm({ memory: '64M' });
    // Baseline secretmem: alloc_pages(GFP_HIGHUSER) (unmovable, zonelist DMA32 first) takes pfn 4096 (DMA32's pcp batch
    // is 1); set_direct_map_invalid_noflush splits the 2M leaf and split_large_page() takes 4097 for the PTE page.
    expect(mm.memfd_secret().fault(0)).toEqual({ pfn: 4096, order: 0 });
    const r = frameRuns(mm);
    const L4 = 1;
    expect(r.runs.slice(16, 26)).toEqual([
      frameCode(K.SECRETMEM, 0, true, L4),
      1,
      frameCode(K.PGTABLE, 0, false, L4),
      1,
      frameCode(K.FREE, 1, false, L4),
      2,
      frameCode(K.FREE, 2, false, L4),
      4,
      frameCode(K.FREE, 3, false, L4),
      8,
    ]);
    expect(frameCode(K.SECRETMEM, 0, true, 1)).toBe((8 << 4) | 0x100 | (1 << 9));
    // Pageblock 9 kept its 2M leaf.
    expect(perFrame(r).get(4096 + 512)).toBe(frameCode(K.FREE, 9, false, 2));
    expect(r.total_runs).toBe(10 + 31); // block 8: secretmem, table, free orders 1-8
  });

  it("policy 'cache': the refilled pageblock leaves the direct map whole (2M leaf not present), split down in the cache", () => {
    const mm = createMm({ memory: '64M', mm: { policy: 'cache' } });
    expect(mm.alloc_pages('GFP_KERNEL|__GFP_UNMAPPED', 0)).toEqual({ pfn: 4096, order: 0 });
    const L2 = 2;
    const expected = [frameCode(K.CACHE_ALLOC, 0, true, L2), 1];
    for (let o = 0; o <= 8; o++) expected.push(frameCode(K.CACHE_FREE, o, true, L2), 1 << o);
    expected.push(frameCode(K.FREE, 9, false, L2), 512);
    expect(frameRuns(mm).runs.slice(16, 16 + expected.length)).toEqual(expected); // after DMA's 8 free pageblocks
  });

  it('frames inside a 1G leaf read level 3; a 4K-split pageblock inside an unaligned tail reads level 1', () => {
    const mm = createMm({ memory: 1024 * 1024 * 1024 + 2 * 1024 * 1024 + 16 * 4096 });
    const f = perFrame(frameRuns(mm), mm.nframes);
    expect((f.get(0)! >> 9) & 3).toBe(3);
    expect((f.get(262144)! >> 9) & 3).toBe(2);
    // 9 sections, so 9 x 512 frames of memmap at the top, from pfn 258064: the tail is reserved, under 4K PTEs
    expect(f.get(262144 + 512)).toBe(frameCode(K.RESERVED, 0, false, 1));
    expect(f.get(258063)).toBe(frameCode(K.FREE, 4, false, 3)); // 258064 = 252 order-10 blocks + 16
    expect(f.get(258064)).toBe(frameCode(K.RESERVED, 0, false, 3));
    expect(f.size).toBe(262144 + 512 + 16);
  });

  it('over the cap, split and unmapped pageblocks come first, then the others in pfn order', () => {
    const mm = createMm({ memory: '64M' });
    mm.memfd_secret().fault(0);
    // Pageblock 8 (DMA32's first: split, unmapped page) needs 10 runs, each of the other 31 one.
    const r = frameRuns(mm, 16);
    expect(r.total_runs).toBe(41);
    expect(r.cap).toBe(16);
    // Block 8 first, then blocks 0.. in order while they fit: 0 to 5.
    expect(r.ranges).toEqual([0, 6, 8, 1]);
    expect(r.runs.length / 2).toBe(16);
    // A cap of exactly block 8's runs holds it alone; a cap below skips it: blocks 0 to 7, 9 and 10 fill 9 runs.
    expect(frameRuns(mm, 10).ranges).toEqual([8, 1]);
    expect(frameRuns(mm, 9).ranges).toEqual([0, 8, 9, 1]);
  });
});
