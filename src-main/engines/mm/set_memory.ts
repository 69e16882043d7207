import { KernelError } from '../common/errors';
import { PUD_ORDER, pageblock_order } from './mmzone';

/** PTE bits the model keeps (arch/x86/include/asm/pgtable_types.h names; the bit values are the model's). */
export const _PAGE_PRESENT = 1;
export const _PAGE_RW = 2;
export const _PAGE_NX = 4;
export const _PAGE_GLOBAL = 8;
export const _PAGE_DIRTY = 16;
/** Software bit of the 2025 collapse code: set by set_memory_4k(), such ranges are never collapsed. */
export const _PAGE_KERNEL_4K = 32;
/** PAGE_KERNEL for the direct map: present, writable, not executable, global, dirty (accessed not kept). */
export const PAGE_KERNEL = _PAGE_PRESENT | _PAGE_RW | _PAGE_NX | _PAGE_GLOBAL | _PAGE_DIRTY;

/** Page-table levels (enum pg_level). */
export const PG_LEVEL_4K = 1;
export const PG_LEVEL_2M = 2;
export const PG_LEVEL_1G = 3;

const LEAF = 0;
const TABLE = 1;
const NONE = 2;
const PMD_PAGES = 1 << pageblock_order;
const PUD_PAGES = 1 << PUD_ORDER;

/** tlb_single_page_flush_ceiling's default (brief: 33, UNVERIFIED there). */
export const TLB_SINGLE_PAGE_FLUSH_CEILING = 33;

export interface CpaStats {
  /** cpa_stats: large pages checked, kept with the same prot, rewritten in place ("preserved"), 4K set. */
  '1G checked': number;
  '1G sameprot': number;
  '1G preserved': number;
  '2M checked': number;
  '2M sameprot': number;
  '2M preserved': number;
  '4K set-checked': number;
}

export interface DirectMapCounters {
  direct_map_level2_splits: number;
  direct_map_level3_splits: number;
  direct_map_level2_collapses: number;
  direct_map_level3_collapses: number;
  /** flush_tlb_all() calls. */
  flush_tlb_all: number;
  /** flush_tlb_kernel_range() / per-page flushes. */
  flush_tlb_kernel_range: number;
}

export interface Leaf {
  level: number;
  prot: number;
}

/** Where page-table pages come from: alloc_pages(GFP_KERNEL, 0) and __free_page(). */
export interface PageTableAllocator {
  allocTable(): number;
  freeTable(pfn: number): void;
}

export interface CpaRequest {
  set: number;
  clr: number;
  /** set_memory_4k: CPA_FORCE_SPLIT semantics — split large pages even without a prot change. */
  forceSplit?: boolean;
}

/** pgprot_clear_protnone_bits(): a non-present entry never keeps _PAGE_GLOBAL (it would read as PROTNONE). */
function protnone(p: number): number {
  return p & _PAGE_PRESENT ? p : p & ~_PAGE_GLOBAL;
}

/**
 * (static_protections(), the W^X check and the PAT cache bits are not modelled.)
 * The x86-64 direct map: PUD (1G) / PMD (2M) / PTE (4K) entries over pfn 0 … nframes-1, and the CPA machinery of
 * arch/x86/mm/pat/set_memory.c (sameprot / preserve / split, one order-0 table page per split, a global flush per
 * split, direct_pages_count[] and the vmstat split/collapse events).
 */
export class DirectMap {
  readonly nframes: number;
  readonly gbpages: boolean;
  readonly npud: number;
  readonly npmd: number;
  readonly pudKind: Uint8Array;
  readonly pudProt: Uint8Array;
  /** pfn of the PMD table page under a PUD, -1 when the table predates the model (boot page tables). */
  readonly pudTable: Int32Array;
  readonly pmdKind: Uint8Array;
  readonly pmdProt: Uint8Array;
  readonly pmdTable: Int32Array;
  /** PTE prot bytes of each PMD that points to a table; 0 marks pte_none beyond the end of memory. */
  readonly pte: (Uint8Array | undefined)[];
  /** Non-present 4K PTEs under each PMD table (for snapshot()). */
  readonly pteNotPresent: Uint16Array;
  /** direct_pages_count[PG_LEVEL_4K / 2M / 1G]. */
  readonly count = [0, 0, 0, 0];
  readonly counters: DirectMapCounters = {
    direct_map_level2_splits: 0,
    direct_map_level3_splits: 0,
    direct_map_level2_collapses: 0,
    direct_map_level3_collapses: 0,
    flush_tlb_all: 0,
    flush_tlb_kernel_range: 0,
  };
  readonly cpaStats: CpaStats = {
    '1G checked': 0,
    '1G sameprot': 0,
    '1G preserved': 0,
    '2M checked': 0,
    '2M sameprot': 0,
    '2M preserved': 0,
    '4K set-checked': 0,
  };
  /** Order-0 pages currently used as direct-map page tables (pfn set, the split tables only). */
  readonly tablePages = new Set<number>();
  /** Set by every entry write; the caller's cpa_flush() decides what to flush. */
  private changed = false;

  /** Frames the boot left unmapped (e820 holes: pte_none), 1 per frame; null when all memory is mapped. */
  readonly hole: Uint8Array | null;
  /** Frames mapped at boot (nframes less the holes). */
  readonly mappedFrames: number;
  /** The boot's mapping calls (init_memory_mapping() ranges), or null for one range over all memory. */
  private readonly bootRanges: readonly (readonly [number, number])[] | null = null;

  constructor(
    nframes: number,
    gbpages: boolean,
    private readonly pt: PageTableAllocator,
    mapped?: readonly (readonly [number, number])[],
  ) {
    this.nframes = nframes;
    this.gbpages = gbpages;
    this.npud = Math.ceil(nframes / PUD_PAGES);
    this.npmd = Math.ceil(nframes / PMD_PAGES);
    this.pudKind = new Uint8Array(this.npud);
    this.pudProt = new Uint8Array(this.npud);
    this.pudTable = new Int32Array(this.npud).fill(-1);
    this.pmdKind = new Uint8Array(this.npmd);
    this.pmdProt = new Uint8Array(this.npmd);
    this.pmdTable = new Int32Array(this.npmd).fill(-1);
    this.pte = new Array<Uint8Array | undefined>(this.npmd);
    this.pteNotPresent = new Uint16Array(this.npmd);
    if (mapped) {
      const hole = new Uint8Array(nframes).fill(1);
      let n = 0;
      for (const [a, b] of mapped) {
        hole.fill(0, a, Math.min(b, nframes));
        n += Math.max(0, Math.min(b, nframes) - a);
      }
      this.hole = hole;
      this.mappedFrames = n;
      this.bootRanges = mapped;
    } else {
      this.hole = null;
      this.mappedFrames = nframes;
    }
    this.bootLayout();
  }

  /** Whether [a, b) lies inside one boot mapping call's range (so a large page may map it). */
  private hasHole(a: number, b: number): boolean {
    if (!this.bootRanges) return false;
    for (const [s, e] of this.bootRanges) if (a >= s && b <= e) return false;
    return true;
  }

  /**
   * kernel_physical_mapping_init(): 1G leaves for whole aligned GiBs when gbpages, 2M leaves for whole aligned
   * 2 MiB, 4K PTEs at the unaligned tail. The boot page tables come from outside the modelled frames.
   */
  private bootLayout(): void {
    for (let pud = 0; pud < this.npud; pud++) {
      const base = pud * PUD_PAGES;
      if (this.gbpages && base + PUD_PAGES <= this.nframes && !this.hasHole(base, base + PUD_PAGES)) {
        this.pudKind[pud] = LEAF;
        this.pudProt[pud] = PAGE_KERNEL;
        this.count[PG_LEVEL_1G]!++;
        for (let pmd = pud << 9, e = pmd + 512; pmd < e; pmd++) this.pmdKind[pmd] = NONE;
        continue;
      }
      this.pudKind[pud] = TABLE;
      for (let pmd = pud << 9, e = Math.min(pmd + 512, this.npmd); pmd < e; pmd++) {
        const pbase = pmd * PMD_PAGES;
        if (pbase + PMD_PAGES <= this.nframes && !this.hasHole(pbase, pbase + PMD_PAGES)) {
          this.pmdKind[pmd] = LEAF;
          this.pmdProt[pmd] = PAGE_KERNEL;
          this.count[PG_LEVEL_2M]!++;
        } else {
          // 4K PTEs: the unaligned tail of memory, or a 2M range with holes (their PTEs stay pte_none, 0).
          // (Linux leaves a PMD wholly inside a hole pmd_none; the model gives it an empty PTE table, never counted.)
          this.pmdKind[pmd] = TABLE;
          const t = new Uint8Array(512);
          const n = Math.min(512, this.nframes - pbase);
          let mappedN = 0;
          for (let i = 0; i < n; i++)
            if (!this.hole || !this.hole[pbase + i]) {
              t[i] = PAGE_KERNEL;
              mappedN++;
            }
          this.pte[pmd] = t;
          this.pteNotPresent[pmd] = 0;
          this.count[PG_LEVEL_4K]! += mappedN;
        }
      }
    }
  }

  /** lookup_address() on the direct-map alias of pfn: the leaf's level and prot. */
  lookup(pfn: number): Leaf {
    const pud = pfn >>> PUD_ORDER;
    if (this.pudKind[pud] === LEAF) return { level: PG_LEVEL_1G, prot: this.pudProt[pud]! };
    const pmd = pfn >>> pageblock_order;
    if (this.pmdKind[pmd] === LEAF) return { level: PG_LEVEL_2M, prot: this.pmdProt[pmd]! };
    return { level: PG_LEVEL_4K, prot: this.pte[pmd]![pfn & 511]! };
  }

  /** Leaf level only (no allocation), for hot paths like the TLB model. */
  levelOf(pfn: number): number {
    if (this.pudKind[pfn >>> PUD_ORDER] === LEAF) return PG_LEVEL_1G;
    return this.pmdKind[pfn >>> pageblock_order] === LEAF ? PG_LEVEL_2M : PG_LEVEL_4K;
  }

  /** Whether the direct-map entry of pfn is present (no allocation; for checkers and hot paths). */
  presentOf(pfn: number): boolean {
    const pud = pfn >>> PUD_ORDER;
    if (this.pudKind[pud] === LEAF) return (this.pudProt[pud]! & _PAGE_PRESENT) !== 0;
    const pmd = pfn >>> pageblock_order;
    if (this.pmdKind[pmd] === LEAF) return (this.pmdProt[pmd]! & _PAGE_PRESENT) !== 0;
    return (this.pte[pmd]![pfn & 511]! & _PAGE_PRESENT) !== 0;
  }

  /** Present pages in [pfn, pfn+n), walked leaf by leaf. */
  presentCount(pfn: number, n: number): number {
    let count = 0;
    const end = pfn + n;
    while (pfn < end) {
      const pud = pfn >>> PUD_ORDER;
      let stop: number;
      if (this.pudKind[pud] === LEAF) {
        stop = Math.min(end, (pud + 1) * PUD_PAGES);
        if (this.pudProt[pud]! & _PAGE_PRESENT) count += stop - pfn;
      } else {
        const pmd = pfn >>> pageblock_order;
        stop = Math.min(end, (pmd + 1) * PMD_PAGES);
        if (this.pmdKind[pmd] === LEAF) {
          if (this.pmdProt[pmd]! & _PAGE_PRESENT) count += stop - pfn;
        } else {
          const t = this.pte[pmd]!;
          for (let p = pfn; p < stop; p++) if (t[p & 511]! & _PAGE_PRESENT) count++;
        }
      }
      pfn = stop;
    }
    return count;
  }

  /** Leaf level of pageblock b: 3 = inside a 1G leaf, 2 = a 2M leaf, 1 = PTEs. */
  pmdLevel(b: number): number {
    if (this.pudKind[b >>> 9] === LEAF) return PG_LEVEL_1G;
    return this.pmdKind[b] === LEAF ? PG_LEVEL_2M : PG_LEVEL_4K;
  }

  /** Non-present 4K pages of pageblock b's direct-map range. */
  notPresentIn(b: number): number {
    const pud = b >>> 9;
    if (this.pudKind[pud] === LEAF) return this.pudProt[pud]! & _PAGE_PRESENT ? 0 : PMD_PAGES;
    if (this.pmdKind[b] === LEAF) return this.pmdProt[b]! & _PAGE_PRESENT ? 0 : PMD_PAGES;
    return this.pteNotPresent[b]!;
  }

  /** Takes and clears the "something was written" flag (CPA_FLUSHTLB). */
  takeChanged(): boolean {
    const c = this.changed;
    this.changed = false;
    return c;
  }

  private setPte(pmd: number, i: number, prot: number): void {
    const t = this.pte[pmd]!;
    const old = t[i]!;
    if (old === prot) return;
    if ((old & _PAGE_PRESENT) !== (prot & _PAGE_PRESENT)) this.pteNotPresent[pmd]! += prot & _PAGE_PRESENT ? -1 : 1;
    t[i] = prot;
    this.changed = true;
  }

  /** split_large_page(): one order-0 table page, 512 entries with the old prot, split_page_count(), flush_tlb_all(). */
  private split(level: number, idx: number): void {
    const table = this.pt.allocTable();
    if (table < 0)
      throw new KernelError('ENOMEM', `split_large_page: no page for a ${level === PG_LEVEL_1G ? 'PMD' : 'PTE'} table`);
    this.tablePages.add(table);
    if (level === PG_LEVEL_1G) {
      const prot = this.pudProt[idx]!;
      this.pudKind[idx] = TABLE;
      this.pudTable[idx] = table;
      for (let pmd = idx << 9, e = pmd + 512; pmd < e; pmd++) {
        this.pmdKind[pmd] = LEAF;
        this.pmdProt[pmd] = prot; // a 1G leaf splits into 512 2M leaves, pfn step 512
        this.pmdTable[pmd] = -1;
      }
      this.count[PG_LEVEL_1G]!--;
      this.count[PG_LEVEL_2M]! += 512;
      this.counters.direct_map_level3_splits++;
    } else {
      const prot = this.pmdProt[idx]!;
      this.pmdKind[idx] = TABLE;
      this.pmdTable[idx] = table;
      this.pte[idx] = new Uint8Array(512).fill(prot);
      this.pteNotPresent[idx] = prot & _PAGE_PRESENT ? 0 : 512;
      this.count[PG_LEVEL_2M]!--;
      this.count[PG_LEVEL_4K]! += 512;
      this.counters.direct_map_level2_splits++;
    }
    this.counters.flush_tlb_all++;
  }

  /**
   * __change_page_attr_set_clr() over the direct-map alias of [pfn, pfn+numpages): per step the leaf is looked up;
   * a 4K PTE is rewritten; a large leaf is kept when the new prot equals the old ("sameprot"), rewritten in place
   * when the request covers it whole from its base ("preserved"), split otherwise (then the step repeats).
   * Throws ENOMEM when a split cannot get its table page (earlier steps stay done, as in the kernel).
   */
  change(pfn: number, numpages: number, req: CpaRequest): void {
    if (pfn < 0 || numpages < 0 || pfn + numpages > this.nframes) {
      throw new KernelError('EFAULT', `__change_page_attr: pfn range ${pfn}+${numpages} is outside the direct map`);
    }
    const { set, clr } = req;
    const force = req.forceSplit === true;
    const end = pfn + numpages;
    while (pfn < end) {
      const pud = pfn >>> PUD_ORDER;
      if (this.pudKind[pud] === LEAF) {
        const old = this.pudProt[pud]!;
        this.cpaStats['1G checked']++;
        const base = pud * PUD_PAGES;
        const nw = protnone((old & ~clr) | set);
        if (!force && nw === old) {
          this.cpaStats['1G sameprot']++;
          pfn = Math.min(end, base + PUD_PAGES);
          continue;
        }
        if (!force && pfn === base && end - pfn >= PUD_PAGES) {
          this.pudProt[pud] = nw;
          this.changed = true;
          this.cpaStats['1G preserved']++;
          pfn += PUD_PAGES;
          continue;
        }
        this.split(PG_LEVEL_1G, pud);
        continue;
      }
      const pmd = pfn >>> pageblock_order;
      if (this.pmdKind[pmd] === LEAF) {
        const old = this.pmdProt[pmd]!;
        this.cpaStats['2M checked']++;
        const base = pmd * PMD_PAGES;
        const nw = protnone((old & ~clr) | set);
        if (!force && nw === old) {
          this.cpaStats['2M sameprot']++;
          pfn = Math.min(end, base + PMD_PAGES);
          continue;
        }
        if (!force && pfn === base && end - pfn >= PMD_PAGES) {
          this.pmdProt[pmd] = nw;
          this.changed = true;
          this.cpaStats['2M preserved']++;
          pfn += PMD_PAGES;
          continue;
        }
        this.split(PG_LEVEL_2M, pmd);
        continue;
      }
      // 4K PTEs: rewrite up to the end of this table in one go.
      const t = this.pte[pmd]!;
      const stop = Math.min(end, (pmd + 1) * PMD_PAGES);
      for (; pfn < stop; pfn++) {
        // __cpa_process_fault(): a NULL PTE of the direct map is a hole, expected and skipped.
        if (this.hole && this.hole[pfn]) continue;
        this.cpaStats['4K set-checked']++;
        const i = pfn & 511;
        this.setPte(pmd, i, protnone((t[i]! & ~clr) | set));
      }
    }
  }

  /**
   * The 2025 collapse (collapse_large_pages): for each PMD in the range whose 512 PTEs are present, not
   * _PAGE_KERNEL_4K and identical, re-form a 2M leaf; then a 1G leaf if gbpages and all 512 PMDs are identical
   * present leaves. One flush_tlb_all() if anything collapsed, then the table pages are freed.
   */
  collapse(pfn: number, numpages: number): number {
    const freed: number[] = [];
    let collapsed = 0;
    const first = pfn >>> pageblock_order;
    const last = (pfn + numpages - 1) >>> pageblock_order;
    const puds = new Set<number>();
    for (let pmd = first; pmd <= last; pmd++) {
      if (this.pudKind[pmd >>> 9] === LEAF || this.pmdKind[pmd] !== TABLE) continue;
      const t = this.pte[pmd]!;
      if ((pmd + 1) * PMD_PAGES > this.nframes) continue;
      const p0 = t[0]!;
      if (!(p0 & _PAGE_PRESENT) || p0 & _PAGE_KERNEL_4K) continue;
      let same = true;
      for (let i = 1; i < 512; i++)
        if (t[i] !== p0) {
          same = false;
          break;
        }
      if (!same) continue;
      this.pmdKind[pmd] = LEAF;
      this.pmdProt[pmd] = p0;
      this.pte[pmd] = undefined;
      this.pteNotPresent[pmd] = 0;
      if (this.pmdTable[pmd]! >= 0) freed.push(this.pmdTable[pmd]!);
      this.pmdTable[pmd] = -1;
      this.count[PG_LEVEL_4K]! -= 512;
      this.count[PG_LEVEL_2M]!++;
      this.counters.direct_map_level2_collapses++;
      collapsed++;
      puds.add(pmd >>> 9);
    }
    if (this.gbpages) {
      for (const pud of puds) {
        if ((pud + 1) * PUD_PAGES > this.nframes) continue;
        const b0 = pud << 9;
        const p0 = this.pmdProt[b0]!;
        if (this.pmdKind[b0] !== LEAF || !(p0 & _PAGE_PRESENT)) continue;
        let same = true;
        for (let pmd = b0 + 1; pmd < b0 + 512; pmd++)
          if (this.pmdKind[pmd] !== LEAF || this.pmdProt[pmd] !== p0) {
            same = false;
            break;
          }
        if (!same) continue;
        this.pudKind[pud] = LEAF;
        this.pudProt[pud] = p0;
        for (let pmd = b0; pmd < b0 + 512; pmd++) this.pmdKind[pmd] = NONE;
        if (this.pudTable[pud]! >= 0) freed.push(this.pudTable[pud]!);
        this.pudTable[pud] = -1;
        this.count[PG_LEVEL_2M]! -= 512;
        this.count[PG_LEVEL_1G]!++;
        this.counters.direct_map_level3_collapses++;
        collapsed++;
      }
    }
    if (collapsed) {
      this.counters.flush_tlb_all++;
      for (const p of freed) {
        this.tablePages.delete(p);
        this.pt.freeTable(p);
      }
    }
    return collapsed;
  }

  /** DirectMap4k / 2M / 1G in kB, as arch_report_meminfo() prints them. */
  directMapKb(): { DirectMap4k: number; DirectMap2M: number; DirectMap1G: number } {
    return {
      DirectMap4k: this.count[PG_LEVEL_4K]! * 4,
      DirectMap2M: this.count[PG_LEVEL_2M]! * 2048,
      DirectMap1G: this.count[PG_LEVEL_1G]! * 1048576,
    };
  }

  /** Structural check of the tables against the counters: returns problems found. */
  check(): string[] {
    const errs: string[] = [];
    const c = [0, 0, 0, 0];
    let tables = 0;
    const table = (pfn: number, where: string, isTable: boolean): void => {
      if (pfn < 0) return;
      if (!isTable) errs.push(`${where}: a leaf that still records table page ${pfn}`);
      else if (!this.tablePages.has(pfn)) errs.push(`${where}: table page ${pfn} is not in use as a table`);
      tables++;
    };
    for (let pud = 0; pud < this.npud; pud++) {
      table(this.pudTable[pud]!, `PUD ${pud}`, this.pudKind[pud] === TABLE);
      if (this.pudKind[pud] === LEAF) {
        c[PG_LEVEL_1G]!++;
        if ((pud + 1) * PUD_PAGES > this.nframes) errs.push(`PUD ${pud}: 1G leaf beyond memory`);
        continue;
      }
      for (let pmd = pud << 9, e = Math.min(pmd + 512, this.npmd); pmd < e; pmd++) {
        table(this.pmdTable[pmd]!, `PMD ${pmd}`, this.pmdKind[pmd] === TABLE);
        if (this.pmdKind[pmd] === LEAF) {
          c[PG_LEVEL_2M]!++;
          if (this.pte[pmd]) errs.push(`PMD ${pmd}: leaf with a PTE table`);
        } else if (this.pmdKind[pmd] === TABLE) {
          const t = this.pte[pmd];
          if (!t) {
            errs.push(`PMD ${pmd}: table without PTEs`);
            continue;
          }
          const n = Math.min(512, this.nframes - pmd * PMD_PAGES);
          let np = 0;
          for (let i = 0; i < n; i++) {
            if (this.hole && this.hole[pmd * PMD_PAGES + i]) {
              if (t[i] !== 0) errs.push(`PTE ${pmd}/${i}: a hole with an entry`);
              continue;
            }
            c[PG_LEVEL_4K]!++;
            if (!(t[i]! & _PAGE_PRESENT)) np++;
            if (!(t[i]! & _PAGE_PRESENT) && t[i]! & _PAGE_GLOBAL)
              errs.push(`PTE ${pmd}/${i}: non-present with _PAGE_GLOBAL`);
          }
          if (np !== this.pteNotPresent[pmd])
            errs.push(`PMD ${pmd}: not-present count ${this.pteNotPresent[pmd]} != ${np}`);
        } else errs.push(`PMD ${pmd}: none under a PUD table`);
      }
    }
    if (tables !== this.tablePages.size)
      errs.push(`${this.tablePages.size} table pages in use, ${tables} referenced by entries`);
    for (const l of [PG_LEVEL_4K, PG_LEVEL_2M, PG_LEVEL_1G])
      if (c[l] !== this.count[l]) errs.push(`direct_pages_count[${l}] ${this.count[l]} != ${c[l]}`);
    const mapped = this.count[PG_LEVEL_4K]! + this.count[PG_LEVEL_2M]! * 512 + this.count[PG_LEVEL_1G]! * PUD_PAGES;
    if (mapped !== this.mappedFrames)
      errs.push(`DirectMap counters cover ${mapped} pages, the boot mapped ${this.mappedFrames}`);
    return errs;
  }
}

/** A CPA whose failure the caller cannot report (post_alloc_hook / free paths ignore it like the RFC code). */
export function tryCpa(dm: DirectMap, pfn: number, n: number, req: CpaRequest): boolean {
  try {
    dm.change(pfn, n, req);
    return true;
  } catch (e) {
    if (e instanceof KernelError && e.errno === 'ENOMEM') return false;
    throw e;
  }
}
