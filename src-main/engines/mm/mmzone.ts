/** Page-allocator constants and migratetypes (include/linux/mmzone.h, pageblock-flags.h; x86-64 values). */

export const PAGE_SHIFT = 12;
export const PAGE_SIZE = 4096;
/** MAX_PAGE_ORDER (v6.8+): blocks of 2^0 … 2^10 pages. */
export const MAX_PAGE_ORDER = 10;
export const NR_PAGE_ORDERS = MAX_PAGE_ORDER + 1;
/** pageblock_order = HUGETLB_PAGE_ORDER = PMD_ORDER on x86-64. */
export const pageblock_order = 9;
export const pageblock_nr_pages = 1 << pageblock_order;
/** PUD_ORDER: pages per 1 GiB. */
export const PUD_ORDER = 18;
export const PAGE_ALLOC_COSTLY_ORDER = 3;
/** SECTION_SIZE_BITS 27: a memory section (SPARSEMEM) is 128 MiB. */
export const PAGES_PER_SECTION = 1 << (27 - PAGE_SHIFT);
/** sizeof(struct page) on x86-64. */
export const STRUCT_PAGE_SIZE = 64;

/**
 * Frames the memmap (the struct page array) takes: sparse_init() populates the vmemmap of every present section
 * whole, 64 bytes per frame of the section, 2 MiB per 128 MiB, from memblock (so 1/64 of a multiple of 128 MiB).
 */
export function memmapPages(nframes: number): number {
  return Math.ceil(nframes / PAGES_PER_SECTION) * ((PAGES_PER_SECTION * STRUCT_PAGE_SIZE) / PAGE_SIZE);
}

/** Largest frame count the packed frame array can index (26-bit links): 256 GiB less one page. */
export const MAX_FRAMES = (1 << 26) - 1;

export type Policy = 'baseline' | 'migratetype' | 'cache' | 'freetype';

/**
 * Migratetype tables per policy. Mainline (CONFIG_CMA off, CONFIG_MEMORY_ISOLATION on, as this machine's
 * /proc/pagetypeinfo shows): Unmovable, Movable, Reclaimable, HighAtomic, Isolate. The 2022 RFC inserts
 * MIGRATE_UNMAPPED after Reclaimable, before MIGRATE_PCPTYPES.
 */
export interface MigrateTypes {
  names: readonly string[];
  UNMOVABLE: number;
  MOVABLE: number;
  RECLAIMABLE: number;
  /** -1 unless policy 'migratetype'. */
  UNMAPPED: number;
  HIGHATOMIC: number;
  ISOLATE: number;
  PCPTYPES: number;
  /** fallbacks[mt]: the lists tried, in order, when mt's own lists are empty (mm/page_alloc.c fallbacks[]). */
  fallbacks: readonly (readonly number[])[];
}

export function migrateTypesFor(policy: Policy): MigrateTypes {
  if (policy === 'migratetype') {
    // [RFC22] fallbacks: 4-wide, UNMAPPED last for everyone, UNMAPPED -> UNMOVABLE, RECLAIMABLE, MOVABLE.
    return {
      names: ['Unmovable', 'Movable', 'Reclaimable', 'Unmapped', 'HighAtomic', 'Isolate'],
      UNMOVABLE: 0,
      MOVABLE: 1,
      RECLAIMABLE: 2,
      UNMAPPED: 3,
      HIGHATOMIC: 4,
      ISOLATE: 5,
      PCPTYPES: 4,
      fallbacks: [[2, 1, 3], [2, 0, 3], [0, 1, 3], [0, 2, 1], [], []],
    };
  }
  return {
    names: ['Unmovable', 'Movable', 'Reclaimable', 'HighAtomic', 'Isolate'],
    UNMOVABLE: 0,
    MOVABLE: 1,
    RECLAIMABLE: 2,
    UNMAPPED: -1,
    HIGHATOMIC: 3,
    ISOLATE: 4,
    PCPTYPES: 3,
    fallbacks: [[2, 1], [2, 0], [0, 1], [], []],
  };
}

/**
 * enum zone_type (include/linux/mmzone.h) on x86-64 with CONFIG_ZONE_DMA, CONFIG_ZONE_DMA32 and CONFIG_ZONE_DEVICE
 * (as this machine's /proc/zoneinfo lists them): DMA, DMA32, Normal, Movable, Device.
 */
export const ZONE_DMA = 0;
export const ZONE_DMA32 = 1;
export const ZONE_NORMAL = 2;
export const ZONE_MOVABLE = 3;
export const ZONE_DEVICE = 4;
export const MAX_NR_ZONES = 5;
/** zone_names[] (mm/page_alloc.c). */
export const ZONE_NAMES = ['DMA', 'DMA32', 'Normal', 'Movable', 'Device'] as const;
/** MAX_DMA_PFN (arch/x86/include/asm/dma.h): ZONE_DMA ends at 16 MiB. */
export const MAX_DMA_PFN = (16 * 1024 * 1024) >> PAGE_SHIFT;
/** MAX_DMA32_PFN: ZONE_DMA32 ends at 4 GiB (zone_sizes_init(): max_zone_pfns[ZONE_DMA32] = min(MAX_DMA32_PFN, max_low_pfn)). */
export const MAX_DMA32_PFN = 2 ** 32 / 2 ** PAGE_SHIFT;
/** sysctl_lowmem_reserve_ratio[] defaults for DMA, DMA32, Normal, Movable (mm/page_alloc.c); /proc/sys/vm/lowmem_reserve_ratio. */
export const LOWMEM_RESERVE_RATIO = [256, 256, 32, 0, 0] as const;
/** Watermark indexes (enum zone_watermarks). */
export const WMARK_MIN = 0;
export const WMARK_LOW = 1;
export const WMARK_HIGH = 2;
export const WMARK_PROMO = 3;
/** SWAP_CLUSTER_MAX: pages reclaim works on per batch (include/linux/swap.h). */
export const SWAP_CLUSTER_MAX = 32;
