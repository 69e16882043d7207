import { KernelError } from '../common/errors';
import { parseSize } from '../common/size';
import {
  GFP_BITS,
  GFP_COMPOSITE,
  formatGfp,
  parseGfp,
  __GFP_MOVABLE,
  __GFP_RECLAIMABLE,
  __GFP_UNMAPPED,
  __GFP_ZERO,
} from './gfp';
import {
  MAX_DMA32_PFN,
  MAX_DMA_PFN,
  MAX_FRAMES,
  MAX_NR_ZONES,
  MAX_PAGE_ORDER,
  PAGE_ALLOC_COSTLY_ORDER,
  PAGE_SHIFT,
  PAGE_SIZE,
  ZONE_DMA,
  ZONE_DMA32,
  ZONE_MOVABLE,
  ZONE_NORMAL,
  memmapPages,
  migrateTypesFor,
  pageblock_order,
} from './mmzone';
import type { MigrateTypes, Policy } from './mmzone';
import {
  PB_UNMAPPED,
  PCP_MAX_ORDER,
  PerCpuPages,
  ST_ALLOC,
  ST_ALLOC_MOVABLE,
  ST_CACHE_ALLOC,
  ST_PGTABLE,
  ST_RESERVED,
  Zone,
  nodeFrames,
} from './page_alloc';
import type { PageAllocator } from './page_alloc';
import {
  ALLOC_HIGHATOMIC,
  ALLOC_KSWAPD,
  ALLOC_MIN_RESERVE,
  ALLOC_NOFRAGMENT,
  ALLOC_NON_BLOCK,
  ALLOC_NO_WATERMARKS,
  ALLOC_WMARK_LOW,
  ALLOC_WMARK_MASK,
  ALLOC_WMARK_MIN,
  __setup_per_zone_wmarks,
  __zone_watermark_ok,
  calculate_min_free_kbytes,
  calculate_totalreserve_pages,
  set_recommended_min_free_kbytes,
  setup_per_zone_lowmem_reserve,
  zone_watermark_fast,
} from './watermarks';
import { Vmscan } from './vmscan';
import { compact_node, try_to_compact_pages } from './compaction';
import { MmTrace } from './mm_trace';
import type { CompactEvents } from './procfs';
import {
  DirectMap,
  PG_LEVEL_1G,
  PG_LEVEL_2M,
  TLB_SINGLE_PAGE_FLUSH_CEILING,
  tryCpa,
  _PAGE_DIRTY,
  _PAGE_GLOBAL,
  _PAGE_KERNEL_4K,
  _PAGE_NX,
  _PAGE_PRESENT,
  _PAGE_RW,
} from './set_memory';
import type { CpaRequest } from './set_memory';
import { UnmappedCache, unmappedAllocShrink, unmapped_pages_alloc } from './unmapped_alloc';
import { allocMigrateUnmapped } from './migrate_unmapped';
import { allocFreetypeUnmapped, rmqueueDirectMap } from './freetype';
import { vfree, vmalloc } from './vmalloc';
import { SecretFile } from './secretmem';
import { ExecmemRoxCache, execmem_alloc, execmem_free } from './execmem';
import { checkInvariants } from './invariants';
import { bootLayout, countIn, machineProfile, subtract } from './machine';
import type { BootLayout, MachineProfile } from './machine';
import { isRegion } from './mm_types';
import type { Page, PageRef, VmRegion } from './mm_types';

export interface MmOptions {
  /** Physical memory: bytes or '8G'. Default 4G. */
  memory?: string | number;
  /** 1 GiB direct-map pages (X86_FEATURE_GBPAGES, no `nogbpages`). Default true. */
  gbpages?: boolean;
  policy?: Policy;
  /** The 2025 CPA collapse (set_memory_rox re-forms large pages). Default false. */
  collapse?: boolean;
  seed?: number;
  /** CPUs sharing the zone: pcp high is split among them (only one CPU's lists are modelled). Default 1. */
  cpus?: number;
  /** Run the invariant checker after every operation (slow; for debugging scripts). */
  debug?: boolean;
  /**
   * Policy 'cache' only: reproduce the prototype's set_memory_np(addr, 1 << order) literally (only the requested
   * pages of a refill leave the direct map) instead of the whole refill block the cover letter intends.
   */
  literal_np?: boolean;
  /** execmem: { rox_cache: true } selects the ROX-cache execmem (EXECMEM_ROX_CACHE) instead of the classic one. */
  execmem?: { rox_cache?: boolean };
  /**
   * Transparent hugepages enabled (always or madvise, as Debian's kernels boot): khugepaged's
   * set_recommended_min_free_kbytes() raises min_free_kbytes to keep pageblocks free. Default true.
   */
  thp?: boolean;
  /** /proc/sys/vm/min_free_kbytes written after boot (the sysctl handler recomputes the watermarks). */
  min_free_kbytes?: number;
  /** /proc/sys/vm/watermark_scale_factor (1 … 3000, default 10). */
  watermark_scale_factor?: number;
  /** Pages kswapd reclaims per allocation while awake (default 32, SWAP_CLUSTER_MAX); 0: kswapd never runs. */
  kswapd_rate?: number;
  /**
   * How the machine boots (machine.ts): 'clean' (default: one RAM range from pfn 0, no image, no splits — for
   * teaching) or a profile with an e820 map and a kernel image ('firecracker-24g', 'q35-8g'), whose memory it sets.
   */
  machine?: string | MachineProfile;
}

const VMALLOC_START = 0xffffc90000000000n;
const MODULES_VADDR = 0xffffffffa0000000n;

export type LevelName = '4K' | '2M' | '1G';

/** Which GFP zone modifiers pick which highest zone (gfp_zone() over GFP_ZONE_TABLE, x86-64). */
const __GFP_DMA = GFP_BITS.__GFP_DMA!;
const __GFP_DMA32 = GFP_BITS.__GFP_DMA32!;
const __GFP_HIGHMEM = GFP_BITS.__GFP_HIGHMEM!;
const __GFP_HIGH = GFP_BITS.__GFP_HIGH!;
const __GFP_IO = GFP_BITS.__GFP_IO!;
const __GFP_KSWAPD_RECLAIM = GFP_BITS.__GFP_KSWAPD_RECLAIM!;
const __GFP_DIRECT_RECLAIM = GFP_BITS.__GFP_DIRECT_RECLAIM!;
const __GFP_NOMEMALLOC = GFP_BITS.__GFP_NOMEMALLOC!;
const __GFP_MEMALLOC = GFP_BITS.__GFP_MEMALLOC!;
const __GFP_NORETRY = GFP_BITS.__GFP_NORETRY!;
const __GFP_RETRY_MAYFAIL = GFP_BITS.__GFP_RETRY_MAYFAIL!;
const GFP_KERNEL = GFP_COMPOSITE.GFP_KERNEL!;

/** One allocation attempt's context (struct alloc_context, reduced). */
interface AllocContext {
  highestZoneidx: number;
  mt: number;
  zonelist: readonly Zone[];
  /** The per-zone dequeue (rmqueue(), or a policy's own); -1 when the zone has nothing. */
  rmq: (z: Zone, order: number, mt: number, nofragment: boolean) => number;
}

/** A failed allocation's record (warn_alloc()'s "page allocation failure" line, and where the slow path gave up). */
export interface AllocFailure {
  gfp: string;
  order: number;
  /** warn_alloc()'s text. */
  message: string;
  /** Why the slow path stopped: 'nowait' (no direct reclaim), 'noretry', 'costly', 'oom' (the OOM killer had no task). */
  reason: 'nowait' | 'noretry' | 'costly' | 'oom';
}

/** The memory engine: one node with DMA/DMA32/Normal zones, the buddy allocator, the x86-64 direct map and the unmapped-allocation policies. */
export class Mm implements PageAllocator {
  /** Frames of physical memory (the node's span). */
  readonly nframes: number;
  /** Frames given to the buddy at boot (zone_managed_pages, totalram_pages): nframes less the memmap. */
  readonly managed_pages: number;
  readonly policy: Policy;
  readonly collapseEnabled: boolean;
  readonly mt: MigrateTypes;
  /** node_zones[]: DMA, DMA32, Normal, Movable, Device (unpopulated zones included, as /proc/zoneinfo shows them). */
  readonly zones: Zone[];
  /** The zone GFP_KERNEL allocations prefer (the highest populated zone up to Normal). Pageblock and frame arrays are the node's. */
  readonly zone: Zone;
  /** node_zonelists[ZONELIST_FALLBACK] cut at each highest_zoneidx: populated zones, highest first. */
  private readonly zonelists: Zone[][];
  /** min_free_kbytes as the boot (and THP) left it, or as written. */
  readonly min_free_kbytes: number;
  readonly watermark_scale_factor: number;
  /** totalreserve_pages (calculate_totalreserve_pages()). */
  readonly totalreserve_pages: number;
  /** Page reclaim: LRU lists, page cache, kswapd. */
  readonly vmscan: Vmscan;
  /** Free pages per zone and reclaim / compaction / failure events over the run (the memory panel's chart). */
  readonly trace: MmTrace;
  /** Allocation failures, oldest first (the last 64). */
  readonly allocFailures: AllocFailure[] = [];
  /** Compaction and migration events (node-wide vmstat lines). */
  readonly compactEvents: CompactEvents = {
    compact_migrate_scanned: 0,
    compact_free_scanned: 0,
    compact_isolated: 0,
    compact_stall: 0,
    compact_fail: 0,
    compact_success: 0,
    pgmigrate_success: 0,
    pgmigrate_fail: 0,
  };
  readonly dm: DirectMap;
  readonly cache: UnmappedCache | null;
  readonly execmemCache: ExecmemRoxCache | null;
  readonly seed: number;
  readonly debug: boolean;
  readonly literalNp: boolean;
  /** Pages handed out by vmalloc() / execmem_alloc() (VmallocUsed). */
  vmallocPages = 0;
  /** Pages held by secretmem files. */
  secretPages = 0;
  readonly regions = new Set<VmRegion>();
  readonly secretFiles = new Set<SecretFile>();
  /** Next free addresses of the vmalloc and module ranges. */
  readonly va = { nextVmalloc: VMALLOC_START, nextModule: MODULES_VADDR };
  private lastGfp: string | number = '';
  private lastMask = 0;
  /** Shrinker results of the 2023 cache. */
  readonly shrinkerStats = { scanned: 0, freed: 0 };

  /** The machine profile's boot (null: the clean boot). */
  readonly boot: BootLayout | null;
  /** Frames memblock kept from the buddy inside the managed range (holes, first megabyte, image), 1 per frame; null on a clean boot. */
  readonly bootReserved: Uint8Array | null;

  constructor(opts: MmOptions = {}) {
    const layout =
      opts.machine === undefined || opts.machine === 'clean' ? null : bootLayout(machineProfile(opts.machine));
    if (layout && opts.memory !== undefined)
      throw new KernelError(
        'EINVAL',
        `memory: machine '${layout.profile.name}' sets the memory (its e820 map); leave memory out`,
      );
    this.boot = layout;
    const bytes = layout ? layout.nframes * PAGE_SIZE : parseSize(opts.memory ?? '4G', 'memory');
    const nframes = Math.floor(bytes / PAGE_SIZE);
    if (nframes < 1024) throw new KernelError('EINVAL', `memory: ${bytes} bytes is less than one order-10 block (4M)`);
    if (nframes > MAX_FRAMES)
      throw new KernelError('EINVAL', `memory: at most ${Math.floor((MAX_FRAMES * 4) / 1024 / 1024)} GiB are modelled`);
    const policy = opts.policy ?? 'baseline';
    if (!['baseline', 'migratetype', 'cache', 'freetype'].includes(policy)) {
      throw new KernelError(
        'EINVAL',
        `mm.policy: unknown policy '${String(policy)}' (baseline, migratetype, cache, freetype)`,
      );
    }
    this.nframes = nframes;
    this.policy = policy;
    this.collapseEnabled = opts.collapse === true;
    this.seed = opts.seed ?? 1;
    this.debug = opts.debug === true;
    this.literalNp = opts.literal_np === true;
    this.mt = migrateTypesFor(policy);
    const cpus = opts.cpus ?? 1;
    if (!Number.isInteger(cpus) || cpus < 1 || cpus > 4096)
      throw new KernelError('EINVAL', `cpus: ${cpus} is not a CPU count`);
    // memblock allocates top-down: the memmap sits at the top of memory, still in the direct map, never in the buddy.
    // (With a profile, sparsemem gives memmap only to present memory.)
    const memmapEnd = nframes - memmapPages(layout ? countIn(layout.present, 0, nframes) : nframes);
    // zone_sizes_init(): DMA below 16 MiB, DMA32 below 4 GiB, Normal above; Movable and Device stay empty.
    const node = nodeFrames(memmapEnd, nframes, this.mt);
    const edges = [0, Math.min(nframes, MAX_DMA_PFN), Math.min(nframes, MAX_DMA32_PFN), nframes, nframes, nframes];
    this.zones = [];
    // A profile: frames without RAM, and present frames memblock keeps (the image's late frees come back below).
    const absent = layout ? subtract([[0, nframes]], layout.present) : [];
    const kept = layout ? subtract(subtract(layout.reserved, absent), layout.freedLate) : [];
    for (let i = 0; i < MAX_NR_ZONES; i++) {
      const [a, b] = [edges[i]!, edges[i + 1]!];
      const zl = layout
        ? { holes: countIn(absent, a, Math.min(b, memmapEnd)), reserved: countIn(kept, a, Math.min(b, memmapEnd)) }
        : undefined;
      this.zones.push(new Zone(node, i, a, b, this.mt, policy === 'freetype', zl));
    }
    this.managed_pages = this.zones.reduce((n, z) => n + z.managed_pages, 0);
    this.bootReserved = layout ? new Uint8Array(nframes) : null;
    this.zonelists = [];
    for (let h = 0; h < MAX_NR_ZONES; h++)
      this.zonelists.push(
        this.zones
          .slice(0, h + 1)
          .reverse()
          .filter((z) => z.managed_pages > 0),
      );
    this.zone = this.zonelists[ZONE_NORMAL]![0]!;
    // init_per_zone_wmark_min(), then khugepaged's set_recommended_min_free_kbytes(), then a sysctl write.
    const wsf = opts.watermark_scale_factor ?? 10;
    if (!Number.isInteger(wsf) || wsf < 1 || wsf > 3000)
      throw new KernelError('EINVAL', `watermark_scale_factor: ${String(wsf)} is outside 1 … 3000`);
    let mfk = calculate_min_free_kbytes(this.zones);
    __setup_per_zone_wmarks(this.zones, mfk, wsf);
    setup_per_zone_lowmem_reserve(this.zones);
    if (opts.thp !== false) {
      mfk = set_recommended_min_free_kbytes(this.zones, mfk);
      __setup_per_zone_wmarks(this.zones, mfk, wsf);
    }
    if (opts.min_free_kbytes !== undefined) {
      const v = opts.min_free_kbytes;
      if (!Number.isInteger(v) || v < 0 || v > 2 ** 31 - 1)
        throw new KernelError('EINVAL', `min_free_kbytes: ${String(v)} is not a kB count`);
      mfk = v;
      __setup_per_zone_wmarks(this.zones, mfk, wsf);
    }
    this.min_free_kbytes = mfk;
    this.watermark_scale_factor = wsf;
    this.totalreserve_pages = calculate_totalreserve_pages(this.zones);
    for (const z of this.zones) z.pcp = new PerCpuPages(z, cpus); // setup_zone_pageset() / zone_pcp_update()
    const rate = opts.kswapd_rate ?? 32;
    if (!Number.isInteger(rate) || rate < 0 || rate > 1 << 20)
      throw new KernelError('EINVAL', `kswapd_rate: ${String(rate)} is not a page count`);
    this.trace = new MmTrace(this);
    this.vmscan = new Vmscan(this, rate);
    const gbpages = opts.gbpages ?? layout?.profile.gbpages ?? true;
    this.dm = new DirectMap(
      nframes,
      gbpages,
      {
        allocTable: () => this.allocTablePage(),
        freeTable: (pfn) => this.freeZonePages(pfn, 0), // pagetable_free() of a collapsed table
      },
      layout?.mapped,
    );
    this.cache = policy === 'cache' ? new UnmappedCache(this.zone) : null;
    this.execmemCache = opts.execmem?.rox_cache ? new ExecmemRoxCache(this) : null;
    if (!layout) {
      for (const z of this.zones) z.bootFree();
      return;
    }
    this.bootProfile(layout, absent);
  }

  /**
   * A profile's boot: memblock_free_all() of the runs between holes and reservations, then kernel_init()'s
   * free_initmem() and mark_rodata_ro() (machine.ts): the read-only range through the direct map's alias, and the
   * two gaps given RW back and freed. (free_reserved_area() frees through the per-cpu lists; the model frees to
   * the buddy as memblock_free_all() does.)
   */
  private bootProfile(layout: BootLayout, absent: [number, number][]): void {
    const res = this.bootReserved!;
    const memmapEnd = this.zone.nframes;
    const keep = [...layout.reserved, ...absent];
    for (const [a, b] of keep) {
      res.fill(1, a, Math.min(b, memmapEnd));
      for (let p = a; p < Math.min(b, memmapEnd); p++) this.zoneOf(p).setState(p, ST_RESERVED);
    }
    const free = subtract([[0, memmapEnd]], keep);
    for (const [a, b] of free) for (const z of this.zones) if (z.managed_pages) z.bootFreeRange(a, b);
    const giveBack = (ranges: [number, number][]): void => {
      for (const [a, b] of ranges) {
        for (let p = a; p < b; p++) {
          res[p] = 0;
          this.zoneOf(p).setState(p, 0);
        }
        for (const z of this.zones) if (z.managed_pages) z.bootFreeRange(a, b);
      }
    };
    const [ro0, ro1] = layout.roRange;
    const init = layout.freedLate.filter(([a]) => a >= ro1);
    const gaps = layout.freedLate.filter(([a]) => a < ro1);
    // free_initmem(): set_memory_nx() and set_memory_rw() of the init sections; their alias is RW already.
    giveBack(init);
    // mark_rodata_ro(): set_memory_ro() over [_text, __end_rodata_hpage_align), the direct map's alias with it.
    this.cpaDirect(ro0, ro1 - ro0, { set: 0, clr: _PAGE_RW | _PAGE_DIRTY }, false);
    // free_kernel_image_pages() of the text/rodata and rodata/data gaps: set_memory_rw() on the alias, then free.
    for (const [a, b] of gaps) {
      this.cpaDirect(a, b - a, { set: _PAGE_RW, clr: 0 }, false);
      giveBack([[a, b]]);
    }
  }

  /** page_zone(): the zone a pfn belongs to. */
  zoneOf(pfn: number): Zone {
    return pfn < MAX_DMA_PFN
      ? this.zones[ZONE_DMA]!
      : pfn < MAX_DMA32_PFN
        ? this.zones[ZONE_DMA32]!
        : this.zones[ZONE_NORMAL]!;
  }

  /** global_zone_page_state(NR_FREE_PAGES). */
  nrFreePages(): number {
    let n = 0;
    for (const z of this.zones) n += z.freePages;
    return n;
  }

  /** Pages on all zones' per-cpu lists. */
  pcpCount(): number {
    let n = 0;
    for (const z of this.zones) n += z.pcp.count;
    return n;
  }

  /**
   * gfp_zone(): __GFP_DMA -> DMA, __GFP_DMA32 -> DMA32, __GFP_HIGHMEM|__GFP_MOVABLE -> Movable, else Normal; two
   * zone modifiers together are the GFP_ZONE_BAD combinations (the kernel BUGs).
   */
  gfp_zone(mask: number): number {
    const bits = mask & (__GFP_DMA | __GFP_DMA32 | __GFP_HIGHMEM);
    if (bits === 0) return ZONE_NORMAL;
    if (bits === __GFP_DMA) return ZONE_DMA;
    if (bits === __GFP_DMA32) return ZONE_DMA32;
    if (bits === __GFP_HIGHMEM) return mask & __GFP_MOVABLE ? ZONE_MOVABLE : ZONE_NORMAL;
    throw new KernelError(
      'EINVAL',
      'gfp: more than one zone modifier (__GFP_DMA, __GFP_DMA32, __GFP_HIGHMEM): GFP_ZONE_BAD',
    );
  }

  /** The fallback zonelist for a highest zone index: populated zones at or below it, highest first. */
  zonelist(highestZoneidx: number): readonly Zone[] {
    return this.zonelists[highestZoneidx]!;
  }

  // ---------------------------------------------------------------- page allocator

  /** @internal */
  gfpMigratetype(mask: number): number {
    const mov = (mask & __GFP_MOVABLE) !== 0;
    const rec = (mask & __GFP_RECLAIMABLE) !== 0;
    if (mov && rec)
      throw new KernelError('EINVAL', 'gfp: __GFP_MOVABLE and __GFP_RECLAIMABLE together (gfp_migratetype() warns)');
    return mov ? this.mt.MOVABLE : rec ? this.mt.RECLAIMABLE : this.mt.UNMOVABLE;
  }

  private readonly defaultRmq = (z: Zone, order: number, mt: number, nofragment: boolean): number =>
    this.rmqueue(z, order, mt, nofragment);

  /**
   * get_page_from_freelist(): the first zone of the zonelist whose watermark (alloc_flags & ALLOC_WMARK_MASK) holds
   * and that has a block; with ALLOC_NOFRAGMENT, a second pass without it ("It's possible on a UMA machine to get
   * through all zones that are fragmented"). -1 when no zone gives one.
   */
  private get_page_from_freelist(order: number, allocFlags: number, ac: AllocContext): number {
    for (;;) {
      const nofragment = (allocFlags & ALLOC_NOFRAGMENT) !== 0;
      for (const z of ac.zonelist) {
        const mark = z._watermark[allocFlags & ALLOC_WMARK_MASK]!;
        if (!(allocFlags & ALLOC_NO_WATERMARKS) && !zone_watermark_fast(z, order, mark, ac.highestZoneidx, allocFlags))
          continue;
        const pfn = ac.rmq(z, order, ac.mt, nofragment);
        if (pfn >= 0) {
          z.events.numa_hit++;
          return pfn;
        }
      }
      if (!nofragment) return -1;
      allocFlags &= ~ALLOC_NOFRAGMENT;
    }
  }

  /** alloc_flags_nofragment(): ALLOC_NOFRAGMENT when the preferred zone is Normal (DMA32 below it is populated on UMA). */
  private alloc_flags_nofragment(ac: AllocContext, mask: number): number {
    const flags = mask & __GFP_KSWAPD_RECLAIM ? ALLOC_KSWAPD : 0;
    const pref = ac.zonelist[0];
    return pref && pref.idx === ZONE_NORMAL ? flags | ALLOC_NOFRAGMENT : flags;
  }

  /** gfp_to_alloc_flags(): the slow path's min watermark and reserve rights. */
  private gfp_to_alloc_flags(mask: number, order: number): number {
    let flags = ALLOC_WMARK_MIN;
    if (mask & __GFP_HIGH) flags |= ALLOC_MIN_RESERVE;
    if (mask & __GFP_KSWAPD_RECLAIM) flags |= ALLOC_KSWAPD;
    if (!(mask & __GFP_DIRECT_RECLAIM) && !(mask & __GFP_NOMEMALLOC)) {
      flags |= ALLOC_NON_BLOCK;
      if (order > 0 && flags & ALLOC_MIN_RESERVE) flags |= ALLOC_HIGHATOMIC;
    }
    return flags;
  }

  /**
   * __alloc_pages(): kswapd gets its turn, the fast path at the low watermark, then __alloc_pages_slowpath().
   * Returns a pfn or -1; the caller marks the block allocated.
   * @internal
   */
  allocPfn(mask: number, order: number, mt: number, rmq = this.defaultRmq): number {
    this.trace.tick();
    if (this.vmscan.kswapdAwake) this.vmscan.kswapdStep();
    const highestZoneidx = this.gfp_zone(mask);
    const zonelist = this.zonelists[highestZoneidx]!;
    // The fast path's common case inline: order 0 from the preferred zone's per-cpu list, above its low watermark.
    if (order === 0 && rmq === this.defaultRmq && zonelist.length) {
      const z = zonelist[0]!;
      if (z.freePages > z._watermark[ALLOC_WMARK_LOW]! + z.lowmem_reserve[highestZoneidx]! + z.nr_free_highatomic) {
        const pfn = this.rmqueue(z, 0, mt, z.idx === ZONE_NORMAL);
        if (pfn >= 0) {
          z.events.numa_hit++;
          return pfn;
        }
      }
    }
    const ac: AllocContext = { highestZoneidx, mt, zonelist, rmq };
    const pfn = this.get_page_from_freelist(order, ALLOC_WMARK_LOW | this.alloc_flags_nofragment(ac, mask), ac);
    if (pfn >= 0) return pfn;
    return this.__alloc_pages_slowpath(mask, order, ac);
  }

  /**
   * __alloc_pages_slowpath(): wake kswapd, retry at min; direct compaction first for costly or non-movable
   * high-order requests; then direct reclaim (draining the per-cpu lists once when it frees nothing usable) and
   * compaction, retried while should_reclaim_retry() sees a zone that reclaim could bring above min.
   * 6.18 then runs the OOM killer and never fails GFP_KERNEL at order <= 3; the model has no tasks to kill, so the
   * request fails there.
   */
  private __alloc_pages_slowpath(mask: number, order: number, ac: AllocContext): number {
    const costly = order > PAGE_ALLOC_COSTLY_ORDER;
    const canDirectReclaim = (mask & __GFP_DIRECT_RECLAIM) !== 0;
    const canCompact = (mask & __GFP_IO) !== 0; // gfp_compaction_allowed()
    const allocFlags = this.gfp_to_alloc_flags(mask, order);
    if (allocFlags & ALLOC_KSWAPD) this.vmscan.wakeup_kswapd(order, ac.highestZoneidx);
    let pfn = this.get_page_from_freelist(order, allocFlags, ac);
    if (pfn >= 0) return pfn;
    if (canDirectReclaim && canCompact && (costly || (order > 0 && ac.mt !== this.mt.MOVABLE))) {
      pfn = this.directCompact(mask, order, allocFlags, ac);
      if (pfn >= 0) return pfn;
    }
    let noProgressLoops = 0;
    let drained = false;
    // __gfp_pfmemalloc_flags(): __GFP_MEMALLOC (and not __GFP_NOMEMALLOC) may ignore the watermarks altogether.
    const reserveFlags = mask & __GFP_MEMALLOC && !(mask & __GFP_NOMEMALLOC) ? ALLOC_NO_WATERMARKS : 0;
    const retryFlags = reserveFlags ? reserveFlags | (allocFlags & ALLOC_KSWAPD) : allocFlags;
    for (;;) {
      if (allocFlags & ALLOC_KSWAPD) this.vmscan.wakeup_kswapd(order, ac.highestZoneidx);
      pfn = this.get_page_from_freelist(order, retryFlags, ac);
      if (pfn >= 0) return pfn;
      if (!canDirectReclaim) return this.allocFail(mask, order, 'nowait');
      // __alloc_pages_direct_reclaim()
      const progress = this.vmscan.try_to_free_pages(ac.highestZoneidx);
      pfn = this.get_page_from_freelist(order, retryFlags, ac);
      if (pfn < 0 && !drained) {
        drained = true;
        this.drain_all_pages();
        pfn = this.get_page_from_freelist(order, retryFlags, ac);
      }
      if (pfn >= 0) return pfn;
      if (canCompact && order > 0) {
        pfn = this.directCompact(mask, order, allocFlags, ac);
        if (pfn >= 0) return pfn;
      }
      if (mask & __GFP_NORETRY) return this.allocFail(mask, order, 'noretry');
      if (costly && !(mask & __GFP_RETRY_MAYFAIL)) return this.allocFail(mask, order, 'costly');
      if (this.should_reclaim_retry(order, allocFlags, ac, progress > 0, ++noProgressLoops)) {
        if (progress > 0 && order <= PAGE_ALLOC_COSTLY_ORDER) noProgressLoops = 0;
        continue;
      }
      // __alloc_pages_may_oom(): no task to kill. (6.18 loops forever for __GFP_NOFAIL; the model fails it too.)
      return this.allocFail(mask, order, 'oom');
    }
  }

  /** should_reclaim_retry(): retry while some zone would pass min if all its reclaimable pages were freed. */
  private should_reclaim_retry(
    order: number,
    allocFlags: number,
    ac: AllocContext,
    progress: boolean,
    loops: number,
  ): boolean {
    if (!(progress && order <= PAGE_ALLOC_COSTLY_ORDER) && loops > 16) return false; // MAX_RECLAIM_RETRIES
    for (const z of ac.zonelist) {
      const available = this.vmscan.zone_reclaimable_pages(z.idx) + z.freePages;
      if (__zone_watermark_ok(z, order, z._watermark[ALLOC_WMARK_MIN]!, ac.highestZoneidx, allocFlags, available)) {
        // Reclaim made no progress and nothing is reclaimable: stop rather than loop on a free-page count that cannot move.
        return progress || this.vmscan.zone_reclaimable_pages(z.idx) > 0;
      }
    }
    return false;
  }

  /**
   * __alloc_pages_direct_compact(): try_to_compact_pages(); unless every zone was skipped, a compact_stall, then
   * get_page_from_freelist() and compact_success or compact_fail.
   */
  private directCompact(_mask: number, order: number, allocFlags: number, ac: AllocContext): number {
    if (order === 0) return -1;
    const migrated = this.compactEvents.pgmigrate_success;
    const r = try_to_compact_pages(
      this,
      order,
      allocFlags,
      ac.highestZoneidx,
      ac.zonelist,
      ac.mt === this.mt.UNMAPPED ? this.mt.UNMOVABLE : ac.mt,
    );
    if (r === 'skipped' || r === 'not_suitable_zone') return -1;
    this.compactEvents.compact_stall++;
    const pfn = this.get_page_from_freelist(order, allocFlags, ac);
    if (pfn >= 0) this.compactEvents.compact_success++;
    else this.compactEvents.compact_fail++;
    const moved = this.compactEvents.pgmigrate_success - migrated;
    this.trace.event(
      pfn >= 0 ? 'compact_success' : 'compact_fail',
      pfn >= 0 ? this.zoneOf(pfn).idx : ac.zonelist[0]!.idx,
      order,
      moved,
    );
    return pfn;
  }

  /** echo 1 > /proc/sys/vm/compact_memory: compact_node() over every zone. Returns pages migrated. */
  compact(): number {
    this.drain_all_pages();
    const n = compact_node(this);
    this.trace.event('compact_memory', this.zone.idx, -1, n);
    if (this.debug) this.assertInvariants('compact');
    return n;
  }

  /** warn_alloc(): "page allocation failure: order:%u", recorded; returns -1. */
  private allocFail(mask: number, order: number, reason: AllocFailure['reason']): number {
    const gfp = formatGfp(mask);
    this.allocFailures.push({ gfp, order, reason, message: `page allocation failure: order:${order}, mode:(${gfp})` });
    if (this.allocFailures.length > 64) this.allocFailures.shift();
    this.trace.event('alloc_fail', this.zonelists[this.gfp_zone(mask)]![0]?.idx ?? this.zone.idx, order);
    return -1;
  }

  /** rmqueue(): the zone's per-cpu lists for small orders of the pcp types, its buddy otherwise. */
  private rmqueue(z: Zone, order: number, mt: number, nofragment: boolean): number {
    const pcp = order <= PCP_MAX_ORDER && mt < this.mt.PCPTYPES && mt !== this.mt.UNMAPPED;
    let pfn = pcp ? z.pcp.alloc(order, mt, nofragment) : z.rmqueue(order, mt, nofragment);
    if (pfn < 0 && this.policy === 'freetype' && mt !== this.mt.UNMAPPED && !nofragment)
      pfn = rmqueueDirectMap(this, z, order, false, mt);
    return pfn;
  }

  /** @internal */
  markAllocated(pfn: number, order: number, mt: number): void {
    const z = this.zoneOf(pfn);
    z.setState(pfn, (mt === this.mt.MOVABLE ? ST_ALLOC_MOVABLE : ST_ALLOC) + order);
    z.events.pgalloc += 1 << order;
  }

  /** split_large_page()'s alloc_pages(GFP_KERNEL, 0) for a page-table page. */
  private allocTablePage(): number {
    const pfn = this.allocPfn(GFP_KERNEL, 0, this.mt.UNMOVABLE);
    if (pfn >= 0) {
      const z = this.zoneOf(pfn);
      z.setState(pfn, ST_PGTABLE);
      z.events.pgalloc++;
    }
    return pfn;
  }

  /** @internal The zone half of __free_pages(): pgfree, buddy merge. */
  freeZonePages(pfn: number, order: number): void {
    const z = this.zoneOf(pfn);
    z.events.pgfree += 1 << order;
    if (order <= PCP_MAX_ORDER) {
      const b = pfn >>> pageblock_order;
      let mt = z.pbMt[b]!;
      if (mt >= this.mt.PCPTYPES && mt !== this.mt.ISOLATE) mt = this.mt.MOVABLE; // free_unref_page(): HighAtomic -> MOVABLE list
      // Model choice: pages of UNMAPPED (2022) or FREETYPE_UNMAPPED (2026) blocks bypass the per-cpu lists.
      if (mt < this.mt.PCPTYPES && mt !== this.mt.UNMAPPED && !(z.pbFlags[b]! & PB_UNMAPPED && z.unmappedList >= 0)) {
        z.pcp.free(pfn, order, mt);
        return;
      }
    }
    z.setState(pfn, 0);
    z.freeOne(pfn, order);
  }

  /** alloc_pages(gfp, order): a block of 2^order pages, or null. */
  alloc_pages(gfp: string | number, order = 0): Page | null {
    let mask: number;
    if (gfp === this.lastGfp) mask = this.lastMask;
    else {
      mask = parseGfp(gfp);
      this.lastGfp = gfp;
      this.lastMask = mask;
    }
    if (!Number.isInteger(order) || order < 0) throw new KernelError('EINVAL', `alloc_pages: bad order ${order}`);
    if (order > MAX_PAGE_ORDER) return null; // WARN_ON_ONCE_GFP(order > MAX_PAGE_ORDER)
    const unmapped = (mask & __GFP_UNMAPPED) !== 0;
    if (unmapped && this.policy === 'baseline') {
      throw new KernelError(
        'EINVAL',
        "gfp: unknown flag '__GFP_UNMAPPED' (mainline has no such flag; boot with mm.policy 'migratetype', 'cache' or 'freetype')",
      );
    }
    const mt = this.gfpMigratetype(mask);
    let pfn: number;
    if (mask & (__GFP_DMA | __GFP_DMA32 | __GFP_HIGHMEM)) this.gfp_zone(mask); // GFP_ZONE_BAD is refused before anything is taken
    if (!unmapped) {
      pfn = this.allocPfn(mask, order, mt);
      if (pfn >= 0) this.markAllocated(pfn, order, mt);
    } else if (this.policy === 'migratetype') pfn = allocMigrateUnmapped(this, mask, order);
    else if (this.policy === 'cache') pfn = unmapped_pages_alloc(this, mask, order);
    else pfn = allocFreetypeUnmapped(this, mask, order, mt);
    if (this.debug) this.assertInvariants('alloc_pages');
    return pfn < 0 ? null : { pfn, order };
  }

  /** @internal */
  refPfn(page: PageRef, what: string): number {
    const pfn = typeof page === 'number' ? page : page?.pfn;
    if (pfn! >= 0 && pfn! < this.nframes && (pfn! | 0) === pfn) return pfn!;
    if (typeof pfn !== 'number' || !Number.isInteger(pfn) || pfn < 0 || pfn >= this.nframes) {
      throw new KernelError('EINVAL', `${what}: no such page (pfn ${String(pfn)})`);
    }
    return pfn;
  }

  /** drain_all_pages(): return every per-cpu page to the buddy lists. */
  drain_all_pages(): void {
    for (const z of this.zones) z.pcp.drain();
  }

  /** __free_pages(page, order): give a block back (order defaults to page.order). */
  __free_pages(page: PageRef, order?: number): void {
    const pfn = this.refPfn(page, '__free_pages');
    const o = order ?? (typeof page === 'number' ? 0 : page.order);
    // An order past MAX_PAGE_ORDER names no block (its state code would alias another state's): Bad page state.
    if (!Number.isInteger(o) || o < 0 || o > MAX_PAGE_ORDER)
      throw new KernelError('EINVAL', `__free_pages: bad order ${String(o)} (0..${MAX_PAGE_ORDER})`);
    const s = this.zone.state(pfn);
    if (s === ST_RESERVED) {
      const what =
        pfn >= this.zone.nframes
          ? 'in the memmap'
          : this.dm.hole?.[pfn]
            ? 'not RAM (an e820 hole)'
            : 'reserved by memblock';
      throw new KernelError('EINVAL', `__free_pages: pfn ${pfn} is ${what} (PageReserved), not the buddy's`);
    }
    if (s === ST_PGTABLE) throw new KernelError('EINVAL', `__free_pages: pfn ${pfn} is a direct-map page table`);
    if (this.vmscan.folios.size && this.vmscan.has(pfn))
      throw new KernelError(
        'EINVAL',
        `__free_pages: pfn ${pfn} is on an LRU list (page cache or anonymous memory; Bad page state)`,
      );
    if (s === ST_CACHE_ALLOC + o && this.cache) {
      // unmapped_pages_free(): back into the cache, still unmapped. (The model routes by the page's origin, not
      // PB_unmapped, so pages the shrinker gave back never re-enter the cache mapped.)
      this.cache.freeOne(pfn, o);
    } else if (s === ST_ALLOC + o || s === ST_ALLOC_MOVABLE + o) {
      if (this.policy === 'migratetype' && this.zone.pbMt[pfn >>> pageblock_order] === this.mt.UNMAPPED) {
        // [RFC22] free_pages_prepare(): pages of an UNMAPPED pageblock are mapped back before they are freed.
        for (let i = 0; i < 1 << o; i++) tryCpa(this.dm, pfn + i, 1, { set: _PAGE_PRESENT | _PAGE_RW, clr: 0 });
      }
      this.freeZonePages(pfn, o);
    } else {
      throw new KernelError(
        'EINVAL',
        `__free_pages: pfn ${pfn} is not the head of an allocated order-${o} block (Bad page state)`,
      );
    }
    if (this.debug) this.assertInvariants('__free_pages');
  }

  /** @internal An order-0 page for an LRU (page cache, anonymous memory): a pfn or -1. */
  allocLruPage(gfp: string): number {
    const mask = parseGfp(gfp);
    const pfn = this.allocPfn(mask, 0, this.gfpMigratetype(mask));
    if (pfn >= 0) this.markAllocated(pfn, 0, this.gfpMigratetype(mask));
    return pfn;
  }

  /** @internal Frees an order-0 page that left its LRU list. */
  freeLruPage(pfn: number): void {
    this.freeZonePages(pfn, 0);
  }

  /** filemap_read(): reads `pages` pages of `file` (from index `start`) through the page cache. Returns pages cached. */
  filemap_read(file: string, pages: number, start = 0): number {
    const n = this.vmscan.filemapRead(file, pages, start);
    if (this.debug) this.assertInvariants('filemap_read');
    return n;
  }

  /** truncate(file, 0): truncate_inode_pages() drops its page cache (ENOENT for a file never read). Returns pages freed. */
  truncate(file: string): number {
    const n = this.vmscan.truncate(file);
    if (this.debug) this.assertInvariants('truncate');
    return n;
  }

  /** Anonymous memory faulted in (no swap: it cannot be reclaimed). Returns pages added. */
  anon_fault(pages: number): number {
    const n = this.vmscan.anonFault(pages);
    if (this.debug) this.assertInvariants('anon_fault');
    return n;
  }

  /** munmap() of the oldest `pages` anonymous pages. Returns pages freed. */
  anon_unmap(pages: number): number {
    const n = this.vmscan.anonUnmap(pages);
    if (this.debug) this.assertInvariants('anon_unmap');
    return n;
  }

  /** echo mode > /proc/sys/vm/drop_caches (1 page cache, 2 slab, 3 both, 4 silence; default 1). Returns page-cache pages freed. */
  drop_caches(mode = 1): number {
    const n = this.vmscan.dropCaches(mode);
    if (this.debug) this.assertInvariants('drop_caches');
    return n;
  }

  /** Lets kswapd run until it sleeps (balanced, or nothing left to reclaim). Returns pages it reclaimed. */
  kswapd_run(): number {
    return this.vmscan.kswapdRun();
  }

  /** @internal Whether __free_pages(pfn, order) would be accepted (for all-or-nothing batches). */
  freeable(pfn: number, order: number): boolean {
    if (
      !Number.isInteger(pfn) ||
      pfn < 0 ||
      pfn >= this.nframes ||
      !Number.isInteger(order) ||
      order < 0 ||
      order > MAX_PAGE_ORDER
    )
      return false;
    if (this.vmscan.has(pfn)) return false;
    const s = this.zone.state(pfn);
    return (
      (s === ST_CACHE_ALLOC + order && this.cache !== null) || s === ST_ALLOC + order || s === ST_ALLOC_MOVABLE + order
    );
  }

  /** The 2023 shrinker's scan_objects(nr_to_scan): maps cache blocks back at 4K and frees them; pages freed. */
  unmapped_alloc_shrink(nr_to_scan: number): number {
    return unmappedAllocShrink(this, nr_to_scan);
  }

  /** The shrinker's count_objects(): Σ nr_free[order] << order. */
  unmapped_alloc_count(): number {
    return this.cache ? this.cache.freePages : 0;
  }

  // ---------------------------------------------------------------- CPA entry points

  /** @internal change_page_attr_set_clr() on direct-map addresses, then cpa_flush() and (for rox) the 2025 collapse. */
  cpaDirect(pfn: number, numpages: number, req: CpaRequest, collapse: boolean): void {
    this.dm.takeChanged();
    try {
      this.dm.change(pfn, numpages, req);
    } finally {
      if (this.dm.takeChanged()) {
        if (numpages > TLB_SINGLE_PAGE_FLUSH_CEILING) this.dm.counters.flush_tlb_all++;
        else this.dm.counters.flush_tlb_kernel_range++;
      }
    }
    if (collapse && this.collapseEnabled) this.dm.collapse(pfn, numpages);
  }

  /** CPA on a vmalloc/execmem area: its own PTEs, and cpa_process_alias() on the direct map (NX left alone). */
  private cpaRegion(r: VmRegion, numpages: number, req: CpaRequest, collapse: boolean): void {
    if (r.freed) throw new KernelError('EINVAL', `set_memory: ${r.addr} was freed`);
    if (numpages > r.nr_pages)
      throw new KernelError('EINVAL', `set_memory: ${numpages} pages beyond the ${r.nr_pages}-page area at ${r.addr}`);
    let changed = false;
    for (let i = 0; i < numpages; i++) {
      const nw = (r.prot[i]! & ~req.clr) | req.set;
      const v = nw & _PAGE_PRESENT ? nw : nw & ~_PAGE_GLOBAL;
      if (v !== r.prot[i]) {
        r.prot[i] = v;
        changed = true;
      }
    }
    const alias: CpaRequest = { set: req.set & ~_PAGE_NX, clr: req.clr & ~_PAGE_NX };
    if (req.forceSplit) alias.forceSplit = true;
    this.dm.takeChanged();
    try {
      for (let i = 0; i < numpages;) {
        let j = i + 1;
        while (j < numpages && r.pages[j] === r.pages[j - 1]! + 1) j++;
        this.dm.change(r.pages[i]!, j - i, alias);
        i = j;
      }
    } finally {
      // Alias processing sets force_flush_all.
      if (this.dm.takeChanged() || changed) this.dm.counters.flush_tlb_all++;
    }
    if (collapse && this.collapseEnabled) for (let i = 0; i < numpages; i++) this.dm.collapse(r.pages[i]!, 1);
  }

  private setMemory(
    target: PageRef | VmRegion,
    numpages: number,
    req: CpaRequest,
    what: string,
    collapse = false,
  ): void {
    if (!Number.isInteger(numpages) || numpages < 0)
      throw new KernelError('EINVAL', `${what}: bad numpages ${numpages}`);
    if (isRegion(target)) this.cpaRegion(target, numpages, req, collapse);
    else {
      const pfn = this.refPfn(target, what);
      this.cpaDirect(pfn, numpages, req, collapse);
    }
    if (this.debug) this.assertInvariants(what);
  }

  /** set_memory_ro(): clear RW and DIRTY. */
  set_memory_ro(target: PageRef | VmRegion, numpages = 1): void {
    this.setMemory(target, numpages, { set: 0, clr: _PAGE_RW | _PAGE_DIRTY }, 'set_memory_ro');
  }
  /** set_memory_rw(): set RW. */
  set_memory_rw(target: PageRef | VmRegion, numpages = 1): void {
    this.setMemory(target, numpages, { set: _PAGE_RW, clr: 0 }, 'set_memory_rw');
  }
  /** set_memory_x(): clear NX. */
  set_memory_x(target: PageRef | VmRegion, numpages = 1): void {
    this.setMemory(target, numpages, { set: 0, clr: _PAGE_NX }, 'set_memory_x');
  }
  /** set_memory_nx(): set NX. */
  set_memory_nx(target: PageRef | VmRegion, numpages = 1): void {
    this.setMemory(target, numpages, { set: _PAGE_NX, clr: 0 }, 'set_memory_nx');
  }
  /** set_memory_np(): clear PRESENT. */
  set_memory_np(target: PageRef | VmRegion, numpages = 1): void {
    this.setMemory(target, numpages, { set: 0, clr: _PAGE_PRESENT }, 'set_memory_np');
  }
  /** set_memory_p(): set PRESENT. */
  set_memory_p(target: PageRef | VmRegion, numpages = 1): void {
    this.setMemory(target, numpages, { set: _PAGE_PRESENT, clr: 0 }, 'set_memory_p');
  }
  /** set_memory_rox(): clear RW, DIRTY and NX; with the 2025 code also CPA_COLLAPSE. */
  set_memory_rox(target: PageRef | VmRegion, numpages = 1): void {
    this.setMemory(target, numpages, { set: 0, clr: _PAGE_RW | _PAGE_DIRTY | _PAGE_NX }, 'set_memory_rox', true);
  }
  /** set_memory_4k(): force 4K PTEs (with the 2025 code also _PAGE_KERNEL_4K). */
  set_memory_4k(target: PageRef | VmRegion, numpages = 1): void {
    this.setMemory(
      target,
      numpages,
      { set: this.collapseEnabled ? _PAGE_KERNEL_4K : 0, clr: 0, forceSplit: true },
      'set_memory_4k',
    );
  }

  /** set_memory_np_noalias(): clear PRESENT on the given mapping only (CPA_NO_CHECK_ALIAS). */
  set_memory_np_noalias(target: PageRef | VmRegion, numpages = 1): void {
    if (isRegion(target)) {
      if (target.freed) throw new KernelError('EINVAL', `set_memory_np_noalias: ${target.addr} was freed`);
      if (!Number.isInteger(numpages) || numpages < 0 || numpages > target.nr_pages)
        throw new KernelError('EINVAL', `set_memory_np_noalias: bad numpages ${numpages}`);
      let changed = false;
      for (let i = 0; i < numpages; i++) {
        const v = target.prot[i]! & ~(_PAGE_PRESENT | _PAGE_GLOBAL);
        if (v !== target.prot[i]) {
          target.prot[i] = v;
          changed = true;
        }
      }
      if (changed) {
        if (numpages > TLB_SINGLE_PAGE_FLUSH_CEILING) this.dm.counters.flush_tlb_all++;
        else this.dm.counters.flush_tlb_kernel_range++;
      }
      return;
    }
    this.setMemory(target, numpages, { set: 0, clr: _PAGE_PRESENT }, 'set_memory_np_noalias');
  }

  /** set_direct_map_valid_noflush(page, nr, valid): the multi-page form (valid: set / clear PRESENT and RW). */
  set_direct_map_valid_noflush(page: PageRef, nr: number, valid: boolean): void {
    const pfn = this.refPfn(page, 'set_direct_map_valid_noflush');
    if (!Number.isInteger(nr) || nr < 0) throw new KernelError('EINVAL', `set_direct_map_valid_noflush: bad nr ${nr}`);
    const rw = _PAGE_PRESENT | _PAGE_RW;
    this.dm.change(pfn, nr, valid ? { set: rw, clr: 0 } : { set: 0, clr: rw });
    this.dm.takeChanged();
    if (this.debug) this.assertInvariants('set_direct_map_valid_noflush');
  }

  /** set_direct_map_invalid_noflush(page): clear PRESENT and RW on the direct map, no alias, no flush. */
  set_direct_map_invalid_noflush(page: PageRef): void {
    const pfn = this.refPfn(page, 'set_direct_map_invalid_noflush');
    this.dm.change(pfn, 1, { set: 0, clr: _PAGE_PRESENT | _PAGE_RW });
    this.dm.takeChanged();
    if (this.debug) this.assertInvariants('set_direct_map_invalid_noflush');
  }

  /** set_direct_map_default_noflush(page): set PRESENT and RW (_PAGE_GLOBAL stays cleared), no flush. */
  set_direct_map_default_noflush(page: PageRef): void {
    const pfn = this.refPfn(page, 'set_direct_map_default_noflush');
    this.dm.change(pfn, 1, { set: _PAGE_PRESENT | _PAGE_RW, clr: 0 });
    this.dm.takeChanged();
    if (this.debug) this.assertInvariants('set_direct_map_default_noflush');
  }

  /** flush_tlb_kernel_range(): counted. */
  flush_tlb_kernel_range(): void {
    this.dm.counters.flush_tlb_kernel_range++;
  }

  /** lookup_address() of a page's direct-map address. */
  lookup_address(page: PageRef): { level: LevelName; present: boolean; rw: boolean; nx: boolean; global: boolean } {
    const pfn = this.refPfn(page, 'lookup_address');
    const { level, prot } = this.dm.lookup(pfn);
    return {
      level: level === PG_LEVEL_1G ? '1G' : level === PG_LEVEL_2M ? '2M' : '4K',
      present: (prot & _PAGE_PRESENT) !== 0,
      rw: (prot & _PAGE_RW) !== 0,
      nx: (prot & _PAGE_NX) !== 0,
      global: (prot & _PAGE_GLOBAL) !== 0,
    };
  }

  /** page_address(): the direct-map virtual address of a page, hex (PAGE_OFFSET 0xffff888000000000, no KASLR). */
  page_address(page: PageRef): string {
    const pfn = this.refPfn(page, 'page_address');
    return '0x' + (0xffff888000000000n + (BigInt(pfn) << BigInt(PAGE_SHIFT))).toString(16);
  }

  // ---------------------------------------------------------------- vmalloc / execmem / secretmem

  /** vmalloc(size, { flags: ['VM_FLUSH_RESET_PERMS'] }): order-0 GFP_KERNEL pages mapped in the vmalloc range. */
  vmalloc(size: number | string, opts: { flags?: string[]; gfp?: string } = {}): VmRegion | null {
    return vmalloc(this, size, opts);
  }

  /** vfree(); with VM_FLUSH_RESET_PERMS, vm_reset_perms() first. */
  vfree(r: VmRegion): void {
    vfree(this, r);
  }

  /** execmem_alloc(size): module / BPF JIT text, ROX (classic, or from the ROX cache). */
  execmem_alloc(size: number | string): VmRegion | null {
    return execmem_alloc(this, size);
  }

  /** execmem_free(): back to the ROX cache, or vfree() of the text area. */
  execmem_free(r: VmRegion): void {
    execmem_free(this, r);
  }

  /** memfd_secret(2): a file whose pages leave the direct map while they exist. */
  memfd_secret(): SecretFile {
    const f = new SecretFile(this);
    this.secretFiles.add(f);
    return f;
  }

  /** Bytes of typed-array state the engine holds (frames, pageblocks, page tables, caches). */
  footprintBytes(): number {
    const z = this.zone;
    const d = this.dm;
    let n = z.frames.byteLength + z.pbMt.byteLength + z.pbFlags.byteLength + z.pbFree.byteLength;
    n += z.heads.byteLength + z.tails.byteLength + z.nrFree.byteLength + z.pcp.byteLength();
    n += d.pudKind.byteLength + d.pudProt.byteLength + d.pudTable.byteLength;
    n +=
      d.pmdKind.byteLength +
      d.pmdProt.byteLength +
      d.pmdTable.byteLength +
      d.pteNotPresent.byteLength +
      d.pte.length * 8;
    for (const t of d.pte) if (t) n += t.byteLength;
    if (this.cache) n += this.cache.byteLength();
    return n;
  }

  // ---------------------------------------------------------------- checker

  /** Throws when an invariant does not hold (see invariants.ts). */
  assertInvariants(where: string): void {
    const errs = this.checkInvariants();
    if (errs.length) throw new Error(`mm invariants broken after ${where}:\n  ${errs.slice(0, 10).join('\n  ')}`);
  }

  /** The invariant checker's findings (invariants.ts, kept apart so the hot paths stay small). */
  checkInvariants(): string[] {
    return checkInvariants(this);
  }
}
