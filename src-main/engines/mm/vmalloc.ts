import { KernelError } from '../common/errors';
import { parseSize } from '../common/size';
import { isRegion } from './mm_types';
import type { VmRegion } from './mm_types';
import { PAGE_SIZE } from './mmzone';
import type { PageAllocator } from './page_alloc';
import { PAGE_KERNEL, _PAGE_PRESENT, _PAGE_RW, tryCpa } from './set_memory';
import type { DirectMap } from './set_memory';

/* vmalloc areas: order-0 pages mapped in the vmalloc range (VMALLOC_START) or the module range (MODULES_VADDR). */

/** What vmalloc needs of the machine (Mm implements it): the page allocator, the direct map, the areas. */
export interface VmallocMm extends PageAllocator {
  readonly dm: DirectMap;
  /** Next free addresses of the vmalloc and module ranges. */
  readonly va: { nextVmalloc: bigint; nextModule: bigint };
  readonly regions: Set<VmRegion>;
  /** Pages handed out by vmalloc() / execmem_alloc() (VmallocUsed). */
  vmallocPages: number;
}

/** The page-array half of __vmalloc_node_range(): order-0 pages one by one, then the area; NULL on failure. */
export function allocArea(
  mm: VmallocMm,
  kind: 'vmalloc' | 'execmem',
  size: number,
  gfp: string,
  flags: string[],
): VmRegion | null {
  const nr = Math.ceil(size / PAGE_SIZE);
  // __vmalloc_node_range_noprof(): WARN_ON_ONCE(!size) and a size past totalram_pages() give NULL.
  if (nr === 0 || nr > mm.managed_pages) return null;
  const pages: number[] = [];
  for (let i = 0; i < nr; i++) {
    const p = mm.alloc_pages(gfp, 0);
    if (!p) {
      for (const q of pages) mm.__free_pages(q, 0);
      return null;
    }
    pages.push(p.pfn);
  }
  return registerArea(mm, kind, pages, size, flags, false);
}

/** Reserves the virtual range of an area for its pages (a guard page after it; PMD-aligned when huge). */
export function registerArea(
  mm: VmallocMm,
  kind: 'vmalloc' | 'execmem',
  pages: number[],
  size: number,
  flags: string[],
  huge: boolean,
): VmRegion {
  const nr = pages.length;
  const align = huge ? 1n << 21n : 1n;
  let base = kind === 'execmem' ? mm.va.nextModule : mm.va.nextVmalloc;
  base = (base + align - 1n) & ~(align - 1n);
  const next = base + BigInt((nr + 1) * PAGE_SIZE); // one guard page (no VM_NO_GUARD)
  if (kind === 'execmem') mm.va.nextModule = next;
  else mm.va.nextVmalloc = next;
  const r: VmRegion = {
    kind,
    addr: '0x' + base.toString(16),
    size,
    nr_pages: nr,
    pages,
    flags,
    prot: new Uint8Array(nr).fill(PAGE_KERNEL),
    freed: false,
  };
  mm.regions.add(r);
  mm.vmallocPages += nr;
  return r;
}

/** Drops an area's registration (its pages are the caller's to free). */
export function unregisterArea(mm: VmallocMm, r: VmRegion): void {
  r.freed = true;
  mm.regions.delete(r);
  mm.vmallocPages -= r.nr_pages;
}

/** vmalloc(size, { flags: ['VM_FLUSH_RESET_PERMS'] }): order-0 GFP_KERNEL pages mapped in the vmalloc range. */
export function vmalloc(
  mm: VmallocMm,
  size: number | string,
  opts: { flags?: string[]; gfp?: string } = {},
): VmRegion | null {
  const bytes = parseSize(size, 'vmalloc size');
  const flags = opts.flags ?? [];
  for (const f of flags)
    if (f !== 'VM_FLUSH_RESET_PERMS') throw new KernelError('EINVAL', `vmalloc: unknown flag '${f}'`);
  const r = allocArea(mm, 'vmalloc', bytes, opts.gfp ?? 'GFP_KERNEL', [...flags]);
  if (mm.debug) mm.assertInvariants('vmalloc');
  return r;
}

/**
 * vfree(): with VM_FLUSH_RESET_PERMS, vm_reset_perms() first — invalidate every page's direct-map entry, one
 * flush (_vm_unmap_aliases), then set each back to default; the direct map stays split. Then free the pages.
 */
export function vfree(mm: VmallocMm, r: VmRegion): void {
  if (!isRegion(r) || !mm.regions.has(r))
    throw new KernelError('EINVAL', 'vfree: not a live vmalloc area (double free?)');
  if (r.flags.includes('VM_ALLOW_HUGE_VMAP'))
    throw new KernelError('EINVAL', 'vfree: execmem cache areas are released by the cache');
  if (r.flags.includes('VM_FLUSH_RESET_PERMS')) {
    for (const pfn of r.pages) tryCpa(mm.dm, pfn, 1, { set: 0, clr: _PAGE_PRESENT | _PAGE_RW });
    mm.dm.counters.flush_tlb_kernel_range++;
    for (const pfn of r.pages) tryCpa(mm.dm, pfn, 1, { set: _PAGE_PRESENT | _PAGE_RW, clr: 0 });
    mm.dm.takeChanged();
  }
  for (const pfn of r.pages) mm.__free_pages(pfn, 0);
  unregisterArea(mm, r);
  if (mm.debug) mm.assertInvariants('vfree');
}
