import { MAX_PAGE_ORDER, pageblock_order } from './mmzone';
import {
  LINK_MASK,
  NIL,
  PB_UNMAPPED,
  ST_ALLOC,
  ST_ALLOC_MOVABLE,
  ST_CACHE_ALLOC,
  ST_CACHE_FREE,
  ST_FREE,
  ST_PCP,
  ST_PGTABLE,
  ST_RESERVED,
} from './page_alloc';
import type { Zone } from './page_alloc';
import type { SecretFile } from './secretmem';
import type { DirectMap } from './set_memory';
import type { UnmappedCache } from './unmapped_alloc';
import type { Vmscan } from './vmscan';

/** What the checker reads of the machine (Mm implements it). */
export interface InvariantsMm {
  readonly zone: Zone;
  readonly zones: Zone[];
  readonly dm: DirectMap;
  readonly cache: UnmappedCache | null;
  readonly vmscan: Vmscan;
  readonly secretFiles: Set<SecretFile>;
  readonly literalNp: boolean;
  /** A machine profile's frames memblock kept (holes, first megabyte, kernel image); null on a clean boot. */
  readonly bootReserved: Uint8Array | null;
  zoneOf(pfn: number): Zone;
  nrFreePages(): number;
  pcpCount(): number;
}

/**
 * The invariant checker: every frame is in exactly one of free (zone buddy) / allocated / unmapped cache /
 * page table; free lists are consistent (links, counts, list type = pageblock type); the direct-map tables agree
 * with direct_pages_count[] and cover all memory; free pages are mapped or unmapped as their policy says.
 */
export function checkInvariants(mm: InvariantsMm): string[] {
  const errs: string[] = [];
  const z = mm.zone;
  const n = z.nframes;
  const f = z.frames;
  // 1. Frame coverage by heads.
  let free = 0;
  let cacheFree = 0;
  let pcp = 0;
  let pgtables = 0;
  const pbFree = new Uint16Array(z.nblocks);
  for (let pfn = 0; pfn < n;) {
    const s = f[pfn]! >>> 26;
    let order: number;
    if (s >= ST_FREE && s < ST_ALLOC) {
      order = s - ST_FREE;
      free += 1 << order;
      if (order >= pageblock_order) for (let b = pfn >>> 9; b < (pfn + (1 << order)) >>> 9; b++) pbFree[b] = 512;
      else pbFree[pfn >>> 9]! += 1 << order;
      // Direct-map state of free pages.
      const unmappedBlock = z.unmappedList >= 0 && (z.pbFlags[pfn >>> pageblock_order]! & PB_UNMAPPED) !== 0;
      const present = mm.dm.presentCount(pfn, 1 << order);
      if (unmappedBlock ? present !== 0 : present !== 1 << order) {
        let i = 0;
        while (mm.dm.presentOf(pfn + i) !== unmappedBlock) i++;
        errs.push(
          `free pfn ${pfn + i} is ${unmappedBlock ? 'mapped' : 'unmapped'} on a ${unmappedBlock ? 'FREETYPE_UNMAPPED' : 'mapped'} free list`,
        );
      }
    } else if (s >= ST_ALLOC && s < ST_CACHE_FREE) {
      order = (s - ST_ALLOC) % 11;
    } else if (s >= ST_CACHE_FREE && s < ST_CACHE_ALLOC) {
      order = s - ST_CACHE_FREE;
      cacheFree += 1 << order;
      if (!mm.cache) errs.push(`pfn ${pfn} in the unmapped cache without the 'cache' policy`);
      if (!mm.literalNp && mm.dm.presentCount(pfn, 1 << order) !== 0)
        errs.push(`unmapped-cache block at pfn ${pfn} has pages present in the direct map`);
    } else if (s >= ST_CACHE_ALLOC && s < ST_CACHE_ALLOC + 11) {
      order = s - ST_CACHE_ALLOC;
    } else if (s === ST_PGTABLE) {
      order = 0;
      pgtables++;
      if (!mm.dm.tablePages.has(pfn)) errs.push(`pfn ${pfn} is marked as a page table but no table uses it`);
    } else if (s === ST_RESERVED) {
      order = 0;
      if (!mm.bootReserved?.[pfn]) errs.push(`pfn ${pfn} is PageReserved but no hole or boot reservation holds it`);
    } else if (s >= ST_PCP && s <= ST_PCP + 3) {
      order = s - ST_PCP;
      pcp += 1 << order;
      if (mm.dm.presentCount(pfn, 1 << order) !== 1 << order)
        errs.push(`per-cpu free page ${pfn} is not present in the direct map`);
    } else {
      errs.push(`pfn ${pfn} is in no state (state ${s}): not a block head and not inside one`);
      pfn++;
      continue;
    }
    if ((pfn & ((1 << order) - 1)) !== 0) errs.push(`block at pfn ${pfn} of order ${order} is misaligned`);
    if (pfn + (1 << order) > n) errs.push(`block at pfn ${pfn} of order ${order} runs beyond memory`);
    for (let i = 1; i < 1 << order && pfn + i < n; i++) {
      if (f[pfn + i]! >>> 26 !== 0) {
        errs.push(`pfn ${pfn + i} inside the order-${order} block at ${pfn} has its own state`);
        break;
      }
    }
    pfn += 1 << order;
  }
  if (free !== mm.nrFreePages()) errs.push(`zone freePages ${mm.nrFreePages()} != ${free} counted`);
  for (const zz of mm.zones) {
    let zf = 0;
    for (let o = 0; o <= MAX_PAGE_ORDER; o++)
      for (let lt = 0; lt < zz.nlists; lt++) zf += zz.nrFree[o * zz.nlists + lt]! << o;
    if (zf !== zz.freePages) errs.push(`zone ${zz.name}: freePages ${zz.freePages} != ${zf} on its lists`);
  }
  for (let b = 0; b < z.nblocks; b++)
    if (pbFree[b] !== z.pbFree[b]) {
      errs.push(`pageblock ${b}: pbFree ${z.pbFree[b]} != ${pbFree[b]}`);
      break;
    }
  if (pcp !== mm.pcpCount()) errs.push(`pcp->count ${mm.pcpCount()} != ${pcp} pages in the per-cpu state`);
  let listedPcp = 0;
  for (const zz of mm.zones)
    for (const [p, o] of zz.pcp.entries()) {
      listedPcp += 1 << o;
      if (f[p]! >>> 26 !== ST_PCP + o) errs.push(`pcp list holds pfn ${p} that is not a per-cpu order-${o} page`);
      if (mm.zoneOf(p) !== zz) errs.push(`zone ${zz.name}'s pcp list holds pfn ${p} of zone ${mm.zoneOf(p).name}`);
    }
  if (listedPcp !== pcp) errs.push(`pcp lists hold ${listedPcp} pages, frames say ${pcp}`);
  if (mm.cache && cacheFree !== mm.cache.freePages) errs.push(`cache freePages ${mm.cache.freePages} != ${cacheFree}`);
  // 2. Free lists.
  let listed = 0;
  for (let o = 0; o <= MAX_PAGE_ORDER; o++) {
    for (const z of mm.zones)
      for (let lt = 0; lt < z.nlists; lt++) {
        const li = o * z.nlists + lt;
        let cnt = 0;
        let prev = NIL;
        for (let p = z.heads[li]!; p !== NIL; p = f[p]! & LINK_MASK) {
          if (f[p]! >>> 26 !== ST_FREE + o) {
            errs.push(`list ${o}/${lt}: pfn ${p} is not a free order-${o} head`);
            break;
          }
          if ((f[p ^ 1]! & LINK_MASK) !== prev) {
            errs.push(`list ${o}/${lt}: prev link of ${p} broken`);
            break;
          }
          if (z.listTypeOf(p) !== lt)
            errs.push(`list ${o}/${lt}: pfn ${p} sits on the wrong type (pageblock says ${z.listTypeOf(p)})`);
          if (!z.spans(p) || p + (1 << o) > z.managedEnd)
            errs.push(`zone ${z.name} list ${o}/${lt}: block at pfn ${p} lies outside the zone`);
          prev = p;
          if (++cnt > n) {
            errs.push(`list ${o}/${lt}: cycle`);
            break;
          }
        }
        if (prev !== z.tails[li]) errs.push(`list ${o}/${lt}: tail ${z.tails[li]} != last ${prev}`);
        if (cnt !== z.nrFree[li]) errs.push(`list ${o}/${lt}: nr_free ${z.nrFree[li]} != ${cnt}`);
        listed += cnt << o;
      }
    if (mm.cache) {
      let cnt = 0;
      for (const p of mm.cache.listPfns(o)) {
        cnt++;
        if (f[p]! >>> 26 !== ST_CACHE_FREE + o) errs.push(`cache list ${o}: pfn ${p} is not a cache-free head`);
      }
      if (cnt !== mm.cache.nr_free[o]) errs.push(`cache list ${o}: nr_free ${mm.cache.nr_free[o]} != ${cnt}`);
    }
  }
  if (listed !== free) errs.push(`free lists hold ${listed} pages, frames say ${free}`);
  // 2b. LRU pages are allocated order-0 movable pages.
  for (const pfn of mm.vmscan.folios.keys())
    if (f[pfn]! >>> 26 !== ST_ALLOC_MOVABLE) errs.push(`LRU page ${pfn} is not an allocated movable order-0 page`);
  // 3. Page-table pages are allocated order-0 pages.
  for (const t of mm.dm.tablePages)
    if (f[t]! >>> 26 !== ST_PGTABLE) errs.push(`page-table page ${t} is not marked as one`);
  if (pgtables !== mm.dm.tablePages.size)
    errs.push(`${pgtables} page-table frames, ${mm.dm.tablePages.size} tables in use`);
  // 4. Direct map tables and counters.
  errs.push(...mm.dm.check());
  // 5. Pages that must be out of the direct map.
  for (const file of mm.secretFiles) {
    for (const pfn of file.pages.values())
      if (mm.dm.presentOf(pfn)) errs.push(`secretmem pfn ${pfn} is present in the direct map`);
  }
  return errs;
}
