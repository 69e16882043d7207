/**
 * The memory engine's shared types (include/linux/mm_types.h's struct page, include/linux/vmalloc.h's struct
 * vm_struct, as scripts see them). They sit below every other file of the engine, so mm.ts and the files it
 * calls into can all name them without importing one another.
 */

/** struct page * for scripts: the head pfn and the order it was allocated with. */
export interface Page {
  /** Page frame number of the first page. */
  pfn: number;
  /** The block holds 2^order pages. */
  order: number;
}

/** A vmalloc / execmem area (struct vm_struct): its address, backing pfns and flags. */
export interface VmRegion {
  /** 'vmalloc' (vmalloc range) or 'execmem' (module range). */
  kind: 'vmalloc' | 'execmem';
  /** Start address, hex (VMALLOC_START / MODULES_VADDR based). */
  addr: string;
  /** Requested size in bytes. */
  size: number;
  /** Number of 4 KiB pages mapped. */
  nr_pages: number;
  /** Backing pfns, one per page. */
  pages: number[];
  /** VM_* flags (and EXECMEM_ROX_CACHE for pieces of the ROX cache). */
  flags: string[];
  /** The area's own PTE prot per page. */
  prot: Uint8Array;
  /** Set once vfree() / execmem_free() ran. */
  freed: boolean;
}

export type PageRef = Page | number;

/** Whether a set_memory_*() target is a vmalloc / execmem area rather than a page. */
export function isRegion(x: unknown): x is VmRegion {
  return typeof x === 'object' && x !== null && 'pages' in x && 'addr' in x && 'nr_pages' in x;
}
