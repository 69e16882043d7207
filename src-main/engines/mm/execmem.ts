import { KernelError } from '../common/errors';
import { parseSize } from '../common/size';
import { PAGE_SIZE, pageblock_nr_pages, pageblock_order } from './mmzone';
import type { Page, PageRef, VmRegion } from './mm_types';
import { PAGE_KERNEL, _PAGE_PRESENT, _PAGE_RW, tryCpa } from './set_memory';
import { allocArea, registerArea, unregisterArea, vfree } from './vmalloc';
import type { VmallocMm } from './vmalloc';

/** What execmem needs of the machine (Mm implements it): vmalloc's, the set_memory_*() calls and the ROX cache. */
export interface ExecmemMm extends VmallocMm {
  readonly execmemCache: ExecmemRoxCache | null;
  set_memory_rox(target: PageRef | VmRegion, numpages?: number): void;
  set_memory_rw(target: PageRef | VmRegion, numpages?: number): void;
  set_memory_nx(target: PageRef | VmRegion, numpages?: number): void;
  flush_tlb_kernel_range(): void;
}

interface CacheArea {
  area: VmRegion;
  blocks: Page[];
  /** Free page ranges [start, end) inside the area, sorted, merged. */
  free: [number, number][];
  busy: number;
}

/**
 * The execmem ROX cache (mm/execmem.c with EXECMEM_ROX_CACHE): areas of round_up(size, PMD_SIZE) allocated with
 * VM_ALLOW_HUGE_VMAP (order-9 pages), made ROX once with set_memory_rox(); allocations are first fit inside the
 * free ranges; a free makes the piece NX+RW, refills traps, makes it ROX again and merges it back; the clean work
 * releases areas that are wholly free (re-validating the direct map, then vfree). Areas start PMD-aligned.
 */
export class ExecmemRoxCache {
  readonly areas: CacheArea[] = [];
  private readonly pieces = new Map<VmRegion, { ca: CacheArea; start: number }>();
  readonly stats = { refills: 0, released: 0 };

  constructor(private readonly mm: ExecmemMm) {}

  has(r: VmRegion): boolean {
    return this.pieces.has(r);
  }

  /** execmem_cache_alloc(): first fit, refilling on a miss. */
  alloc(size: number): VmRegion | null {
    const n = Math.ceil(size / PAGE_SIZE);
    if (n === 0 || n > this.mm.managed_pages) return null; // as __vmalloc_node_range_noprof(): NULL
    let hit = this.firstFit(n);
    if (!hit) {
      if (!this.refill(n)) return null;
      hit = this.firstFit(n);
      if (!hit) return null;
    }
    const { ca, i } = hit;
    const [start, end] = ca.free[i]!;
    if (end - start === n) ca.free.splice(i, 1);
    else ca.free[i] = [start + n, end];
    ca.busy += n;
    const base = BigInt(ca.area.addr) + BigInt(start * PAGE_SIZE);
    const piece: VmRegion = {
      kind: 'execmem',
      addr: '0x' + base.toString(16),
      size,
      nr_pages: n,
      pages: ca.area.pages.slice(start, start + n),
      flags: ['EXECMEM_ROX_CACHE'],
      prot: ca.area.prot.subarray(start, start + n),
      freed: false,
    };
    this.pieces.set(piece, { ca, start });
    return piece;
  }

  private firstFit(n: number): { ca: CacheArea; i: number } | null {
    for (const ca of this.areas) {
      for (let i = 0; i < ca.free.length; i++) if (ca.free[i]![1] - ca.free[i]![0] >= n) return { ca, i };
    }
    return null;
  }

  /** execmem_cache_populate(): a huge vmalloc of round_up(size, PMD_SIZE), traps, set_memory_rox() on all of it. */
  private refill(n: number): boolean {
    const mm = this.mm;
    const rounded = Math.ceil(n / pageblock_nr_pages) * pageblock_nr_pages;
    let blocks: Page[] = [];
    for (let i = 0; i < rounded / pageblock_nr_pages; i++) {
      const p = mm.alloc_pages('GFP_KERNEL', pageblock_order);
      if (!p) {
        for (const b of blocks) mm.__free_pages(b);
        blocks = [];
        break;
      }
      blocks.push(p);
    }
    let count = rounded;
    if (!blocks.length) {
      // vmalloc falls back to order-0 pages; execmem then to the exact size.
      for (const want of [rounded, n]) {
        for (let i = 0; i < want; i++) {
          const p = mm.alloc_pages('GFP_KERNEL', 0);
          if (!p) break;
          blocks.push(p);
        }
        if (blocks.length === want) {
          count = want;
          break;
        }
        for (const b of blocks) mm.__free_pages(b);
        blocks = [];
      }
      if (!blocks.length) return false;
    }
    const pages: number[] = [];
    for (const b of blocks) for (let i = 0; i < 1 << b.order; i++) pages.push(b.pfn + i);
    const area = registerArea(mm, 'execmem', pages, count * PAGE_SIZE, ['VM_ALLOW_HUGE_VMAP'], true);
    try {
      mm.set_memory_rox(area, count);
    } catch (e) {
      // execmem_cache_populate(): set_memory_rox() failed, so the area is vfree()d and the allocation fails.
      if (!(e instanceof KernelError && e.errno === 'ENOMEM')) throw e;
      for (const b of blocks) tryCpa(mm.dm, b.pfn, 1 << b.order, { set: _PAGE_PRESENT | _PAGE_RW, clr: 0 });
      mm.dm.takeChanged();
      unregisterArea(mm, area);
      for (const b of blocks) mm.__free_pages(b);
      return false;
    }
    this.areas.push({ area, blocks, free: [[0, count]], busy: 0 });
    this.stats.refills++;
    return true;
  }

  /** execmem_cache_free(): NX + RW, traps, ROX again, merge, then the clean work. */
  free(piece: VmRegion): void {
    const rec = this.pieces.get(piece);
    if (!rec) throw new KernelError('EINVAL', 'execmem_free: not a live execmem allocation');
    const mm = this.mm;
    mm.set_memory_nx(piece, piece.nr_pages);
    mm.set_memory_rw(piece, piece.nr_pages);
    mm.set_memory_rox(piece, piece.nr_pages);
    this.pieces.delete(piece);
    piece.freed = true;
    const { ca, start } = rec;
    ca.busy -= piece.nr_pages;
    ca.free.push([start, start + piece.nr_pages]);
    ca.free.sort((a, b) => a[0] - b[0]);
    const merged: [number, number][] = [];
    for (const r of ca.free) {
      const last = merged[merged.length - 1];
      if (last && last[1] === r[0]) last[1] = r[1];
      else merged.push([r[0], r[1]]);
    }
    ca.free = merged;
    this.clean();
  }

  /** execmem_cache_clean(): release every area whose free range is all of it (PMD-aligned, PMD multiple). */
  clean(): void {
    const mm = this.mm;
    for (let i = this.areas.length - 1; i >= 0; i--) {
      const ca = this.areas[i]!;
      const n = ca.area.nr_pages;
      if (ca.busy !== 0 || n % pageblock_nr_pages !== 0) continue;
      // Re-validate the direct map (present, writable), then vfree() the area.
      for (const b of ca.blocks) mm.dm.change(b.pfn, 1 << b.order, { set: _PAGE_PRESENT | _PAGE_RW, clr: 0 });
      mm.dm.takeChanged();
      mm.flush_tlb_kernel_range();
      ca.area.prot.fill(PAGE_KERNEL);
      unregisterArea(mm, ca.area);
      for (const b of ca.blocks) mm.__free_pages(b);
      this.areas.splice(i, 1);
      this.stats.released++;
    }
  }
}

/**
 * execmem_alloc(size): module / BPF JIT text. Mainline: a VM_FLUSH_RESET_PERMS vmalloc in the module range, made
 * ROX by its user with set_memory_rox() (the direct-map alias turns RO and splits). Under the other policies the
 * pages come with GFP_KERNEL | __GFP_UNMAPPED as the patch sets made module_alloc do; the model then drops
 * VM_FLUSH_RESET_PERMS, since the pages are not in the direct map (UNVERIFIED detail of the RFCs).
 */
export function execmem_alloc(mm: ExecmemMm, size: number | string): VmRegion | null {
  const bytes = parseSize(size, 'execmem size');
  if (mm.execmemCache) {
    const piece = mm.execmemCache.alloc(bytes);
    if (mm.debug) mm.assertInvariants('execmem_alloc');
    return piece;
  }
  const baseline = mm.policy === 'baseline';
  const r = allocArea(
    mm,
    'execmem',
    bytes,
    baseline ? 'GFP_KERNEL' : 'GFP_KERNEL|__GFP_UNMAPPED',
    baseline ? ['VM_FLUSH_RESET_PERMS'] : [],
  );
  if (!r) return null;
  try {
    mm.set_memory_rox(r, r.nr_pages);
  } catch (e) {
    // No page-table page for a split: the text cannot be made ROX, so nothing is kept (the caller gets NULL).
    if (!(e instanceof KernelError && e.errno === 'ENOMEM')) throw e;
    vfree(mm, r);
    return null;
  }
  return r;
}

/** execmem_free(): vfree() of the text area. */
export function execmem_free(mm: ExecmemMm, r: VmRegion): void {
  if (mm.execmemCache?.has(r)) {
    mm.execmemCache.free(r);
    if (mm.debug) mm.assertInvariants('execmem_free');
    return;
  }
  vfree(mm, r);
}
