import { describe, expect, it } from 'vitest';
import { KernelError } from '../common/errors';
import { createMm } from './index';

describe('execmem ROX cache', () => {
  it('serves text from a 2M area made ROX whole: the direct-map alias turns RO without a split', () => {
    const mm = createMm({ memory: '64M', gbpages: false, execmem: { rox_cache: true }, debug: true });
    const a = mm.execmem_alloc('8K')!;
    expect(a.nr_pages).toBe(2);
    expect(a.addr).toBe('0xffffffffa0000000');
    expect(mm.lookup_address(a.pages[0]!)).toMatchObject({ level: '2M', present: true, rw: false, nx: true });
    expect(mm.vmstat().direct_map_level2_splits).toBe(0);
    expect(mm.meminfo().VmallocUsed).toBe(2048);
    const b = mm.execmem_alloc(4096)!;
    expect(b.addr).toBe('0xffffffffa0002000'); // first fit right after a
    expect(b.pages[0]).toBe(a.pages[0]! + 2);
    expect(mm.execmemCache!.stats.refills).toBe(1);
    // Freeing a piece makes it RW on the alias (a split), then ROX again; the split stays without collapse.
    mm.execmem_free(a);
    expect(mm.vmstat().direct_map_level2_splits).toBe(1);
    expect(mm.lookup_address(a.pages[0]!)).toMatchObject({ level: '4K', rw: false });
    expect(() => mm.execmem_free(a)).toThrow(KernelError);
    // The last free releases the whole area: the direct map is valid and writable again.
    mm.execmem_free(b);
    expect(mm.execmemCache!.stats.released).toBe(1);
    expect(mm.meminfo().VmallocUsed).toBe(0);
    expect(mm.lookup_address(b.pages[0]!)).toMatchObject({ level: '4K', present: true, rw: true });
    expect(mm.lookup_address(b.pages[0]! + 100)).toMatchObject({ present: true, rw: true });
  });

  it('with the 2025 collapse, set_memory_rox re-forms the 2M leaf after a free', () => {
    const mm = createMm({ memory: '64M', gbpages: false, collapse: true, execmem: { rox_cache: true } });
    const a = mm.execmem_alloc('8K')!;
    mm.execmem_alloc('8K');
    mm.execmem_free(a);
    expect(mm.vmstat()).toMatchObject({ direct_map_level2_splits: 1, direct_map_level2_collapses: 1 });
    expect(mm.lookup_address(a.pages[0]!)).toMatchObject({ level: '2M', rw: false });
    expect(mm.checkInvariants()).toEqual([]);
  });

  it('loading 32 BPF programs: classic execmem splits once per pageblock touched, the cache not at all', () => {
    const classic = createMm({ memory: '256M', gbpages: false, seed: 3 });
    const cached = createMm({ memory: '256M', gbpages: false, seed: 3, execmem: { rox_cache: true } });
    for (const mm of [classic, cached]) {
      const churn = mm.workloads.churn({ gfp: 'GFP_KERNEL', live: 4000, freeRatio: 0.2, seed: 9 });
      for (let i = 0; i < 32; i++) {
        churn.run(200);
        mm.workloads.bpfLoadUnload({ progs: 1, seed: i });
      }
    }
    expect(classic.vmstat().direct_map_level2_splits).toBe(8); // seeded: the programs landed in 8 of the ~8 unmovable pageblocks
    expect(cached.vmstat().direct_map_level2_splits).toBe(0);
    expect(cached.checkInvariants()).toEqual([]);
  });
});
