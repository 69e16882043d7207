import { describe, expect, it } from 'vitest';
import { createMm } from './index';

describe('seeded workloads', () => {
  const run = (seed: number) => {
    const mm = createMm({ memory: '256M', gbpages: false, seed });
    const churn = mm.workloads.churn({ gfp: 'GFP_KERNEL', live: 500, maxOrder: 2 });
    const c = churn.run(3000);
    const s = mm.workloads.secretmemChurn({ files: 3, pages: 8, rounds: 5 });
    const m = mm.workloads.moduleLoadUnload({ modules: 6, keep: 3 });
    const b = mm.workloads.bpfLoadUnload({ progs: 10, keep: 4 });
    return {
      c,
      s: { ...s, open: s.open.length },
      m: { ...m, loaded: m.loaded.length },
      b: { ...b, loaded: b.loaded.length },
      text: mm.procfs('pagetypeinfo') + mm.procfs('vmstat'),
      mm,
    };
  };

  it('same seed, same run, byte for byte; another seed differs', () => {
    const a = run(1);
    const b = run(1);
    expect(JSON.stringify({ ...a, mm: 0 })).toBe(JSON.stringify({ ...b, mm: 0 }));
    expect(run(2).text).not.toBe(a.text);
    expect(a.m).toMatchObject({ ops: 6, allocs: 6, frees: 3, live: 3, loaded: 3 });
    expect(a.b).toMatchObject({ ops: 10, allocs: 10, frees: 6, live: 4 });
    expect(a.c.allocs - a.c.frees).toBe(a.c.live);
    expect(a.mm.checkInvariants()).toEqual([]);
  });

  it('secretmem churn under baseline splits; release() gives the churn back', () => {
    const mm = createMm({ memory: '64M', gbpages: false, seed: 4 });
    const r = mm.workloads.secretmemChurn({ files: 2, pages: 4, rounds: 3 });
    expect(r.allocs).toBeGreaterThan(0);
    expect(mm.vmstat().direct_map_level2_splits).toBeGreaterThanOrEqual(1);
    for (const f of r.open) f.close();
    const churn = mm.workloads.churn({ gfp: 'GFP_HIGHUSER_MOVABLE', live: 100 });
    churn.run(500);
    churn.release();
    expect(churn.live.length).toBe(0);
    mm.drain_all_pages();
    expect(mm.meminfo().MemFree).toBe(63488 - 4 * mm.stats().page_table_pages);
  });
});
