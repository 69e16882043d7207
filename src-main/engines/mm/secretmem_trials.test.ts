/** memfd_secret trials: page reuse through the per-cpu list, and the background noise that breaks it. */
import { describe, expect, it } from 'vitest';
import { KernelError } from '../common/errors';
import { createMm } from './index';
import { BackgroundNoise, secretmemTrials } from './secretmem_trials';

const boot = (seed = 1) => createMm({ memory: '4G', gbpages: false, seed });

describe('secretmemTrials', () => {
  it('without noise, each trial takes back the page the last one freed to the per-cpu list: one split, then none', () => {
    const mm = boot();
    const t = secretmemTrials(mm, { pages: 1, trials: 10 });
    expect(t.map((x) => x.level2_splits)).toEqual([1, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    expect(t.slice(1).every((x) => x.reused && x.pfns[0] === t[0]!.pfns[0])).toBe(true);
    // The freed page went back to the head of the per-cpu list, mapped again (set_direct_map_default_noflush).
    expect(mm.zone.pcp.entries()[0]).toEqual([t[0]!.pfns[0], 0]);
    expect(mm.dm.presentOf(t[0]!.pfns[0]!)).toBe(true);
  });

  it('with noise, 1-page files land on other pages and split in most trials; 64-page files spread over many 2M regions', () => {
    let split1 = 0;
    for (const seed of [1, 2, 3]) {
      const mm = boot(seed);
      const noise = new BackgroundNoise(mm);
      const one = secretmemTrials(mm, { pages: 1, trials: 10, noise });
      expect(one.some((x) => x.reused)).toBe(false);
      split1 += one.filter((x) => x.level2_splits > 0).length;
      const big = secretmemTrials(mm, { pages: 64, trials: 5, noise });
      for (const x of big) {
        expect(x.pfns).toHaveLength(64);
        // a split per 2M region at most, and only in regions the faults touched
        expect(x.level2_splits).toBeLessThanOrEqual(x.regions);
      }
      expect(Math.max(...big.map((x) => x.regions))).toBeGreaterThan(16);
      expect(big.reduce((n, x) => n + x.level2_splits, 0)).toBeGreaterThan(16);
    }
    expect(split1).toBeGreaterThanOrEqual(24); // of 30: Linux split in 9 of 10 early trials
  });

  it('is deterministic per seed, and the noise holds about its pool', () => {
    const run = (seed: number) => {
      const mm = boot(seed);
      const noise = new BackgroundNoise(mm, { pool: 4096, ops: 256 });
      expect(Math.abs(noise.held - 4096)).toBeLessThan(1024);
      return secretmemTrials(mm, { pages: 8, trials: 4, noise });
    };
    expect(run(7)).toEqual(run(7));
    expect(run(7)).not.toEqual(run(8));
  });

  it('runs from k.mm.workloads with one noise per machine, and refuses bad sizes with EINVAL', () => {
    const mm = boot();
    const a = mm.workloads.secretmemTrials({ pages: 1, trials: 3, noise: { pool: 4096, ops: 512 } });
    const b = mm.workloads.secretmemTrials({ pages: 1, trials: 3, noise: true });
    expect([...a, ...b].some((x) => x.reused)).toBe(false);
    expect(() => secretmemTrials(mm, { pages: 0 })).toThrow(KernelError);
    expect(() => secretmemTrials(mm, { trials: 1.5 })).toThrow(/trials 1.5/);
    expect(() => new BackgroundNoise(mm, { pool: mm.managed_pages })).toThrow(/pool/);
    const e = (() => {
      try {
        new BackgroundNoise(mm, { ops: -1 });
      } catch (x) {
        return x as KernelError;
      }
      return undefined;
    })();
    expect(e?.errno).toBe('EINVAL');
  });
});
