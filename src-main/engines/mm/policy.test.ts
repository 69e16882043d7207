import { describe, expect, it } from 'vitest';
import { KernelError } from '../common/errors';
import { createMm } from './index';
import type { Policy } from './index';

const U = 'GFP_KERNEL|__GFP_UNMAPPED';

describe('baseline (mainline)', () => {
  it('has no __GFP_UNMAPPED', () => {
    const mm = createMm({ memory: '64M' });
    let err: unknown;
    try {
      mm.alloc_pages(U, 0);
    } catch (e) {
      err = e;
    }
    expect((err as KernelError).errno).toBe('EINVAL');
    expect((err as KernelError).message).toContain('__GFP_UNMAPPED');
  });

  it('memfd_secret unmaps each faulted page (splitting its 2M leaf) and maps it back on close', () => {
    const mm = createMm({ memory: '64M', gbpages: false });
    const f = mm.memfd_secret();
    const r0 = mm.stats().flush_tlb_kernel_range;
    const p = f.fault(0);
    expect(p.pfn).toBe(4096); // GFP_HIGHUSER's zonelist starts at DMA32 (16M up)
    expect(f.fault(0)).toEqual(p);
    expect(mm.lookup_address(p)).toMatchObject({ level: '4K', present: false });
    expect(mm.vmstat().direct_map_level2_splits).toBe(1);
    expect(mm.stats().flush_tlb_kernel_range - r0).toBe(1);
    const q = f.fault(7);
    expect(q.pfn).toBe(4098); // pfn 4097 became the PTE table of the split
    expect(mm.stats().page_table_pages).toBe(1);
    expect(mm.vmstat().direct_map_level2_splits).toBe(1);
    // DMA32's pcp batch is 1 (11776 managed pages): the three pages are all the buddy gave
    expect(mm.meminfo()).toMatchObject({ MemFree: 63488 - 12, Unevictable: 8 });
    f.close();
    expect(mm.lookup_address(p)).toMatchObject({ level: '4K', present: true, rw: true });
    expect(mm.pcpCount()).toBe(2);
    mm.drain_all_pages();
    expect(mm.meminfo().MemFree).toBe(63488 - 4); // the PTE table stays
    expect(() => f.fault(0)).toThrow(KernelError);
    expect(mm.checkInvariants()).toEqual([]);
  });

  it('execmem text makes the direct-map alias RO, and vfree resets it but leaves the split', () => {
    const mm = createMm({ memory: '64M', gbpages: false });
    const r = mm.execmem_alloc('12K')!;
    expect(r.pages).toEqual([4096, 4097, 4098]);
    expect(r.addr).toBe('0xffffffffa0000000');
    expect(r.flags).toEqual(['VM_FLUSH_RESET_PERMS']);
    expect(mm.lookup_address(4097)).toEqual({ level: '4K', present: true, rw: false, nx: true, global: true });
    expect(mm.lookup_address(4099)).toMatchObject({ rw: true });
    expect(mm.vmstat().direct_map_level2_splits).toBe(1);
    mm.execmem_free(r);
    expect(mm.lookup_address(4097)).toMatchObject({ level: '4K', present: true, rw: true, global: false });
    expect(mm.vmstat().direct_map_level2_splits).toBe(1);
    expect(mm.meminfo().VmallocUsed).toBe(0);
  });
});

describe('migratetype (2022 MIGRATE_UNMAPPED)', () => {
  it('converts the first pageblock used, splitting its 2M entry once, and unmaps at allocation', () => {
    const mm = createMm({ memory: '64M', gbpages: false, policy: 'migratetype' });
    const a = mm.alloc_pages(U, 0)!;
    expect(a.pfn).toBe(4096); // DMA32's largest fallback block (order 10 MOVABLE at 4096), single-page steal
    expect(mm.vmstat().direct_map_level2_splits).toBe(1);
    // the split's PTE table (GFP_KERNEL) claimed the next order-10 block: two Unmovable pageblocks
    expect(mm.pagetypeinfo().blocks).toMatchObject({ Unmapped: 1, Unmovable: 2, Movable: 29 });
    expect(mm.pagetypeinfo().free.Unmapped).toEqual([1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0]);
    expect(mm.lookup_address(4096)).toMatchObject({ level: '4K', present: false });
    expect(mm.lookup_address(4097)).toMatchObject({ level: '4K', present: true }); // free pages stay mapped
    const b = mm.alloc_pages(U, 0)!;
    expect(b.pfn).toBe(4097);
    expect(mm.vmstat().direct_map_level2_splits).toBe(1);
    mm.__free_pages(a);
    expect(mm.lookup_address(4096)).toMatchObject({ present: true, rw: true });
    expect(mm.pagetypeinfo().free.Unmapped?.[0]).toBe(1);
    expect(mm.checkInvariants()).toEqual([]);
  });

  it('memfd_secret uses the flag: one split per pageblock, not per page', () => {
    const mm = createMm({ memory: '64M', gbpages: false, policy: 'migratetype' });
    const f = mm.memfd_secret();
    for (let i = 0; i < 100; i++) f.fault(i);
    expect(mm.vmstat().direct_map_level2_splits).toBe(1);
    f.close();
    expect(mm.checkInvariants()).toEqual([]);
  });
});

describe('cache (2023 unmapped_alloc)', () => {
  it('refills with a whole pageblock removed from the direct map without splitting it', () => {
    const mm = createMm({ memory: '64M', gbpages: false, policy: 'cache' });
    const fa = mm.stats().flush_tlb_all;
    const fr = mm.stats().flush_tlb_kernel_range;
    const a = mm.alloc_pages(U, 0)!;
    expect(a.pfn).toBe(4096); // pageblock 8, DMA32's first
    expect(mm.vmstat().direct_map_level2_splits).toBe(0);
    expect(mm.lookup_address(4396)).toMatchObject({ level: '2M', present: false });
    expect(mm.stats().flush_tlb_all - fa).toBe(1); // set_memory_np of 512 pages > the flush ceiling
    expect(mm.stats().flush_tlb_kernel_range - fr).toBe(1); // and the explicit flush_tlb_kernel_range
    expect(mm.meminfo().MemFree).toBe(63488 - 2048);
    expect(mm.procfs('unmapped_alloc')).toBe(
      'MAX_ORDER: 11\n\n' +
        'Order:      0     1     2     3     4     5     6     7     8     9    10 \n' +
        'Pages:      1     1     1     1     1     1     1     1     1     0     0 \n',
    );
    const snap = mm.snapshot();
    expect([snap.cacheFree[8], snap.allocated[8], snap.unmapped[8], snap.unmappedBlock[8], snap.level[8]]).toEqual([
      511, 1, 512, 1, 2,
    ]);
    mm.__free_pages(a);
    expect(mm.unmapped_alloc_count()).toBe(512);
    expect(mm.lookup_address(4096)).toMatchObject({ present: false });
    expect(mm.checkInvariants()).toEqual([]);
    // The shrinker maps the block back page by page (one split) and returns it to the zone.
    expect(mm.unmapped_alloc_shrink(512)).toBe(512);
    expect(mm.vmstat().direct_map_level2_splits).toBe(1);
    expect(mm.lookup_address(4396)).toMatchObject({ level: '4K', present: true, rw: true });
    expect(mm.meminfo().MemFree! + 4 * mm.pcpCount()).toBe(63488 - 4); // all back but the PTE table
    expect(mm.snapshot().unmappedBlock[8]).toBe(0);
    expect(mm.checkInvariants()).toEqual([]);
  });

  it("follows the prototype shrinker's nr_to_scan arithmetic (the running total is subtracted)", () => {
    const mm = createMm({ memory: '64M', gbpages: false, policy: 'cache' });
    mm.alloc_pages(U, 0); // cache: one free block at each order 0-8 = 511 pages
    expect(mm.unmapped_alloc_count()).toBe(511);
    // order 0: 1 (scanned 1, nr_to_scan 9); order 1: 2 (scanned 3, nr_to_scan 6); order 2: 4 -> scanned 7 >= 6: stop
    expect(mm.unmapped_alloc_shrink(10)).toBe(7);
    expect(mm.unmapped_alloc_count()).toBe(504);
    expect(mm.vmstat().direct_map_level2_splits).toBe(1); // mapping back 4K pages of the non-present 2M leaf
    expect(mm.lookup_address(4097)).toMatchObject({ level: '4K', present: true });
    expect(mm.lookup_address(4104)).toMatchObject({ level: '4K', present: false });
    expect(mm.checkInvariants()).toEqual([]);
  });

  it("literal_np reproduces the prototype's set_memory_np(addr, 1 << order): one page leaves, the 2M leaf splits", () => {
    const mm = createMm({ memory: '64M', gbpages: false, policy: 'cache', literal_np: true });
    const a = mm.alloc_pages(U, 0)!;
    expect(mm.vmstat().direct_map_level2_splits).toBe(1);
    expect(mm.lookup_address(a)).toMatchObject({ level: '4K', present: false });
    expect(mm.lookup_address(a.pfn + 1)).toMatchObject({ level: '4K', present: true }); // cached, but still mapped
    expect(mm.checkInvariants()).toEqual([]);
  });

  it('with 1G pages a refill splits the PUD only', () => {
    const mm = createMm({ memory: '1G', policy: 'cache' });
    mm.alloc_pages(U, 0);
    expect(mm.vmstat()).toMatchObject({ direct_map_level3_splits: 1, direct_map_level2_splits: 0 });
    expect(mm.meminfo()).toMatchObject({ DirectMap1G: 0, DirectMap2M: 1048576, DirectMap4k: 0 });
  });

  it('has no unmapped_alloc file under other policies', () => {
    expect(() => createMm({ memory: '8M' }).procfs('unmapped_alloc')).toThrow(KernelError);
  });
});

describe('freetype (2026)', () => {
  it('moves whole pageblocks to the unmapped side with no page-table allocation, and keeps freed pages there', () => {
    const mm = createMm({ memory: '64M', gbpages: false, policy: 'freetype' });
    const a = mm.alloc_pages(U, 0)!;
    expect(a.pfn).toBe(4096); // DMA32's first pageblock
    expect(mm.vmstat().direct_map_level2_splits).toBe(0);
    expect(mm.stats().page_table_pages).toBe(0);
    expect(mm.lookup_address(a)).toMatchObject({ level: '2M', present: false });
    expect(mm.pagetypeinfo().free.Unmapped).toEqual([1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0]);
    mm.__free_pages(a);
    expect(mm.pagetypeinfo().free.Unmapped).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0]);
    expect(mm.lookup_address(a)).toMatchObject({ present: false });
    expect(() => mm.alloc_pages('GFP_HIGHUSER_MOVABLE|__GFP_UNMAPPED', 0)).toThrow(/UNMOVABLE/);
    expect(mm.checkInvariants()).toEqual([]);
  });

  it('turns an unmapped pageblock back when mapped memory runs out', () => {
    const mm = createMm({ memory: '6M', gbpages: false, policy: 'freetype' }); // 4M managed
    const a = mm.alloc_pages(U, 0)!;
    const mapped = [];
    for (let i = 0; i < 512; i++) mapped.push(mm.alloc_pages('GFP_KERNEL', 0)!);
    expect(mapped.every((p) => p.pfn >= 512)).toBe(true);
    expect(mm.alloc_pages('GFP_KERNEL', 0)).toBeNull(); // 511 unmapped pages are free, but not a whole block
    mm.__free_pages(a);
    const b = mm.alloc_pages('GFP_KERNEL', 0)!;
    expect(b.pfn).toBe(0);
    expect(mm.lookup_address(b)).toMatchObject({ level: '2M', present: true });
    expect(mm.snapshot().unmappedBlock[0]).toBe(0);
    expect(mm.checkInvariants()).toEqual([]);
  });
});

describe("the 2022 cover letter's claim", () => {
  // Boot plus module and BPF loads among background kernel allocations: "several tens" of direct-map splits in
  // mainline, "a single digit number" when module text comes with __GFP_UNMAPPED.
  function run(policy: Policy): number {
    const mm = createMm({ memory: '4G', policy, seed: 1 });
    const bg = mm.workloads.churn({ gfp: 'GFP_KERNEL', live: 40000, freeRatio: 0.3, seed: 7 });
    const mov = mm.workloads.churn({ gfp: 'GFP_HIGHUSER_MOVABLE', live: 100000, freeRatio: 0.3, seed: 8, maxOrder: 3 });
    for (let round = 0; round < 40; round++) {
      bg.run(2000);
      mov.run(2000);
      mm.workloads.moduleLoadUnload({ modules: 1, seed: 100 + round });
      mm.workloads.bpfLoadUnload({ progs: 3, seed: 200 + round });
    }
    const v = mm.vmstat();
    return v.direct_map_level2_splits! + v.direct_map_level3_splits!;
  }

  it('several tens of splits under baseline, single digits with __GFP_UNMAPPED', () => {
    const base = run('baseline');
    expect(base).toBeGreaterThanOrEqual(20);
    for (const p of ['migratetype', 'cache', 'freetype'] as Policy[]) expect(run(p)).toBeLessThan(10);
  });
});

describe('boot options', () => {
  it("accepts boot()'s shape: mm: { policy, collapse }", () => {
    const mm = createMm({ memory: '8M', mm: { policy: 'cache', collapse: true } });
    expect(mm.policy).toBe('cache');
    expect(mm.collapseEnabled).toBe(true);
    expect(() => createMm({ memory: '8M', policy: 'nope' as Policy })).toThrow(/unknown policy/);
    expect(() => createMm({ memory: '1M' })).toThrow(KernelError);
  });
});
