import type { Mm } from './mm';
import { NR_PAGE_ORDERS, pageblock_nr_pages, pageblock_order } from './mmzone';
import {
  ST_ALLOC,
  ST_ALLOC_MOVABLE,
  ST_CACHE_ALLOC,
  ST_CACHE_FREE,
  ST_FREE,
  ST_PCP,
  ST_PGTABLE,
  ST_RESERVED,
} from './page_alloc';

/*
 * Per-frame state for the memory map's frame view (the panel's zoom down to 4 KiB frames), run-length encoded.
 * One code per frame, packed in 11 bits:
 *   bits 0-3  order of the block the frame belongs to (buddy order when free, allocation order when allocated)
 *   bits 4-7  kind (FRAME_KIND below)
 *   bit  8    not present in the direct map (unmapped)
 *   bits 9-10 direct-map leaf covering the frame: 1 = 4K PTE, 2 = 2M, 3 = 1G (as the pageblock `level` array)
 */

/** What a frame is, as far as the model knows (frames inside a block share their head's kind and order). */
export const FRAME_KIND = {
  /** No state: not a block head and inside no block (only a broken machine has these). */
  NONE: 0,
  /** Free in the zone buddy (PageBuddy). */
  FREE: 1,
  /** Free on a per-cpu list. */
  PCP: 2,
  /** Free in the 2023 unmapped cache. */
  CACHE_FREE: 3,
  /** Allocated, not movable (GFP without __GFP_MOVABLE). */
  ALLOC: 4,
  /** Allocated movable. */
  ALLOC_MOVABLE: 5,
  /** Allocated from the 2023 unmapped cache. */
  CACHE_ALLOC: 6,
  /** A direct-map page table (split_large_page()). */
  PGTABLE: 7,
  /** A memfd_secret page. */
  SECRETMEM: 8,
  /** The memmap (struct pages), reserved at boot: PageReserved, never in the buddy. */
  RESERVED: 9,
} as const;

export const FRAME_ORDER_MASK = 0xf;
export const FRAME_KIND_SHIFT = 4;
export const FRAME_UNMAPPED = 1 << 8;
export const FRAME_LEVEL_SHIFT = 9;

/** Default cap on the runs of one machine state (each run two numbers on the wire). */
export const MAX_FRAME_RUNS = 1 << 18;

export function frameCode(kind: number, order: number, unmapped: boolean, level: number): number {
  return order | (kind << FRAME_KIND_SHIFT) | (unmapped ? FRAME_UNMAPPED : 0) | (level << FRAME_LEVEL_SHIFT);
}

/** The frames of some pageblocks, run-length encoded (the contract's MachineState.mm.frames). */
export interface FrameRuns {
  /** [first pageblock, pageblock count] pairs, ascending and disjoint: the pageblocks whose frames `runs` holds. */
  ranges: number[];
  /** [code, frame count] pairs covering the frames of `ranges` in pfn order; no run crosses a pageblock boundary. */
  runs: number[];
  /** Runs the whole machine needs; more than `cap` means only some pageblocks were sent. */
  total_runs: number;
  /** The cap on runs this encoding was made with. */
  cap: number;
}

/** kind << 4 | order of a head frame's state (page_alloc.ts ST_*), or -1 for state 0 (a tail, or nothing). */
function kindOrder(s: number): number {
  if (s >= ST_FREE && s < ST_ALLOC) return (FRAME_KIND.FREE << 4) | (s - ST_FREE);
  if (s >= ST_ALLOC && s < ST_ALLOC_MOVABLE) return (FRAME_KIND.ALLOC << 4) | (s - ST_ALLOC);
  if (s >= ST_ALLOC_MOVABLE && s < ST_CACHE_FREE) return (FRAME_KIND.ALLOC_MOVABLE << 4) | (s - ST_ALLOC_MOVABLE);
  if (s >= ST_CACHE_FREE && s < ST_CACHE_ALLOC) return (FRAME_KIND.CACHE_FREE << 4) | (s - ST_CACHE_FREE);
  if (s >= ST_CACHE_ALLOC && s < ST_CACHE_ALLOC + NR_PAGE_ORDERS)
    return (FRAME_KIND.CACHE_ALLOC << 4) | (s - ST_CACHE_ALLOC);
  if (s >= ST_PCP && s < ST_PGTABLE) return (FRAME_KIND.PCP << 4) | (s - ST_PCP);
  if (s === ST_PGTABLE) return FRAME_KIND.PGTABLE << 4;
  if (s === ST_RESERVED) return FRAME_KIND.RESERVED << 4; // a profile's hole or boot reservation
  return -1;
}

/** The pfns of memfd_secret pages (the model keeps them in the files, not in the frame state). */
export function secretPfns(mm: Mm): Set<number> {
  const out = new Set<number>();
  for (const f of mm.secretFiles) for (const pfn of f.pages.values()) out.add(pfn);
  return out;
}

/**
 * Calls emit(code, n) for the frames of pageblock b in pfn order, consecutive frames of one code merged; returns
 * the number of runs.
 * O(block heads) where the direct map has a leaf over the block, O(frames) under a 4K page table.
 */
export function blockFrameRuns(
  mm: Mm,
  b: number,
  secret: ReadonlySet<number>,
  emit: (code: number, n: number) => void,
): number {
  const z = mm.zone;
  const f = z.frames;
  const start = b << pageblock_order;
  const end = Math.min(start + pageblock_nr_pages, z.spanned);
  const level = mm.dm.pmdLevel(b);
  const lvl = level << FRAME_LEVEL_SHIFT;
  const leafUnmapped = level > 1 && mm.dm.notPresentIn(b) > 0 ? FRAME_UNMAPPED : 0;
  let code = -1;
  let n = 0;
  let count = 0;
  for (let pfn = start; pfn < end;) {
    let head = pfn;
    let ko = pfn >= z.nframes ? FRAME_KIND.RESERVED << 4 : kindOrder(f[pfn]! >>> 26);
    if (ko < 0 && pfn === start) {
      // A block start inside a free or allocated order-10 block: its head is the order-10-aligned frame below.
      head = pfn & ~((1 << (NR_PAGE_ORDERS - 1)) - 1);
      const k = kindOrder(f[head]! >>> 26);
      if (k >= 0 && head + (1 << (k & FRAME_ORDER_MASK)) > pfn) ko = k;
      else head = pfn;
    }
    if (ko < 0) ko = FRAME_KIND.NONE << 4;
    else if (ko === FRAME_KIND.ALLOC << 4 && secret.has(head)) ko = FRAME_KIND.SECRETMEM << 4;
    const stop = pfn >= z.nframes ? end : Math.min(end, z.nframes, head + (1 << (ko & FRAME_ORDER_MASK)));
    if (level > 1) {
      const c = ko | leafUnmapped | lvl;
      if (c === code) n += stop - pfn;
      else {
        if (n) {
          emit(code, n);
          count++;
        }
        code = c;
        n = stop - pfn;
      }
    } else {
      for (let p = pfn; p < stop; p++) {
        const c = ko | (mm.dm.presentOf(p) ? 0 : FRAME_UNMAPPED) | lvl;
        if (c === code) n++;
        else {
          if (n) {
            emit(code, n);
            count++;
          }
          code = c;
          n = 1;
        }
      }
    }
    pfn = stop;
  }
  if (n) {
    emit(code, n);
    count++;
  }
  return count;
}

const noop = (): void => {};

/**
 * The frames of the machine, run-length encoded, within `cap` runs. When the whole machine needs more, the
 * pageblocks with a split direct map or unmapped pages are sent first, then the others in pfn order, until the
 * cap; the rest are left out (the panel says so).
 */
export function frameRuns(mm: Mm, cap = MAX_FRAME_RUNS): FrameRuns {
  const nb = mm.zone.nblocks;
  const secret = secretPfns(mm);
  const counts = new Uint32Array(nb);
  let total = 0;
  for (let b = 0; b < nb; b++) {
    const c = blockFrameRuns(mm, b, secret, noop);
    counts[b] = c;
    total += c;
  }
  const take = new Uint8Array(nb);
  if (total <= cap) take.fill(1);
  else {
    let budget = cap;
    const interesting = (b: number): boolean => mm.dm.pmdLevel(b) === 1 || mm.dm.notPresentIn(b) > 0;
    for (const first of [true, false]) {
      for (let b = 0; b < nb && budget > 0; b++) {
        if (take[b] || interesting(b) !== first || counts[b]! > budget) continue;
        take[b] = 1;
        budget -= counts[b]!;
      }
    }
  }
  const ranges: number[] = [];
  const runs: number[] = [];
  for (let b = 0; b < nb; b++) {
    if (!take[b]) continue;
    const last = ranges.length - 2;
    if (last >= 0 && ranges[last]! + ranges[last + 1]! === b) ranges[last + 1]!++;
    else ranges.push(b, 1);
    blockFrameRuns(mm, b, secret, (code, n) => runs.push(code, n));
  }
  return { ranges, runs, total_runs: total, cap };
}
