import { describe, expect, it } from 'vitest';
import { KernelError } from '../common/errors';
import { createMm } from './index';
import { bootMinFreeKbytes, zoneWatermarks } from './watermarks';

describe('zones (x86-64 zone_sizes_init)', () => {
  it('DMA below 16M, DMA32 below 4G, Normal above; the memmap is reserved at the top of Normal', () => {
    const mm = createMm({ memory: '8G' });
    const z = mm.zones.map((x) => [x.name, x.zone_start_pfn, x.spanned_pages, x.managed_pages]);
    // 8G = 64 sections of 128M: 64 x 512 frames of memmap at the top
    expect(z).toEqual([
      ['DMA', 0, 4096, 4096],
      ['DMA32', 4096, 1044480, 1044480],
      ['Normal', 1048576, 1048576, 1048576 - 32768],
      ['Movable', 0, 0, 0],
      ['Device', 0, 0, 0],
    ]);
    expect(mm.zone.name).toBe('Normal');
    expect(mm.zonelist(2).map((x) => x.name)).toEqual(['Normal', 'DMA32', 'DMA']);
    expect(mm.zonelist(1).map((x) => x.name)).toEqual(['DMA32', 'DMA']);
    // 4G without holes has no Normal: GFP_KERNEL starts at DMA32
    expect(
      createMm({ memory: '4G' })
        .zonelist(2)
        .map((x) => x.name),
    ).toEqual(['DMA32', 'DMA']);
  });

  it('GFP_DMA and GFP_DMA32 are honoured; pgalloc_<zone> counts where pages came from', () => {
    const mm = createMm({ memory: '8G' });
    expect(mm.alloc_pages('GFP_KERNEL|GFP_DMA', 0)!.pfn).toBeLessThan(4096);
    const d32 = mm.alloc_pages('GFP_KERNEL|GFP_DMA32', 2)!;
    expect(d32.pfn).toBeGreaterThanOrEqual(4096);
    expect(d32.pfn).toBeLessThan(1048576);
    expect(mm.alloc_pages('GFP_KERNEL', 0)!.pfn).toBeGreaterThanOrEqual(1048576);
    expect(mm.vmstat()).toMatchObject({ pgalloc_dma: 1, pgalloc_dma32: 4, pgalloc_normal: 1 });
    expect(() => mm.alloc_pages('GFP_KERNEL|GFP_DMA|GFP_DMA32', 0)).toThrow(KernelError);
    expect(() => mm.alloc_pages('GFP_KERNEL|GFP_DMA|GFP_DMA32', 0)).toThrow(/GFP_ZONE_BAD/);
  });
});

describe('watermarks (mm/page_alloc.c, 6.18)', () => {
  // Managed pages, min_free_kbytes and /proc/zoneinfo figures recorded from a 6.18 x86-64 machine with THP on.
  const managed = [3840, 772848, 2392064, 0, 0];

  it('calculate_min_free_kbytes() then set_recommended_min_free_kbytes(): 3 zones x 2 + 3 x 3 x 3 pageblocks', () => {
    expect(bootMinFreeKbytes(managed, false)).toBe(14240); // int_sqrt(12675008 kB x 16)
    expect(bootMinFreeKbytes(managed, true)).toBe(67584); // (512 x 3 x 2 + 512 x 3 x 9) pages
  });

  it('__setup_per_zone_wmarks() and setup_per_zone_lowmem_reserve() give the zoneinfo figures', () => {
    const w = zoneWatermarks(managed, 67584, 10);
    expect(w.map((x) => [x.min, x.low, x.high, x.promo])).toEqual([
      [20, 25, 30, 35],
      [4120, 5150, 6180, 7210],
      [12754, 15942, 19130, 22318],
      [32, 32, 32, 32], // Movable: min clamped to SWAP_CLUSTER_MAX even when empty
      [0, 0, 0, 0],
    ]);
    expect(w.map((x) => x.protection)).toEqual([
      [0, 3018, 12362, 12362, 12362],
      [0, 0, 9344, 9344, 9344],
      [0, 0, 0, 0, 0],
      [0, 0, 0, 0, 0],
      [0, 0, 0, 0, 0],
    ]);
    // watermark_scale_factor widens the low/high gaps once managed x wsf / 10000 exceeds min / 4
    expect(zoneWatermarks(managed, 67584, 100)[2]).toMatchObject({ min: 12754, low: 12754 + 23920 });
  });

  it('the engine boots with them; min_free_kbytes and watermark_scale_factor can be set', () => {
    const mm = createMm({ memory: '8G' });
    expect(mm.min_free_kbytes).toBe(
      bootMinFreeKbytes(
        mm.zones.map((z) => z.managed_pages),
        true,
      ),
    );
    const w = zoneWatermarks(
      mm.zones.map((z) => z.managed_pages),
      mm.min_free_kbytes,
    );
    expect(mm.zones.map((z) => z._watermark)).toEqual(w.map((x) => [x.min, x.low, x.high, x.promo]));
    expect(createMm({ memory: '8G', thp: false }).min_free_kbytes).toBe(
      bootMinFreeKbytes(
        mm.zones.map((z) => z.managed_pages),
        false,
      ),
    );
    expect(createMm({ memory: '8G', min_free_kbytes: 1024 }).zone._watermark[0]).toBe(
      Math.floor((256 * (1048576 - 32768)) / (1048576 * 2 - 32768)),
    );
    expect(() => createMm({ memory: '8G', watermark_scale_factor: 0 })).toThrow(/watermark_scale_factor/);
    expect(() => createMm({ memory: '8G', min_free_kbytes: -1 })).toThrow(/min_free_kbytes/);
  });

  it('GFP_KERNEL falls back from Normal to DMA32 once Normal reaches its low watermark', () => {
    const mm = createMm({ memory: '4608M' });
    const normal = mm.zones[2]!;
    expect(normal.managed_pages).toBe(131072 - 18432); // 36 sections of memmap
    let pfn = 1048576;
    let n = 0;
    while (pfn >= 1048576) {
      pfn = mm.alloc_pages('GFP_KERNEL', 0)!.pfn;
      n++;
    }
    // zone_watermark_fast() passes while free > low; the per-cpu list refills a batch (63) at a time
    expect(normal.freePages).toBeLessThanOrEqual(normal._watermark[1]!);
    expect(normal.freePages).toBeGreaterThan(normal._watermark[1]! - 63);
    expect(mm.vmstat().pgalloc_dma32).toBe(1);
    expect(mm.vmstat().pgalloc_normal).toBe(n - 1);
    expect(mm.checkInvariants()).toEqual([]);
  });

  it('lowmem_reserve keeps GFP_KERNEL out of DMA that GFP_DMA can still use; GFP_KERNEL fails at min', () => {
    const mm = createMm({ memory: '64M' });
    const [dma, dma32] = mm.zones;
    expect(dma!.lowmem_reserve[2]).toBe(Math.floor(dma32!.managed_pages / 256));
    while (mm.alloc_pages('GFP_KERNEL', 0));
    // DMA32 stopped at min, DMA at min + protection against a Normal-class request (order 0: free > mark + reserve)
    expect(dma32!.freePages).toBe(dma32!._watermark[0]!);
    expect(dma!.freePages).toBe(dma!._watermark[0]! + dma!.lowmem_reserve[2]!);
    expect(mm.allocFailures.at(-1)).toMatchObject({ gfp: 'GFP_KERNEL', order: 0, reason: 'oom' });
    expect(mm.allocFailures.at(-1)!.message).toBe('page allocation failure: order:0, mode:(GFP_KERNEL)');
    expect(mm.vmstat().allocstall_normal).toBeGreaterThan(0); // direct reclaim was tried (nothing to reclaim)
    const d = mm.alloc_pages('GFP_DMA', 0); // highest zone DMA: no reserve against itself
    expect(d!.pfn).toBeLessThan(4096);
    expect(mm.checkInvariants()).toEqual([]);
  });
});

describe('/proc/zoneinfo', () => {
  it("prints every zone in zoneinfo_show_print()'s layout", () => {
    const mm = createMm({ memory: '64M', cpus: 2 });
    const text = mm.procfs('zoneinfo');
    const dma = mm.zones[0]!;
    const w = dma._watermark;
    expect(text.startsWith('Node 0, zone      DMA\n  per-node stats\n      nr_inactive_anon 0\n')).toBe(true);
    expect(text).toContain(
      `\n  pages free     ${dma.freePages}\n        boost    0\n        min      ${w[0]}\n        low      ${w[1]}\n` +
        `        high     ${w[2]}\n        promo    ${w[3]}\n        spanned  4096\n        present  4096\n        managed  4096\n` +
        `        cma      0\n        protection: (0, ${dma.lowmem_reserve[1]}, ${dma.lowmem_reserve[2]}, ${dma.lowmem_reserve[3]}, ${dma.lowmem_reserve[4]})\n` +
        `      nr_free_pages ${dma.freePages}\n`,
    );
    expect(text).toContain('\n      nr_mlock     0\n');
    expect(text).toContain(
      `\n  pagesets\n    cpu: 0\n              count:    0\n              high:     ${dma.pcp.high}\n`,
    );
    expect(text).toContain('\n    cpu: 1\n');
    expect(text).toContain('\n  vm stats threshold: 4\n'); // 2 x fls(2) x (1 + fls(16M / 128M))
    expect(text).toContain(
      '\n  node_unreclaimable:  0\n  start_pfn:           4096\nNode 0, zone   Normal\n  pages free     0\n',
    );
    expect(
      text.endsWith(
        'Node 0, zone   Device\n  pages free     0\n        boost    0\n        min      0\n        low      0\n        high     0\n' +
          '        promo    0\n        spanned  0\n        present  0\n        managed  0\n        cma      0\n        protection: (0, 0, 0, 0, 0)\n',
      ),
    ).toBe(true);
    expect(
      mm
        .procfs('buddyinfo')
        .split('\n')
        .map((l) => l.slice(0, 21)),
    ).toEqual(['Node 0, zone      DMA', 'Node 0, zone    DMA32', '']);
  });
});
