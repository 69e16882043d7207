/**
 * Kernel Lab memory engine (issues 3, 18). Where the model departs from Linux (each also noted where it happens):
 * - one node; zones DMA (< 16M), DMA32 (< 4G) and Normal as x86-64's zone_sizes_init() lays them out, Movable and
 *   Device empty; the clean boot (default) has no holes, its only reserved memory is the memmap (1/64, at the top),
 *   and the kernel image and boot page tables lie outside it; a machine profile (machine.ts) adds e820 holes, the
 *   reserved first megabyte and a kernel image that mark_rodata_ro() maps as 6.18 does;
 * - watermarks, lowmem_reserve and min_free_kbytes as 6.18 computes them (watermarks.ts); the allocator's fast path,
 *   slow path, kswapd and direct reclaim of clean page cache (vmscan.ts); no swap, no slab shrinkers, no OOM killer
 *   (a request the kernel would OOM-kill for fails); no page contents: __GFP_ZERO and secretmem zeroing are bookkeeping;
 * - one CPU's per-cpu lists, high fixed at high_min (low watermark / cpus); the slow path's drain_all_pages() is kept;
 * - ALLOC_NOFRAGMENT is applied as for ZONE_NORMAL above a populated DMA32 (whole-pageblock fallback first);
 * - the __GFP_UNMAPPED policies follow their patch series (unmapped_alloc.ts: rppt/linux's mm/unmapped-alloc.c;
 *   migrate_unmapped.ts); their unverified details are marked where modelled.
 */
import { Mm } from './mm';
import type { MmOptions } from './mm';
import type { VmRegion } from './mm_types';
import { extfragIndex, meminfo, pagetypeinfo, procfs, unusableIndex, vmstat } from './procfs';
import { mixedPageblocks, snapshot } from './snapshot';
import type { MmSnapshot } from './snapshot';
import { Tlb } from './tlb';
import type { TlbConfig } from './tlb';
import { BackgroundNoise, secretmemTrials } from './secretmem_trials';
import type { NoiseOptions, SecretmemTrial } from './secretmem_trials';
import { Churn, bpfLoadUnload, execmemChurn, moduleLoadUnload, secretmemChurn } from './workload';
import type {
  BpfLoadUnloadOptions,
  ChurnOptions,
  ExecmemChurnOptions,
  ModuleLoadUnloadOptions,
  SecretmemChurnOptions,
} from './workload';

export type { MmOptions, LevelName } from './mm';
export type { Page, PageRef, VmRegion } from './mm_types';
export { SecretFile } from './secretmem';
export type { MmSnapshot } from './snapshot';
export type { AccessPattern, TlbResult, TlbConfig } from './tlb';
export type { Policy } from './mmzone';
export { parseGfp } from './gfp';
// What the sandbox, the BPF pageblock iterator and the oracle's tests use: outside the engine, everything comes from here.
export { FRAME_KIND, frameCode, frameRuns } from './frames';
export { MAX_FRAMES, MAX_PAGE_ORDER, NR_PAGE_ORDERS, ZONE_NAMES, pageblock_nr_pages, pageblock_order } from './mmzone';
export { PB_UNMAPPED, ST_FREE } from './page_alloc';
export { Tlb } from './tlb';
export { bootMinFreeKbytes, zoneWatermarks } from './watermarks';
export { Churn } from './workload';
export { BackgroundNoise, secretmemTrials } from './secretmem_trials';
export type { NoiseOptions, SecretmemTrial } from './secretmem_trials';
export { MAX_LFS_PGOFF } from './vmscan';
export { MACHINE_PROFILES, bootLayout, profileFromIomem } from './machine';
export type { MachineProfile } from './machine';

/**
 * The memory engine as scripts see it (k.mm): the page allocator, the direct map, set_memory_*, vmalloc,
 * execmem, memfd_secret, /proc text, a TLB model, snapshots and seeded workloads.
 */
export class MmEngine extends Mm {
  /** /proc/meminfo as an object (kB; HugePages_* are counts). */
  meminfo(): Record<string, number> {
    return meminfo(this);
  }

  /** /proc/zoneinfo as objects: each zone's span, managed pages, free pages, watermarks and protection. */
  zoneinfo(): {
    zone: string;
    start_pfn: number;
    spanned: number;
    present: number;
    managed: number;
    free: number;
    min: number;
    low: number;
    high: number;
    promo: number;
    protection: number[];
  }[] {
    return this.zones.map((z) => ({
      zone: z.name,
      start_pfn: z.zone_start_pfn,
      spanned: z.spanned_pages,
      present: z.present_pages,
      managed: z.managed_pages,
      free: z.freePages,
      min: z._watermark[0]!,
      low: z._watermark[1]!,
      high: z._watermark[2]!,
      promo: z._watermark[3]!,
      protection: [...z.lowmem_reserve],
    }));
  }

  /** /proc/vmstat as an object (the lines the model keeps). */
  vmstat(): Record<string, number> {
    return vmstat(this);
  }

  /** /proc/pagetypeinfo as an object. */
  pagetypeinfo(): ReturnType<typeof pagetypeinfo> {
    return pagetypeinfo(this);
  }

  /** /proc/buddyinfo's counts per order. */
  buddyinfo(): number[] {
    return this.zone.freeCounts();
  }

  /** /proc/<name> (meminfo, buddyinfo, pagetypeinfo, vmstat, zoneinfo) or debugfs (unmapped_alloc, cpa_stats, extfrag_index, unusable_index) text. */
  procfs(name: string): string {
    return procfs(this, name);
  }

  /** TLB flushes and page-table pages: flush_tlb_all() and ranged flushes counted, DM tables in use. */
  stats(): {
    flush_tlb_all: number;
    flush_tlb_kernel_range: number;
    page_table_pages: number;
    cpa_stats: Record<string, number>;
  } {
    return {
      flush_tlb_all: this.dm.counters.flush_tlb_all,
      flush_tlb_kernel_range: this.dm.counters.flush_tlb_kernel_range,
      page_table_pages: this.dm.tablePages.size,
      cpa_stats: { ...this.dm.cpaStats },
    };
  }

  /** A TLB model over the direct map (Skylake-like by default). */
  tlb(opts: { cpu?: string | TlbConfig; seed?: number } = {}): Tlb {
    return new Tlb(this.dm, opts.cpu ?? 'skylake', opts.seed ?? this.seed);
  }

  /** Fragmentation metrics: mixed pageblocks, and extfrag / unusable indexes per order (×1000). */
  fragmentation(): { mixed_pageblocks: number; extfrag_index: number[]; unusable_index: number[] } {
    return {
      mixed_pageblocks: mixedPageblocks(this),
      extfrag_index: extfragIndex(this),
      unusable_index: unusableIndex(this),
    };
  }

  /** Per-pageblock typed arrays for the memory-map panel. */
  snapshot(): MmSnapshot {
    return snapshot(this);
  }

  /** Lab-only seeded workloads. */
  readonly workloads = {
    /** Background churn of `gfp` blocks (GFP_KERNEL by default); run(ops), release(). */
    churn: (opts: ChurnOptions = {}): Churn => new Churn(this, opts),
    secretmemChurn: (opts: SecretmemChurnOptions = {}) => secretmemChurn(this, opts),
    execmemChurn: (opts: ExecmemChurnOptions = {}) => execmemChurn(this, opts),
    bpfLoadUnload: (opts: BpfLoadUnloadOptions = {}) => bpfLoadUnload(this, opts),
    moduleLoadUnload: (opts: ModuleLoadUnloadOptions = {}) => moduleLoadUnload(this, opts),
    /**
     * memfd_secret trials as processes run them: each opens a `pages`-page secret file, faults it and closes it.
     * `noise` turns on the rest of the system's seeded unmovable allocations and frees between trials (true for
     * the defaults; one noise per machine, kept across calls), without which each trial reuses the last one's pages.
     */
    secretmemTrials: (
      opts: { pages?: number; trials?: number; noise?: boolean | NoiseOptions } = {},
    ): SecretmemTrial[] => {
      const noise = opts.noise
        ? (this.noise ??= new BackgroundNoise(this, opts.noise === true ? {} : opts.noise))
        : undefined;
      return secretmemTrials(this, { pages: opts.pages, trials: opts.trials, noise });
    },
  };
  /** The background noise secretmemTrials turned on. */
  private noise: BackgroundNoise | undefined;
}

/** Options as boot() takes them: the flat MmOptions, or boot's shape with `mm: { policy, collapse, execmem }`. */
export type CreateMmOptions = MmOptions & {
  mm?: Pick<MmOptions, 'policy' | 'collapse' | 'execmem' | 'debug' | 'literal_np'>;
};

/** boot({ memory, gbpages, mm: { policy, collapse }, seed }) for the memory engine. */
export function createMm(opts: CreateMmOptions = {}): MmEngine {
  const { mm, ...rest } = opts;
  return new MmEngine({ ...rest, ...(mm ?? {}) });
}

/** Type guard for vmalloc/execmem areas passed where a page is also accepted. */
export function isVmRegion(x: unknown): x is VmRegion {
  return typeof x === 'object' && x !== null && 'pages' in x && 'addr' in x;
}
