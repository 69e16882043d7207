import { describe, expect, it } from 'vitest';
import { KernelError } from '../common/errors';
import { createMm } from './index';

const dm = (mm: ReturnType<typeof createMm>) => {
  const m = mm.meminfo();
  return { k4: m.DirectMap4k, m2: m.DirectMap2M, g1: m.DirectMap1G };
};

describe('direct map boot layout', () => {
  it('uses 1G leaves where aligned with gbpages, 2M otherwise, 4K at an unaligned tail', () => {
    expect(dm(createMm({ memory: '4G' }))).toEqual({ k4: 0, m2: 0, g1: 4194304 });
    expect(dm(createMm({ memory: '4G', gbpages: false }))).toEqual({ k4: 0, m2: 4194304, g1: undefined });
    expect(dm(createMm({ memory: '1026M' }))).toEqual({ k4: 0, m2: 2048, g1: 1048576 });
    expect(dm(createMm({ memory: 1024 * 1024 * 1024 + 2 * 1024 * 1024 + 12 * 1024 }))).toEqual({
      k4: 12,
      m2: 2048,
      g1: 1048576,
    });
    const mm = createMm({ memory: '1G' });
    expect(mm.lookup_address(12345)).toEqual({ level: '1G', present: true, rw: true, nx: true, global: true });
    expect(mm.procfs('meminfo')).toContain('DirectMap1G:     1048576 kB\n');
    expect(createMm({ memory: '64M', gbpages: false }).procfs('meminfo')).not.toContain('DirectMap1G');
  });
});

describe('CPA split rules', () => {
  it("one set_direct_map_invalid_noflush inside a 1G leaf costs two splits (the issue's example)", () => {
    const mm = createMm({ memory: '4G' });
    const before = { ...mm.meminfo(), ...mm.vmstat() };
    const flushes = mm.stats().flush_tlb_all;
    const p = mm.alloc_pages('GFP_KERNEL', 0)!;
    mm.set_direct_map_invalid_noflush(p);
    const after = { ...mm.meminfo(), ...mm.vmstat() };
    expect(after.direct_map_level3_splits! - before.direct_map_level3_splits!).toBe(1);
    expect(after.direct_map_level2_splits! - before.direct_map_level2_splits!).toBe(1);
    expect(after.DirectMap1G! - before.DirectMap1G!).toBe(-1048576);
    expect(after.DirectMap2M! - before.DirectMap2M!).toBe(1046528);
    expect(after.DirectMap4k! - before.DirectMap4k!).toBe(2048);
    // Two table pages were taken from the allocator, one global flush per split, none for the _noflush call itself.
    expect(mm.stats().page_table_pages).toBe(2);
    expect(mm.stats().flush_tlb_all - flushes).toBe(2);
    expect(after.pgalloc_dma32! - before.pgalloc_dma32!).toBe(3); // 4G without holes: no ZONE_NORMAL, DMA32 serves GFP_KERNEL
    expect(mm.lookup_address(p)).toMatchObject({ level: '4K', present: false, rw: false });
    mm.set_direct_map_default_noflush(p);
    // Restoring leaves a present 4K leaf; the split stays (one-way street), _PAGE_GLOBAL is not given back.
    expect(mm.lookup_address(p)).toEqual({ level: '4K', present: true, rw: true, nx: true, global: false });
    expect(mm.vmstat().direct_map_level2_splits).toBe(1);
    expect(mm.meminfo().DirectMap4k).toBe(2048);
    expect(mm.checkInvariants()).toEqual([]);
  });

  it('keeps a large page on sameprot, rewrites it in place when covered whole, splits otherwise', () => {
    const mm = createMm({ memory: '64M', gbpages: false });
    const stats = () => mm.stats().cpa_stats;
    mm.set_memory_ro(512, 512); // pageblock 1, whole and aligned
    expect(mm.lookup_address(700)).toMatchObject({ level: '2M', rw: false });
    expect(stats()['2M preserved']).toBe(1);
    expect(mm.vmstat().direct_map_level2_splits).toBe(0);
    mm.set_memory_ro(600, 3); // same prot already: the 2M leaf stays
    expect(stats()['2M sameprot']).toBe(1);
    expect(mm.vmstat().direct_map_level2_splits).toBe(0);
    mm.set_memory_rw(513, 1); // one page inside: split, then the PTE changes
    expect(mm.vmstat().direct_map_level2_splits).toBe(1);
    expect(mm.lookup_address(513)).toMatchObject({ level: '4K', rw: true });
    expect(mm.lookup_address(514)).toMatchObject({ level: '4K', rw: false });
    expect(mm.meminfo()).toMatchObject({ DirectMap4k: 2048, DirectMap2M: 63488 });
    mm.set_memory_ro(1024 + 256, 512); // straddles two 2M leaves, neither from its base: two splits
    expect(mm.vmstat().direct_map_level2_splits).toBe(3);
    mm.set_memory_4k(4096, 1); // no prot change, forced split
    expect(mm.vmstat().direct_map_level2_splits).toBe(4);
    expect(mm.lookup_address(4096)).toMatchObject({ level: '4K', rw: true, present: true });
    expect(mm.checkInvariants()).toEqual([]);
  });

  it('set_memory_np / set_memory_p on a whole 2M leaf keep it large', () => {
    const mm = createMm({ memory: '64M', gbpages: false });
    mm.set_memory_np(2048, 512);
    expect(mm.lookup_address(2100)).toEqual({ level: '2M', present: false, rw: true, nx: true, global: false });
    mm.set_memory_p(2048, 512);
    expect(mm.lookup_address(2100)).toMatchObject({ level: '2M', present: true });
    expect(mm.vmstat().direct_map_level2_splits).toBe(0);
  });

  it('counts flushes: per-page flushes up to 33 pages, flush_tlb_all above, none when nothing changed', () => {
    const mm = createMm({ memory: '64M', gbpages: false });
    mm.set_memory_4k(0, 1);
    const s0 = mm.stats();
    mm.set_memory_ro(0, 33);
    expect(mm.stats().flush_tlb_kernel_range - s0.flush_tlb_kernel_range).toBe(1);
    expect(mm.stats().flush_tlb_all).toBe(s0.flush_tlb_all);
    mm.set_memory_rw(0, 34);
    expect(mm.stats().flush_tlb_all - s0.flush_tlb_all).toBe(1);
    mm.set_memory_rw(0, 34); // unchanged: no CPA_FLUSHTLB
    expect(mm.stats().flush_tlb_all - s0.flush_tlb_all).toBe(1);
    expect(mm.stats().flush_tlb_kernel_range - s0.flush_tlb_kernel_range).toBe(1);
  });

  it('fails a split with ENOMEM when no page is left for the table', () => {
    const mm = createMm({ memory: '6M', gbpages: false }); // 4M managed
    const pages: { pfn: number; order: number }[] = [];
    for (;;) {
      const p = mm.alloc_pages('GFP_KERNEL|__GFP_MEMALLOC', 0); // past the min watermark too
      if (!p) break;
      pages.push(p);
    }
    expect(pages.length).toBe(1024);
    let err: unknown;
    try {
      mm.set_memory_ro(pages[5]!, 1);
    } catch (e) {
      err = e;
    }
    expect((err as KernelError).errno).toBe('ENOMEM');
    expect(mm.lookup_address(pages[5]!)).toMatchObject({ level: '2M', rw: true });
    // The table is a GFP_KERNEL page: one free page is not enough, the zone must be above min (64 pages)
    mm.__free_pages(pages[0]!);
    expect(() => mm.set_memory_ro(pages[5]!, 1)).toThrow(/no page for a PTE table/);
    for (let i = 6; i < 70; i++) mm.__free_pages(pages[i]!); // 65 free, on the per-cpu list until the slow path drains it
    mm.set_memory_ro(pages[5]!, 1);
    expect(mm.lookup_address(pages[5]!)).toMatchObject({ level: '4K', rw: false });
    expect(mm.stats().page_table_pages).toBe(1);
    expect(mm.meminfo().MemFree).toBe(64 * 4);
  });
});

describe('aliases of vmalloc addresses', () => {
  it('mirrors RO onto the direct-map alias (splitting it) but never NX, and flushes everything', () => {
    const mm = createMm({ memory: '64M', gbpages: false });
    const r = mm.vmalloc('8K', { flags: ['VM_FLUSH_RESET_PERMS'] })!;
    expect(r.nr_pages).toBe(2);
    const f0 = mm.stats().flush_tlb_all;
    mm.set_memory_rox(r, 2);
    for (const pfn of r.pages) expect(mm.lookup_address(pfn)).toMatchObject({ level: '4K', rw: false, nx: true });
    expect(mm.vmstat().direct_map_level2_splits).toBe(1); // both pages sit in one pageblock
    expect(mm.stats().flush_tlb_all - f0).toBe(2); // the split, then force_flush_all
    expect(mm.meminfo().VmallocUsed).toBe(8);
    // vfree with VM_FLUSH_RESET_PERMS: invalidate, one flush, default — the split stays.
    const rf = mm.stats().flush_tlb_kernel_range;
    mm.vfree(r);
    expect(mm.stats().flush_tlb_kernel_range - rf).toBe(1);
    for (const pfn of r.pages) expect(mm.lookup_address(pfn)).toMatchObject({ level: '4K', present: true, rw: true });
    expect(mm.vmstat().direct_map_level2_splits).toBe(1);
    expect(() => mm.vfree(r)).toThrow(KernelError);
    expect(mm.checkInvariants()).toEqual([]);
  });
});

describe('the 2025 collapse', () => {
  it('re-forms 2M and 1G leaves on set_memory_rox when all entries agree, and frees the tables', () => {
    const mm = createMm({ memory: '1G', collapse: true });
    const freeKb = (m: typeof mm) => m.meminfo().MemFree! + 4 * m.pcpCount();
    const free0 = freeKb(mm);
    mm.set_memory_ro(1000, 1);
    expect(mm.vmstat()).toMatchObject({ direct_map_level3_splits: 1, direct_map_level2_splits: 1 });
    expect(freeKb(mm)).toBe(free0 - 8);
    const other = createMm({ memory: '1G', collapse: true });
    other.set_memory_ro(1000, 1);
    other.set_memory_rox(512, 512); // the split PMD now has 512 identical PTEs; its PUD still differs
    expect(other.vmstat()).toMatchObject({ direct_map_level2_collapses: 1, direct_map_level3_collapses: 0 });
    expect(other.lookup_address(1000)).toMatchObject({ level: '2M', rw: false, nx: false });
    expect(freeKb(other)).toBe(free0 - 4);
    // rox over the whole GiB: 511 PMDs rewritten in place, the split one collapses, and then its PUD
    // (collapse_pud_page() runs only after a successful collapse_pmd_page()).
    mm.set_memory_rox(0, 262144);
    expect(mm.vmstat().direct_map_level2_collapses).toBe(1);
    expect(mm.vmstat().direct_map_level3_collapses).toBe(1);
    expect(mm.meminfo()).toMatchObject({ DirectMap1G: 1048576, DirectMap2M: 0, DirectMap4k: 0 });
    expect(freeKb(mm)).toBe(free0);
    expect(mm.checkInvariants()).toEqual([]);
  });

  it('is blocked by a non-present PTE and by set_memory_4k, and off by default', () => {
    const mm = createMm({ memory: '64M', gbpages: false, collapse: true });
    mm.set_direct_map_invalid_noflush(600);
    mm.set_memory_rox(512, 512);
    expect(mm.vmstat().direct_map_level2_collapses).toBe(0);
    mm.set_memory_4k(1024, 1);
    mm.set_memory_rox(1024, 512);
    expect(mm.vmstat().direct_map_level2_collapses).toBe(0);
    const off = createMm({ memory: '64M', gbpages: false });
    off.set_memory_ro(600, 1);
    off.set_memory_rox(512, 512);
    expect(off.vmstat().direct_map_level2_collapses).toBe(0);
    expect(off.lookup_address(600).level).toBe('4K');
  });
});

describe('more CPA entry points', () => {
  it('set_direct_map_valid_noflush over a whole 2M leaf keeps it; set_memory_np_noalias leaves the alias alone', () => {
    const mm = createMm({ memory: '64M', gbpages: false });
    const f = mm.stats();
    mm.set_direct_map_valid_noflush(1024, 512, false);
    expect(mm.lookup_address(1500)).toMatchObject({ level: '2M', present: false, rw: false });
    mm.set_direct_map_valid_noflush(1024, 512, true);
    expect(mm.lookup_address(1500)).toMatchObject({ level: '2M', present: true, rw: true, global: false });
    expect(mm.stats().flush_tlb_all + mm.stats().flush_tlb_kernel_range).toBe(
      f.flush_tlb_all + f.flush_tlb_kernel_range,
    );
    const r = mm.vmalloc('4K')!;
    mm.set_memory_np_noalias(r, 1);
    expect(r.prot[0]! & 1).toBe(0);
    expect(mm.lookup_address(r.pages[0]!)).toMatchObject({ level: '2M', present: true });
    expect(mm.vmstat().direct_map_level2_splits).toBe(0);
  });

  it('boots and splits at 64G', () => {
    const mm = createMm({ memory: '64G' });
    expect(mm.meminfo()).toMatchObject({ MemTotal: 67108864 - 1048576, DirectMap1G: 67108864 }); // less the 1G memmap
    const last = mm.nframes - 1;
    mm.set_memory_ro(last, 1);
    expect(mm.meminfo()).toMatchObject({ DirectMap1G: 66060288, DirectMap2M: 1046528, DirectMap4k: 2048 });
    expect(mm.lookup_address(last)).toMatchObject({ level: '4K', rw: false });
    expect(mm.snapshot().pageblocks).toBe(32768);
  });
});

describe('1G leaves', () => {
  it('a whole aligned GiB is rewritten in place; a whole 2M inside a 1G leaf costs only the PUD split', () => {
    const mm = createMm({ memory: '2G' });
    mm.set_memory_ro(0, 262144);
    expect(mm.lookup_address(5)).toMatchObject({ level: '1G', rw: false });
    expect(mm.stats().cpa_stats['1G preserved']).toBe(1);
    mm.set_memory_ro(262144 + 512, 512);
    expect(mm.vmstat()).toMatchObject({ direct_map_level3_splits: 1, direct_map_level2_splits: 0 });
    expect(mm.meminfo()).toMatchObject({ DirectMap1G: 1048576, DirectMap2M: 1048576, DirectMap4k: 0 });
    expect(mm.lookup_address(262144 + 600)).toMatchObject({ level: '2M', rw: false });
    expect(mm.lookup_address(262144 + 1024)).toMatchObject({ level: '2M', rw: true });
    expect(mm.checkInvariants()).toEqual([]);
  });
});
