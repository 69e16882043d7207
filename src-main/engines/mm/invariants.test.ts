import { describe, expect, it } from 'vitest';
import { KernelError } from '../common/errors';
import { Prng } from '../common/prng';
import { createMm } from './index';
import type { Page, Policy, SecretFile, VmRegion } from './index';

/**
 * Property test: random sequences of alloc / free / set_memory / set_direct_map / vmalloc / execmem / secretmem /
 * shrinker operations, with the invariant checker after every step (the engine's debug option).
 */
function runRandom(
  policy: Policy,
  seed: number,
  steps: number,
  memory: string,
  gbpages: boolean,
  collapse: boolean,
  roxCache = false,
): void {
  const mm = createMm({ memory, gbpages, policy, collapse, seed, debug: true, execmem: { rox_cache: roxCache } });
  const rng = new Prng(seed);
  const mapped: Page[] = []; // pages whose direct-map entry the test may change (restored before free)
  const unmapped: Page[] = [];
  const areas: VmRegion[] = [];
  const files: SecretFile[] = [];
  const gfps = ['GFP_KERNEL', 'GFP_HIGHUSER_MOVABLE', 'GFP_KERNEL|__GFP_RECLAIMABLE', 'GFP_USER|__GFP_ZERO'];
  const pick = <T>(a: T[]): number => rng.nextInt(a.length);
  const ops = (() => {
    const list = [
      'alloc',
      'alloc',
      'free',
      'free',
      'setmem',
      'invalid',
      'vmalloc',
      'vfree',
      'execmem',
      'secret',
      'close',
    ];
    if (policy !== 'baseline') list.push('ualloc', 'ualloc', 'ufree');
    if (policy === 'cache') list.push('shrink');
    return list;
  })();
  for (let step = 0; step < steps; step++) {
    const op = ops[rng.nextInt(ops.length)]!;
    try {
      switch (op) {
        case 'alloc': {
          const order = rng.nextFloat() < 0.7 ? 0 : rng.nextInt(11);
          const p = mm.alloc_pages(gfps[rng.nextInt(gfps.length)]!, order);
          if (p) mapped.push(p);
          break;
        }
        case 'ualloc': {
          const p = mm.alloc_pages('GFP_KERNEL|__GFP_UNMAPPED', rng.nextFloat() < 0.8 ? 0 : rng.nextInt(4));
          if (p) unmapped.push(p);
          break;
        }
        case 'free':
          if (mapped.length) {
            const p = mapped.splice(pick(mapped), 1)[0]!;
            for (let i = 0; i < 1 << p.order; i++)
              if (!mm.lookup_address(p.pfn + i).present) mm.set_direct_map_default_noflush(p.pfn + i);
            mm.__free_pages(p);
          }
          break;
        case 'ufree':
          if (unmapped.length) mm.__free_pages(unmapped.splice(pick(unmapped), 1)[0]!);
          break;
        case 'setmem':
          if (mapped.length) {
            const p = mapped[pick(mapped)]!;
            const n = 1 + rng.nextInt(1 << p.order);
            const fns = [
              'set_memory_ro',
              'set_memory_rw',
              'set_memory_x',
              'set_memory_nx',
              'set_memory_rox',
              'set_memory_4k',
              'set_memory_np',
              'set_memory_p',
            ] as const;
            mm[fns[rng.nextInt(fns.length)]!](p.pfn, n);
          }
          break;
        case 'invalid':
          if (mapped.length) {
            const p = mapped[pick(mapped)]!;
            if (rng.nextFloat() < 0.5) mm.set_direct_map_invalid_noflush(p.pfn);
            else mm.set_direct_map_default_noflush(p.pfn);
          }
          break;
        case 'vmalloc': {
          const r = mm.vmalloc(4096 * (1 + rng.nextInt(8)), {
            flags: rng.nextFloat() < 0.5 ? ['VM_FLUSH_RESET_PERMS'] : [],
          });
          if (r) {
            if (r.flags.length) mm.set_memory_ro(r, r.nr_pages);
            areas.push(r);
          }
          break;
        }
        case 'execmem': {
          const r = mm.execmem_alloc(4096 * (1 + rng.nextInt(6)));
          if (r) areas.push(r);
          break;
        }
        case 'vfree':
          if (areas.length) {
            const r = areas.splice(pick(areas), 1)[0]!;
            if (r.kind === 'vmalloc' && !r.flags.length) mm.set_memory_rw(r, r.nr_pages);
            if (r.kind === 'execmem') mm.execmem_free(r);
            else mm.vfree(r);
          }
          break;
        case 'secret': {
          if (!files.length || rng.nextFloat() < 0.2) files.push(mm.memfd_secret());
          files[pick(files)]!.fault(rng.nextInt(64));
          break;
        }
        case 'close':
          if (files.length) files.splice(pick(files), 1)[0]!.close();
          break;
        case 'shrink':
          mm.unmapped_alloc_shrink(1 + rng.nextInt(1024));
          break;
      }
    } catch (e) {
      if (!(e instanceof KernelError) || e.errno !== 'ENOMEM') throw e;
    }
  }
  // Tear everything down: all memory comes back except the page tables the splits took.
  for (const f of files) f.close();
  for (const r of areas) {
    if (r.kind === 'vmalloc' && !r.flags.length) mm.set_memory_rw(r, r.nr_pages);
    if (r.kind === 'execmem') mm.execmem_free(r);
    else mm.vfree(r);
  }
  for (const p of mapped) {
    for (let i = 0; i < 1 << p.order; i++)
      if (!mm.lookup_address(p.pfn + i).present) mm.set_direct_map_default_noflush(p.pfn + i);
    mm.__free_pages(p);
  }
  for (const p of unmapped) mm.__free_pages(p);
  // The prototype's scan_objects() subtracts the running total from nr_to_scan, so one call may stop short.
  for (let guard = 0; policy === 'cache' && mm.unmapped_alloc_count() > 0 && guard < 64; guard++)
    mm.unmapped_alloc_shrink(mm.unmapped_alloc_count());
  expect(mm.unmapped_alloc_count()).toBe(0);
  expect(mm.checkInvariants()).toEqual([]);
  const tables = mm.stats().page_table_pages;
  const freeUnmapped =
    policy === 'freetype' ? mm.pagetypeinfo().free.Unmapped!.reduce((s, c, o) => s + (c << o), 0) : 0;
  expect(mm.meminfo().MemFree! / 4 + mm.pcpCount()).toBe(mm.managed_pages - tables); // per-cpu pages are not in MemFree
  expect(freeUnmapped).toBeLessThanOrEqual(mm.nframes);
}

describe('random operation sequences keep every invariant', () => {
  for (const policy of ['baseline', 'migratetype', 'cache', 'freetype'] as Policy[]) {
    it(`${policy}: 64M, 2M direct map`, () => runRandom(policy, 11, 300, '64M', false, false));
    it(`${policy}: 1G + 6M with 1G pages and collapse`, () => runRandom(policy, 23, 100, '1030M', true, true));
  }

  it('baseline with the execmem ROX cache and collapse', () => runRandom('baseline', 5, 300, '64M', false, true, true));
  it('freetype with the execmem ROX cache, 1G pages', () => runRandom('freetype', 6, 100, '1030M', true, false, true));

  it('debug mode checks after every operation: freeing a page still out of the direct map is caught', () => {
    const mm = createMm({ memory: '8M', gbpages: false, debug: true });
    const p = mm.alloc_pages('GFP_KERNEL', 0)!;
    mm.set_direct_map_invalid_noflush(p);
    expect(() => mm.__free_pages(p)).toThrow(
      /invariants broken after __free_pages:\n {2}per-cpu free page \d+ is not present/,
    );
  });

  it('the checker notices a corrupted free list and a wrong DirectMap counter', () => {
    const mm = createMm({ memory: '8M', gbpages: false });
    mm.alloc_pages('GFP_KERNEL', 0);
    mm.zone.nrFree[3]! += 1;
    expect(mm.checkInvariants().join('\n')).toMatch(/nr_free/);
    const m2 = createMm({ memory: '8M', gbpages: false });
    m2.dm.count[2]! += 1;
    expect(m2.checkInvariants().join('\n')).toMatch(/direct_pages_count/);
    const m3 = createMm({ memory: '8M', gbpages: false });
    m3.set_memory_np(1500, 1); // a free page out of the direct map: mainline never leaves one like that
    expect(m3.checkInvariants().join('\n')).toMatch(/free pfn 1500 is unmapped/);
  });
});
