import { describe, expect, it } from 'vitest';
import { createMm } from './index';

describe('/proc text in the kernel format', () => {
  it('buddyinfo: "Node 0, zone      DMA" (10M is all ZONE_DMA) then %6lu per order', () => {
    const mm = createMm({ memory: '10M', gbpages: false });
    mm.alloc_pages('GFP_KERNEL', 0);
    expect(mm.procfs('buddyinfo')).toBe(
      'Node 0, zone      DMA      1      1      1      1      1      1      1      1      1      1      1 \n',
    );
  });

  it('pagetypeinfo: header, per-type rows, block counts', () => {
    const mm = createMm({ memory: '10M', gbpages: false });
    mm.alloc_pages('GFP_KERNEL', 0);
    const lines = mm.procfs('pagetypeinfo').split('\n');
    expect(lines.slice(0, 4)).toEqual([
      'Page block order: 9',
      'Pages per block:  512',
      '',
      'Free pages count per migrate type at order       0      1      2      3      4      5      6      7      8      9     10 ',
    ]);
    expect(lines[4]).toBe(
      'Node    0, zone      DMA, type    Unmovable      1      1      1      1      1      1      1      1      1      1      0 ',
    );
    expect(lines[5]).toBe(
      'Node    0, zone      DMA, type      Movable      0      0      0      0      0      0      0      0      0      0      1 ',
    );
    expect(lines.slice(9)).toEqual([
      '',
      'Number of blocks type     Unmovable      Movable  Reclaimable   HighAtomic      Isolate ',
      'Node 0, zone      DMA            2            3            0            0            0 ', // Movable: 2 + the memmap's
      '',
    ]);
    const mt = createMm({ memory: '10M', policy: 'migratetype' }).procfs('pagetypeinfo');
    expect(mt).toContain('type     Unmapped ');
  });

  it('meminfo: 16-column labels, 8-column values in kB, DirectMap lines last', () => {
    const mm = createMm({ memory: '4G' });
    const text = mm.procfs('meminfo');
    // MemTotal is totalram_pages: 4G less the memmap (32 sections x 2M = 64M); the direct map still maps all 4G
    expect(text.startsWith('MemTotal:        4128768 kB\nMemFree:         4128768 kB\n')).toBe(true);
    expect(text).toContain('HugePages_Total:       0\n');
    expect(text).toContain('VmallocTotal:   34359738367 kB\n');
    expect(
      text.endsWith('DirectMap4k:           0 kB\nDirectMap2M:           0 kB\nDirectMap1G:     4194304 kB\n'),
    ).toBe(true);
  });

  it('vmstat: "name value" lines with the direct-map events', () => {
    const mm = createMm({ memory: '4G' });
    mm.set_direct_map_invalid_noflush(mm.alloc_pages('GFP_KERNEL', 0)!);
    const text = mm.procfs('vmstat');
    expect(text).toContain(
      '\ndirect_map_level2_splits 1\ndirect_map_level3_splits 1\ndirect_map_level2_collapses 0\ndirect_map_level3_collapses 0\n',
    );
    // 4G: 1032192 managed pages, batch 63, so rmqueue_bulk() took pfns 0-62; the rest of that order-10 block is
    // 63, 64 (o6) … 512 (o9)
    expect(text.startsWith('nr_free_pages 1032129\nnr_free_pages_blocks 1031680\n')).toBe(true);
  });
});

describe('other files', () => {
  it('cpa_stats counts checks per level; unknown names are ENOENT; page_address is PAGE_OFFSET-based', () => {
    const mm = createMm({ memory: '64M', gbpages: false });
    mm.set_memory_ro(0, 512); // one 2M leaf checked and preserved
    mm.set_memory_ro(0, 512); // checked again: sameprot
    expect(mm.procfs('cpa_stats').split('\n').slice(3, 6)).toEqual([
      '2M pages checked:                    2',
      '2M pages sameprot:                   1',
      '2M pages preserved:                  1',
    ]);
    expect(() => mm.procfs('slabinfo')).toThrow(/no file 'slabinfo'/);
    expect(mm.page_address(1)).toBe('0xffff888000001000');
  });
});

describe('debugfs extfrag', () => {
  it('extfrag_index and unusable_index follow the kernel formulas and formats', () => {
    const mm = createMm({ memory: '10M', gbpages: false });
    expect(mm.procfs('extfrag_index')).toBe('Node 0, zone      DMA' + ' -1.000'.repeat(11) + ' \n');
    expect(mm.procfs('unusable_index')).toBe('Node 0, zone      DMA' + ' 0.000'.repeat(11) + ' \n');
    mm.alloc_pages('GFP_KERNEL', 0); // free: one block at each order 0-9 and one order-10 block, 2047 pages
    // order 10: 1023 of 2047 free pages sit in smaller blocks -> 499; order 1: 1 page -> 0
    expect(
      mm.procfs('unusable_index').endsWith(' 0.000 0.000 0.001 0.003 0.007 0.015 0.030 0.062 0.124 0.249 0.499 \n'),
    ).toBe(true);
    for (let i = 0; i < 2; i++) mm.alloc_pages('GFP_KERNEL', 10);
    mm.drain_all_pages();
    // 1023 free pages in 10 blocks (orders 0-9), none of order 10: 1000 - (1000 + 1023*1000/1024) / 10 = 1000 - 1999/10 = 801
    expect(mm.procfs('extfrag_index').trimEnd().split(' ').pop()).toBe('0.801');
  });
});

describe('snapshot()', () => {
  it('gives per-pageblock typed arrays consistent with the allocator and the direct map', () => {
    const mm = createMm({ memory: '1G' });
    const p = mm.alloc_pages('GFP_KERNEL', 0)!;
    mm.set_direct_map_invalid_noflush(p);
    const s = mm.snapshot();
    expect(s.pageblocks).toBe(512);
    expect(p.pfn).toBe(4096); // DMA32's first page: pageblock 8
    expect(s.level[8]).toBe(1);
    expect(s.level[9]).toBe(2);
    expect(s.level[0]).toBe(2);
    expect(s.unmapped[8]).toBe(1);
    expect(s.migratetype[8]).toBe(0);
    expect(s.migratetypes[s.migratetype[10]!]).toBe('Movable');
    expect(s.allocated[8]).toBe(3); // the page and its two tables
    expect(s.pcp[8]).toBe(60); // the rest of the first rmqueue_bulk() batch of 63
    const free = s.free.reduce((a, b) => a + b, 0);
    expect(free * 4).toBe(mm.meminfo().MemFree);
    // 1G = 8 sections: the memmap is the top 8 pageblocks, in use from boot, mapped, Movable as memmap_init() left them
    expect([s.allocated[503], s.free[503]]).toEqual([0, 512]);
    expect(Array.from(s.allocated.slice(504))).toEqual(new Array(8).fill(512));
    expect(Array.from(s.free.slice(504))).toEqual(new Array(8).fill(0));
    expect(s.migratetypes[s.migratetype[511]!]).toBe('Movable');
    expect(createMm({ memory: '2G' }).snapshot().level[600]).toBe(3);
  });
});
