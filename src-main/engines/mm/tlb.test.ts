import { describe, expect, it } from 'vitest';
import { KernelError } from '../common/errors';
import { createMm } from './index';

describe('TLB model', () => {
  it('counts one miss and one walk per first touch of each leaf, sequentially', () => {
    const mm = createMm({ memory: '64M', gbpages: false });
    const tlb = mm.tlb();
    // 8 PMDs, 4 KiB stride: 4096 accesses over 8 2M leaves
    const r = tlb.access({ type: 'sequential', accesses: 4096, start: 0, pages: 4096, stride: 4096 });
    expect(r).toEqual({ accesses: 4096, misses: 8, walks: 8, faults: 0, byLevel: { '4K': 0, '2M': 4096, '1G': 0 } });
    // The TLB stays warm between replays.
    expect(tlb.access({ type: 'sequential', accesses: 4096, start: 0, pages: 4096, stride: 4096 }).misses).toBe(0);
    // Split one PMD: the split's flush_tlb_all empties the TLB; 7 2M leaves + 512 4K pages are touched cold.
    mm.set_memory_4k(0, 1);
    const s = tlb.access({ type: 'sequential', accesses: 4096, start: 0, pages: 4096, stride: 4096 });
    expect(s).toMatchObject({ misses: 519, walks: 519, byLevel: { '4K': 512, '2M': 3584, '1G': 0 } });
  });

  it('1G leaves: 4 GiB fits the four L1 1G entries', () => {
    const mm = createMm({ memory: '4G' });
    const r = mm.tlb({ cpu: 'skylake' }).access({ type: 'uniform', accesses: 10000, seed: 3 });
    expect(r.misses).toBe(4);
    expect(r.walks).toBe(4);
    expect(r.byLevel['1G']).toBe(10000);
  });

  it('fragmentation costs walks: a uniform pattern over a 4K-mapped range misses more than over 2M leaves', () => {
    const big = createMm({ memory: '256M', gbpages: false });
    const small = createMm({ memory: '256M', gbpages: false });
    small.set_memory_4k(0, 65536);
    expect(small.meminfo().DirectMap4k).toBe(262144);
    const pattern = { type: 'uniform' as const, accesses: 20000, seed: 5 };
    const a = big.tlb().access(pattern);
    const b = small.tlb().access(pattern);
    expect(a.walks).toBe(128); // 128 2M leaves fit the STLB: only cold misses
    expect(b.walks).toBeGreaterThan(10000); // 65536 4K pages cannot fit 1536 STLB entries
    const hot = small.tlb().access({ type: 'hotset', accesses: 20000, hotPages: 32, hotProbability: 1, seed: 5 });
    expect(hot.walks).toBe(32);
  });

  it('reports accesses to non-present entries as faults and refuses bad patterns', () => {
    const mm = createMm({ memory: '64M', gbpages: false });
    mm.set_direct_map_invalid_noflush(5);
    const r = mm.tlb().access({ type: 'sequential', accesses: 8, start: 0, pages: 8, stride: 4096 });
    expect(r.faults).toBe(1);
    expect(() => mm.tlb({ cpu: 'z80' })).toThrow(KernelError);
    expect(() => mm.tlb().access({ type: 'uniform', accesses: 1, start: 0, pages: 1 << 30 })).toThrow(KernelError);
  });
});
