import { KernelError } from '../common/errors';
import type { Page } from './mm_types';
import type { PageAllocator } from './page_alloc';
import { _PAGE_PRESENT, _PAGE_RW, tryCpa } from './set_memory';
import type { DirectMap } from './set_memory';

/* mm/secretmem.c: memfd_secret(2) pages leave the direct map while they exist. */

/** What secretmem needs of the machine (Mm implements it). */
export interface SecretmemMm extends PageAllocator {
  readonly dm: DirectMap;
  /** Pages held by secretmem files. */
  secretPages: number;
  readonly secretFiles: Set<SecretFile>;
}

/** secretmem_fault(): one order-0 page, removed from the direct map. */
export function secretmem_fault(mm: SecretmemMm): number {
  if (mm.policy === 'baseline') {
    const p = mm.alloc_pages('GFP_HIGHUSER|__GFP_ZERO', 0);
    if (!p) throw new KernelError('ENOMEM', 'secretmem_fault: out of memory (VM_FAULT_OOM)');
    try {
      mm.dm.change(p.pfn, 1, { set: 0, clr: _PAGE_PRESENT | _PAGE_RW });
    } catch (e) {
      mm.dm.takeChanged();
      mm.__free_pages(p);
      throw e;
    }
    mm.dm.takeChanged();
    mm.dm.counters.flush_tlb_kernel_range++;
    mm.secretPages++;
    return p.pfn;
  }
  const p = mm.alloc_pages('GFP_HIGHUSER|__GFP_ZERO|__GFP_UNMAPPED', 0);
  if (!p) throw new KernelError('ENOMEM', 'secretmem_fault: out of memory (VM_FAULT_OOM)');
  mm.secretPages++;
  return p.pfn;
}

/** secretmem_free_folio(): mainline maps the page back (set_direct_map_default_noflush) and zeroes it. */
export function secretmem_free_folio(mm: SecretmemMm, pfn: number): void {
  if (mm.policy === 'baseline') {
    tryCpa(mm.dm, pfn, 1, { set: _PAGE_PRESENT | _PAGE_RW, clr: 0 });
    mm.dm.takeChanged();
  }
  mm.__free_pages(pfn, 0);
  mm.secretPages--;
}

/** An open memfd_secret file: pages appear on fault and leave with close(). */
export class SecretFile {
  readonly pages = new Map<number, number>();
  closed = false;

  constructor(private readonly mm: SecretmemMm) {}

  /** A page fault at page index `index` of the mapping: allocates and unmaps the page once. */
  fault(index: number): Page {
    if (this.closed) throw new KernelError('EBADF', 'memfd_secret: file is closed');
    if (!Number.isInteger(index) || index < 0) throw new KernelError('EINVAL', `memfd_secret: bad page index ${index}`);
    let pfn = this.pages.get(index);
    if (pfn === undefined) {
      pfn = secretmem_fault(this.mm);
      this.pages.set(index, pfn);
    }
    if (this.mm.debug) this.mm.assertInvariants('secretmem fault');
    return { pfn, order: 0 };
  }

  /** Pages currently faulted in. */
  get nr_pages(): number {
    return this.pages.size;
  }

  /** The last close: every page is freed (and, in mainline, mapped back). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const [index, pfn] of [...this.pages]) {
      this.pages.delete(index);
      secretmem_free_folio(this.mm, pfn);
    }
    this.mm.secretFiles.delete(this);
    if (this.mm.debug) this.mm.assertInvariants('secretmem close');
  }
}
