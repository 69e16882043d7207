/**
 * Batch forms of hot calls, built in the binding layer from the engines' own methods, so that a script doing a
 * million operations crosses into the host a few times rather than a million (each crossing costs microseconds).
 */
import { KernelError } from '../engines/common/errors';
import type { MmEngine } from '../engines/mm/index';

const MAX_BATCH = 1 << 24;

function count(nr: unknown, what: string): number {
  if (typeof nr !== 'number' || !Number.isInteger(nr) || nr < 0 || nr > MAX_BATCH) {
    throw new KernelError(
      'EINVAL',
      `${what}: nr_pages must be a whole number from 0 to ${MAX_BATCH}, not ${String(nr)}`,
    );
  }
  return nr;
}

/** The typings of the batch methods (the typings generator reads this interface for them). */
export interface MmBatch {
  /**
   * alloc_pages_bulk(gfp, nr_pages, order): nr_pages calls of alloc_pages(gfp, order) in one crossing (lab-only;
   * the kernel's alloc_pages_bulk is order 0 only). Returns the pfns allocated, stopping at the first failure.
   */
  alloc_pages_bulk(gfp: string, nr_pages: number, order?: number): Float64Array;
  /** __free_pages_bulk(pfns, order): __free_pages() of every pfn (lab-only), in one crossing. */
  __free_pages_bulk(pfns: Float64Array | Uint32Array | number[], order?: number): void;
}

export const MM_BATCH = {
  alloc_pages_bulk(mm: MmEngine, gfp: unknown, nr_pages: unknown, order: unknown = 0): Float64Array {
    const n = count(nr_pages, 'alloc_pages_bulk');
    const out = new Float64Array(n);
    let got = 0;
    for (; got < n; got++) {
      const page = mm.alloc_pages(gfp as string, order as number);
      if (!page) break;
      out[got] = page.pfn;
    }
    return got === n ? out : out.slice(0, got);
  },
  __free_pages_bulk(mm: MmEngine, pfns: unknown, order: unknown = 0): void {
    if (!(ArrayBuffer.isView(pfns) || Array.isArray(pfns)))
      throw new KernelError('EINVAL', '__free_pages_bulk: pfns must be an array of pfns');
    const list = pfns as ArrayLike<number>;
    count(list.length, '__free_pages_bulk');
    // All or nothing: every pfn is checked (and none twice) before the first is freed.
    const seen = new Set<number>();
    for (let i = 0; i < list.length; i++) {
      const pfn = Number(list[i]);
      if (seen.has(pfn) || !mm.freeable(pfn, order as number)) {
        throw new KernelError(
          'EINVAL',
          `__free_pages_bulk: pfns[${i}] = ${String(list[i])} is not the head of an allocated order-${String(order)} block${seen.has(pfn) ? ' (listed twice)' : ''}; nothing was freed`,
        );
      }
      seen.add(pfn);
    }
    for (let i = 0; i < list.length; i++) mm.__free_pages(Number(list[i]), order as number);
  },
};
