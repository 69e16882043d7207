/**
 * Zone watermarks and reserves as Linux 6.18 computes them:
 * - mm/page_alloc.c: calculate_min_free_kbytes(), __setup_per_zone_wmarks(), setup_per_zone_lowmem_reserve(),
 *   calculate_totalreserve_pages(), nr_free_zone_pages(), __zone_watermark_unusable_free(), __zone_watermark_ok(),
 *   zone_watermark_fast();
 * - mm/khugepaged.c: set_recommended_min_free_kbytes() (run when khugepaged starts, THP enabled);
 * - mm/vmstat.c: calculate_normal_threshold() (zoneinfo's "vm stats threshold").
 */
import {
  LOWMEM_RESERVE_RATIO,
  MAX_NR_ZONES,
  NR_PAGE_ORDERS,
  SWAP_CLUSTER_MAX,
  WMARK_HIGH,
  WMARK_LOW,
  WMARK_MIN,
  WMARK_PROMO,
  ZONE_MOVABLE,
  ZONE_NORMAL,
  pageblock_nr_pages,
} from './mmzone';
import type { Zone } from './page_alloc';

/** alloc_flags bits (mm/internal.h). ALLOC_WMARK_* select the watermark; the rest are reserve rights. */
export const ALLOC_WMARK_MIN = WMARK_MIN;
export const ALLOC_WMARK_LOW = WMARK_LOW;
export const ALLOC_WMARK_HIGH = WMARK_HIGH;
export const ALLOC_NO_WATERMARKS = 0x04;
export const ALLOC_WMARK_MASK = ALLOC_NO_WATERMARKS - 1;
export const ALLOC_OOM = 0x08;
export const ALLOC_NON_BLOCK = 0x10;
export const ALLOC_MIN_RESERVE = 0x20;
export const ALLOC_CPUSET = 0x40;
export const ALLOC_CMA = 0x80;
export const ALLOC_NOFRAGMENT = 0x100;
export const ALLOC_HIGHATOMIC = 0x200;
export const ALLOC_KSWAPD = 0x800;
export const ALLOC_RESERVES = ALLOC_NON_BLOCK | ALLOC_MIN_RESERVE | ALLOC_HIGHATOMIC | ALLOC_OOM;

/** int_sqrt(). */
function intSqrt(x: number): number {
  let r = Math.floor(Math.sqrt(x));
  while (r * r > x) r--;
  while ((r + 1) * (r + 1) <= x) r++;
  return r;
}

/** mult_frac(x, n, d) for non-negative integers. */
function multFrac(x: number, n: number, d: number): number {
  return Math.floor(x / d) * n + Math.floor(((x % d) * n) / d);
}

/**
 * nr_free_zone_pages(gfp_zone(GFP_USER)) = nr_free_buffer_pages(): Σ max(managed - high watermark, 0) over the zones
 * up to Normal.
 */
export function nr_free_buffer_pages(zones: readonly Zone[]): number {
  let sum = 0;
  for (const z of zones) if (z.idx <= ZONE_NORMAL) sum += Math.max(z.managed_pages - z._watermark[WMARK_HIGH]!, 0);
  return sum;
}

/** calculate_min_free_kbytes(): int_sqrt(lowmem_kbytes * 16), clamped to 128 kB … 256 MB. */
export function calculate_min_free_kbytes(zones: readonly Zone[]): number {
  const lowmemKbytes = nr_free_buffer_pages(zones) * 4;
  return Math.min(Math.max(intSqrt(lowmemKbytes * 16), 128), 262144);
}

/**
 * set_recommended_min_free_kbytes() (mm/khugepaged.c) with THP enabled: two free pageblocks per populated zone up
 * to Normal, plus MIGRATE_PCPTYPES² more, at most 5% of lowmem; taken when above min_free_kbytes.
 */
export function set_recommended_min_free_kbytes(zones: readonly Zone[], minFreeKbytes: number): number {
  let nrZones = 0;
  for (const z of zones) if (z.populated && z.idx <= ZONE_NORMAL) nrZones++;
  const MIGRATE_PCPTYPES = 3;
  let recommended = pageblock_nr_pages * nrZones * 2;
  recommended += pageblock_nr_pages * nrZones * MIGRATE_PCPTYPES * MIGRATE_PCPTYPES;
  recommended = Math.min(recommended, Math.floor(nr_free_buffer_pages(zones) / 20));
  recommended *= 4;
  return recommended > minFreeKbytes ? recommended : minFreeKbytes;
}

/** __setup_per_zone_wmarks(): min split by managed share of lowmem; low/high/promo steps of max(min/4, managed × wsf / 10000). */
export function __setup_per_zone_wmarks(
  zones: readonly Zone[],
  minFreeKbytes: number,
  watermarkScaleFactor: number,
): void {
  const pagesMin = minFreeKbytes >> 2;
  let lowmemPages = 0;
  for (const z of zones) if (z.idx !== ZONE_MOVABLE) lowmemPages += z.managed_pages;
  for (const z of zones) {
    let tmp = lowmemPages ? Math.floor((pagesMin * z.managed_pages) / lowmemPages) : 0;
    if (z.idx === ZONE_MOVABLE) {
      // highmem and movable zones: min capped to managed/1024 within SWAP_CLUSTER_MAX … 128
      z._watermark[WMARK_MIN] = Math.min(Math.max(Math.floor(z.managed_pages / 1024), SWAP_CLUSTER_MAX), 128);
    } else {
      z._watermark[WMARK_MIN] = tmp;
    }
    tmp = Math.max(tmp >> 2, multFrac(z.managed_pages, watermarkScaleFactor, 10000));
    z._watermark[WMARK_LOW] = z._watermark[WMARK_MIN]! + tmp;
    z._watermark[WMARK_HIGH] = z._watermark[WMARK_LOW]! + tmp;
    z._watermark[WMARK_PROMO] = z._watermark[WMARK_HIGH]! + tmp;
  }
}

/** setup_per_zone_lowmem_reserve(): lowmem_reserve[j] = managed pages of the zones above, up to j, / ratio. */
export function setup_per_zone_lowmem_reserve(
  zones: readonly Zone[],
  ratios: readonly number[] = LOWMEM_RESERVE_RATIO,
): void {
  for (let i = 0; i < MAX_NR_ZONES - 1; i++) {
    const z = zones[i]!;
    const ratio = ratios[i] ?? 0;
    const clear = !ratio || !z.managed_pages;
    let managed = 0;
    for (let j = i + 1; j < MAX_NR_ZONES; j++) {
      managed += zones[j]!.managed_pages;
      z.lowmem_reserve[j] = clear ? 0 : Math.floor(managed / ratio);
    }
  }
}

/** calculate_totalreserve_pages(): Σ min(max lowmem_reserve + high watermark, managed). */
export function calculate_totalreserve_pages(zones: readonly Zone[]): number {
  let total = 0;
  for (const z of zones) {
    let max = 0;
    for (let j = z.idx; j < MAX_NR_ZONES; j++) max = Math.max(max, z.lowmem_reserve[j]!);
    max += z._watermark[WMARK_HIGH]!;
    total += Math.min(max, z.managed_pages);
  }
  return total;
}

/** calculate_normal_threshold() (mm/vmstat.c): 2 × fls(cpus) × (1 + fls(managed / 128 MiB)), at most 125. */
export function calculate_normal_threshold(z: Zone, cpus: number): number {
  const fls = (x: number): number => (x === 0 ? 0 : 32 - Math.clz32(x));
  const mem = Math.floor(z.managed_pages / 32768);
  return Math.min(125, 2 * fls(cpus) * (1 + fls(mem)));
}

/** __zone_watermark_unusable_free(): the 2^order - 1 pages a request cannot use, and the highatomic reserve. */
function unusableFree(z: Zone, order: number, allocFlags: number): number {
  let unusable = (1 << order) - 1;
  if (!(allocFlags & ALLOC_RESERVES)) unusable += z.nr_free_highatomic;
  return unusable;
}

/**
 * __zone_watermark_ok(): free pages (less the unusable) must stay above mark (cut for ALLOC_MIN_RESERVE /
 * ALLOC_NON_BLOCK / ALLOC_OOM) plus lowmem_reserve[highest_zoneidx]; a high-order request also needs a free block of
 * at least its order on a per-cpu-type list (or a HighAtomic one with ALLOC_HIGHATOMIC / ALLOC_OOM).
 */
export function __zone_watermark_ok(
  z: Zone,
  order: number,
  mark: number,
  highestZoneidx: number,
  allocFlags: number,
  freePages: number,
): boolean {
  let min = mark;
  freePages -= unusableFree(z, order, allocFlags);
  if (allocFlags & ALLOC_RESERVES) {
    if (allocFlags & ALLOC_MIN_RESERVE) {
      min -= Math.floor(min / 2);
      if (allocFlags & ALLOC_NON_BLOCK) min -= Math.floor(min / 4);
    }
    if (allocFlags & ALLOC_OOM) min -= Math.floor(min / 2);
  }
  if (freePages <= min + z.lowmem_reserve[highestZoneidx]!) return false;
  if (!order) return true;
  const nl = z.nlists;
  for (let o = order; o < NR_PAGE_ORDERS; o++) {
    for (let mt = 0; mt < z.mt.PCPTYPES; mt++) if (z.nrFree[o * nl + mt]! > 0) return true;
    if (allocFlags & (ALLOC_HIGHATOMIC | ALLOC_OOM) && z.nrFree[o * nl + z.mt.HIGHATOMIC]! > 0) return true;
  }
  return false;
}

/** zone_watermark_fast(): the order-0 shortcut, then __zone_watermark_ok() (no watermark boost in the model). */
export function zone_watermark_fast(
  z: Zone,
  order: number,
  mark: number,
  highestZoneidx: number,
  allocFlags: number,
): boolean {
  const free = z.freePages;
  if (!order) {
    const reserved = unusableFree(z, 0, allocFlags);
    if (free - Math.min(free, reserved) > mark + z.lowmem_reserve[highestZoneidx]!) return true;
  }
  return __zone_watermark_ok(z, order, mark, highestZoneidx, allocFlags, free);
}

/** zone_watermark_ok(). */
export function zone_watermark_ok(
  z: Zone,
  order: number,
  mark: number,
  highestZoneidx: number,
  allocFlags: number,
): boolean {
  return __zone_watermark_ok(z, order, mark, highestZoneidx, allocFlags, z.freePages);
}

/** The zone fields the watermark arithmetic reads and writes. */
type WmarkZone = Pick<
  Zone,
  'idx' | 'managed_pages' | 'populated' | '_watermark' | 'lowmem_reserve' | 'nr_free_highatomic'
>;

/**
 * Watermarks and protection for zones of the given managed sizes (DMA, DMA32, Normal, Movable, Device), from a
 * min_free_kbytes, watermark_scale_factor and lowmem_reserve_ratio: what /proc/zoneinfo prints for them.
 */
export function zoneWatermarks(
  managed: readonly number[],
  minFreeKbytes: number,
  watermarkScaleFactor = 10,
  ratios: readonly number[] = LOWMEM_RESERVE_RATIO,
): { min: number; low: number; high: number; promo: number; protection: number[] }[] {
  const zones: WmarkZone[] = managed.map((m, idx) => ({
    idx,
    managed_pages: m,
    populated: m > 0,
    _watermark: [0, 0, 0, 0],
    lowmem_reserve: [0, 0, 0, 0, 0],
    nr_free_highatomic: 0,
  }));
  const zs = zones as unknown as Zone[];
  __setup_per_zone_wmarks(zs, minFreeKbytes, watermarkScaleFactor);
  setup_per_zone_lowmem_reserve(zs, ratios);
  return zones.map((z) => ({
    min: z._watermark[WMARK_MIN]!,
    low: z._watermark[WMARK_LOW]!,
    high: z._watermark[WMARK_HIGH]!,
    promo: z._watermark[WMARK_PROMO]!,
    protection: [...z.lowmem_reserve],
  }));
}

/** min_free_kbytes a boot computes for zones of these managed sizes: calculate_min_free_kbytes(), then THP's raise. */
export function bootMinFreeKbytes(managed: readonly number[], thp: boolean, watermarkScaleFactor = 10): number {
  const zones: WmarkZone[] = managed.map((m, idx) => ({
    idx,
    managed_pages: m,
    populated: m > 0,
    _watermark: [0, 0, 0, 0],
    lowmem_reserve: [0, 0, 0, 0, 0],
    nr_free_highatomic: 0,
  }));
  const zs = zones as unknown as Zone[];
  const mfk = calculate_min_free_kbytes(zs);
  if (!thp) return mfk;
  __setup_per_zone_wmarks(zs, mfk, watermarkScaleFactor);
  return set_recommended_min_free_kbytes(zs, mfk);
}
