/**
 * A failed allocation keeps nothing (issue 22): vmalloc, execmem_alloc (classic and ROX cache) and a secretmem
 * fault that run out of memory, or out of a page for the direct-map split they need, give back every page they
 * took, as __vmalloc_node_range_noprof() and execmem_alloc() do on their error paths.
 */
import { describe, expect, it } from 'vitest';
import { KernelError } from '../common/errors';
import { createMm, type MmEngine, type Page } from './index';

/** A machine with all memory allocated but `left` order-0 pages. */
function nearlyFull(left: number, opts: Parameters<typeof createMm>[0] = {}): { mm: MmEngine; held: Page[] } {
  const mm = createMm({ memory: '64M', seed: 1, ...opts });
  const held: Page[] = [];
  for (let p = mm.alloc_pages('GFP_KERNEL', 0); p; p = mm.alloc_pages('GFP_KERNEL', 0)) held.push(p);
  for (let i = 0; i < left; i++) mm.__free_pages(held.pop()!);
  return { mm, held };
}

/**
 * What a failed allocation must give back. Pages that became direct-map page tables (a split stays split, as in
 * Linux) or went into the 2023 unmapped cache by a refill (the cache keeps them) are still counted as not taken.
 */
const state = (mm: MmEngine): unknown => ({
  free: mm.nrFreePages() + mm.pcpCount() + mm.dm.tablePages.size + (mm.cache?.freePages ?? 0),
  vmalloc: mm.vmallocPages,
  secret: mm.secretPages,
  regions: mm.regions.size,
});

describe.each(['migratetype', 'cache', 'freetype'] as const)(
  'policy %s: a failed allocation keeps nothing',
  (policy) => {
    for (const left of [0, 1, 2, 3, 8]) {
      it(`vmalloc, execmem_alloc and a secretmem fault with ${left} pages left`, () => {
        const { mm } = nearlyFull(left, { mm: { policy } });
        for (const step of [() => mm.vmalloc('64K'), () => mm.execmem_alloc('64K'), () => mm.memfd_secret().fault(0)]) {
          const before = state(mm);
          let failed = false;
          try {
            failed = step() === null;
          } catch (e) {
            expect(e).toBeInstanceOf(KernelError);
            failed = true;
          }
          if (failed) expect(state(mm)).toEqual(before);
          expect(mm.checkInvariants()).toEqual([]);
        }
      });
    }
  },
);

describe('a failed allocation keeps nothing', () => {
  it('vmalloc larger than the free memory: NULL, every page it took given back', () => {
    const { mm } = nearlyFull(3);
    const before = state(mm);
    expect(mm.vmalloc('16K')).toBeNull();
    expect(state(mm)).toEqual(before);
    expect(mm.checkInvariants()).toEqual([]);
  });

  it('execmem_alloc whose set_memory_rox() finds no page for the split: NULL, the area freed', () => {
    const { mm } = nearlyFull(2);
    const before = state(mm);
    expect(mm.execmem_alloc('8K')).toBeNull();
    expect(state(mm)).toEqual(before);
    expect(mm.checkInvariants()).toEqual([]);
    // With room for the split tables it succeeds: the refusal was the missing table page.
    const { mm: roomy } = nearlyFull(16);
    expect(roomy.execmem_alloc('8K')).not.toBeNull();
  });

  it('the ROX cache refill whose set_memory_rox() fails: NULL, the area and its pages freed', () => {
    const { mm } = nearlyFull(2, { execmem: { rox_cache: true } } as never);
    const before = state(mm);
    expect(mm.execmem_alloc('8K')).toBeNull();
    expect(state(mm)).toEqual(before);
    expect(mm.execmemCache!.areas).toEqual([]);
    expect(mm.checkInvariants()).toEqual([]);
  });

  it('a secretmem fault with no page for the direct-map split: ENOMEM, the page given back', () => {
    const { mm } = nearlyFull(1);
    const file = mm.memfd_secret();
    const before = state(mm);
    let err: unknown;
    try {
      file.fault(0);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(KernelError);
    expect((err as KernelError).errno).toBe('ENOMEM');
    expect(state(mm)).toEqual(before);
    expect(file.nr_pages).toBe(0);
    expect(mm.checkInvariants()).toEqual([]);
  });

  it('a secretmem fault with no page at all: ENOMEM, nothing kept', () => {
    const { mm } = nearlyFull(0);
    const file = mm.memfd_secret();
    const before = state(mm);
    expect(() => file.fault(0)).toThrow(/out of memory/);
    expect(state(mm)).toEqual(before);
    expect(mm.checkInvariants()).toEqual([]);
  });
});
