import { KernelError } from '../common/errors';
import { MAX_PAGE_ORDER, WMARK_LOW, pageblock_nr_pages, pageblock_order } from './mmzone';
import type { MigrateTypes, Policy } from './mmzone';
import { PB_UNMAPPED } from './page_alloc';
import type { Zone } from './page_alloc';
import type { DirectMap } from './set_memory';
import type { UnmappedCache } from './unmapped_alloc';
import { LRU_ACTIVE_ANON, LRU_ACTIVE_FILE, LRU_INACTIVE_ANON, LRU_INACTIVE_FILE } from './vmscan';
import type { Vmscan } from './vmscan';
import { calculate_normal_threshold } from './watermarks';

/** The compact_* and pgmigrate_* vm events. */
export interface CompactEvents {
  compact_migrate_scanned: number;
  compact_free_scanned: number;
  compact_isolated: number;
  compact_stall: number;
  compact_fail: number;
  compact_success: number;
  pgmigrate_success: number;
  pgmigrate_fail: number;
}

/** What the /proc files read of the machine (Mm implements it). */
export interface ProcfsMm {
  readonly mt: MigrateTypes;
  readonly policy: Policy;
  readonly zone: Zone;
  readonly zones: Zone[];
  readonly managed_pages: number;
  readonly totalreserve_pages: number;
  readonly dm: DirectMap;
  readonly vmscan: Vmscan;
  readonly cache: UnmappedCache | null;
  readonly compactEvents: CompactEvents;
  readonly secretPages: number;
  readonly vmallocPages: number;
  nrFreePages(): number;
}

const pad = (s: string | number, w: number): string => String(s).padStart(w);
const padEnd = (s: string, w: number): string => s.padEnd(w);

/** si_mem_available() (mm/show_mem.c): free less totalreserve, plus the page cache and reclaimable slab beyond what must stay. */
export function si_mem_available(mm: ProcfsMm): number {
  let wmarkLow = 0;
  for (const z of mm.zones) wmarkLow += z._watermark[WMARK_LOW]!;
  let available = mm.nrFreePages() - mm.totalreserve_pages;
  let pagecache = mm.vmscan.nr(LRU_ACTIVE_FILE) + mm.vmscan.nr(LRU_INACTIVE_FILE);
  pagecache -= Math.min(Math.floor(pagecache / 2), wmarkLow);
  available += pagecache;
  // NR_SLAB_RECLAIMABLE_B and NR_KERNEL_MISC_RECLAIMABLE: the model has no reclaimable slab (0).
  return Math.max(available, 0);
}

/** The /proc/meminfo lines of this machine's kernel (6.18, x86-64), in order; the model fills what it tracks. */
export function meminfo(mm: ProcfsMm): Record<string, number> {
  const free = mm.nrFreePages() * 4;
  const dmkb = mm.dm.directMapKb();
  const total = mm.managed_pages * 4; // totalram_pages(): the memmap is reserved
  const v = mm.vmscan;
  const ia = v.nr(LRU_INACTIVE_ANON) * 4;
  const aa = v.nr(LRU_ACTIVE_ANON) * 4;
  const iff = v.nr(LRU_INACTIVE_FILE) * 4;
  const af = v.nr(LRU_ACTIVE_FILE) * 4;
  return {
    MemTotal: total,
    MemFree: free,
    MemAvailable: si_mem_available(mm) * 4,
    Buffers: 0,
    Cached: iff + af,
    SwapCached: 0,
    Active: aa + af,
    Inactive: ia + iff,
    'Active(anon)': aa,
    'Inactive(anon)': ia,
    'Active(file)': af,
    'Inactive(file)': iff,
    Unevictable: mm.secretPages * 4,
    Mlocked: mm.secretPages * 4,
    SwapTotal: 0,
    SwapFree: 0,
    Zswap: 0,
    Zswapped: 0,
    Dirty: 0,
    Writeback: 0,
    AnonPages: ia + aa,
    Mapped: 0,
    Shmem: 0,
    KReclaimable: 0,
    Slab: 0,
    SReclaimable: 0,
    SUnreclaim: 0,
    KernelStack: 0,
    PageTables: 0,
    SecPageTables: 0,
    NFS_Unstable: 0,
    Bounce: 0,
    WritebackTmp: 0,
    CommitLimit: Math.floor(total / 2),
    Committed_AS: 0,
    VmallocTotal: 34359738367,
    VmallocUsed: mm.vmallocPages * 4,
    VmallocChunk: 0,
    Percpu: 0,
    AnonHugePages: 0,
    ShmemHugePages: 0,
    ShmemPmdMapped: 0,
    FileHugePages: 0,
    FilePmdMapped: 0,
    Balloon: 0,
    HugePages_Total: 0,
    HugePages_Free: 0,
    HugePages_Rsvd: 0,
    HugePages_Surp: 0,
    Hugepagesize: 2048,
    Hugetlb: 0,
    DirectMap4k: dmkb.DirectMap4k,
    DirectMap2M: dmkb.DirectMap2M,
    ...(mm.dm.gbpages ? { DirectMap1G: dmkb.DirectMap1G } : {}),
  };
}

const NO_KB = new Set(['HugePages_Total', 'HugePages_Free', 'HugePages_Rsvd', 'HugePages_Surp']);

/** meminfo_proc_show(): label with its colon padded to 16, value width 8, " kB". */
export function meminfoText(mm: ProcfsMm): string {
  let out = '';
  for (const [k, v] of Object.entries(meminfo(mm))) {
    out += padEnd(k + ':', 16) + pad(v, 8) + (NO_KB.has(k) ? '' : ' kB') + '\n';
  }
  return out;
}

/**
 * vmstat_text[] of this machine's 6.18 kernel (x86-64, CONFIG_NUMA, no CMA/MGLRU/swap-specific extras), in order:
 * /proc/vmstat prints the model's lines in this order.
 */
export const VMSTAT_ORDER: readonly string[] = (
  'nr_free_pages nr_free_pages_blocks nr_zone_inactive_anon nr_zone_active_anon nr_zone_inactive_file nr_zone_active_file ' +
  'nr_zone_unevictable nr_zone_write_pending nr_mlock nr_zspages nr_free_cma numa_hit numa_miss numa_foreign numa_interleave ' +
  'numa_local numa_other nr_inactive_anon nr_active_anon nr_inactive_file nr_active_file nr_unevictable nr_slab_reclaimable ' +
  'nr_slab_unreclaimable nr_isolated_anon nr_isolated_file workingset_nodes workingset_refault_anon workingset_refault_file ' +
  'workingset_activate_anon workingset_activate_file workingset_restore_anon workingset_restore_file workingset_nodereclaim ' +
  'nr_anon_pages nr_mapped nr_file_pages nr_dirty nr_writeback nr_shmem nr_shmem_hugepages nr_shmem_pmdmapped nr_file_hugepages ' +
  'nr_file_pmdmapped nr_anon_transparent_hugepages nr_vmscan_write nr_vmscan_immediate_reclaim nr_dirtied nr_written ' +
  'nr_throttled_written nr_kernel_misc_reclaimable nr_foll_pin_acquired nr_foll_pin_released nr_kernel_stack nr_page_table_pages ' +
  'nr_sec_page_table_pages nr_iommu_pages nr_swapcached pgpromote_success pgpromote_candidate pgpromote_candidate_nrl ' +
  'pgdemote_kswapd pgdemote_direct pgdemote_khugepaged pgdemote_proactive nr_hugetlb nr_balloon_pages nr_kernel_file_pages ' +
  'nr_dirty_threshold nr_dirty_background_threshold nr_memmap_pages nr_memmap_boot_pages pgpgin pgpgout pswpin pswpout ' +
  'pgalloc_dma pgalloc_dma32 pgalloc_normal pgalloc_movable pgalloc_device allocstall_dma allocstall_dma32 allocstall_normal ' +
  'allocstall_movable allocstall_device pgskip_dma pgskip_dma32 pgskip_normal pgskip_movable pgskip_device pgfree pgactivate ' +
  'pgdeactivate pglazyfree pgfault pgmajfault pglazyfreed pgrefill pgreuse pgsteal_kswapd pgsteal_direct pgsteal_khugepaged ' +
  'pgsteal_proactive pgscan_kswapd pgscan_direct pgscan_khugepaged pgscan_proactive pgscan_direct_throttle pgscan_anon ' +
  'pgscan_file pgsteal_anon pgsteal_file zone_reclaim_success zone_reclaim_failed pginodesteal slabs_scanned kswapd_inodesteal ' +
  'kswapd_low_wmark_hit_quickly kswapd_high_wmark_hit_quickly pageoutrun pgrotated drop_pagecache drop_slab oom_kill ' +
  'numa_pte_updates numa_huge_pte_updates numa_hint_faults numa_hint_faults_local numa_pages_migrated pgmigrate_success ' +
  'pgmigrate_fail thp_migration_success thp_migration_fail thp_migration_split compact_migrate_scanned compact_free_scanned ' +
  'compact_isolated compact_stall compact_fail compact_success compact_daemon_wake compact_daemon_migrate_scanned ' +
  'compact_daemon_free_scanned htlb_buddy_alloc_success htlb_buddy_alloc_fail unevictable_pgs_culled unevictable_pgs_scanned ' +
  'unevictable_pgs_rescued unevictable_pgs_mlocked unevictable_pgs_munlocked unevictable_pgs_cleared unevictable_pgs_stranded ' +
  'thp_fault_alloc thp_fault_fallback thp_fault_fallback_charge thp_collapse_alloc thp_collapse_alloc_failed thp_file_alloc ' +
  'thp_file_fallback thp_file_fallback_charge thp_file_mapped thp_split_page thp_split_page_failed thp_deferred_split_page ' +
  'thp_underused_split_page thp_split_pmd thp_scan_exceed_none_pte thp_scan_exceed_swap_pte thp_scan_exceed_share_pte ' +
  'thp_split_pud thp_zero_page_alloc thp_zero_page_alloc_failed thp_swpout thp_swpout_fallback balloon_inflate balloon_deflate ' +
  'balloon_migrate swap_ra swap_ra_hit swpin_zero swpout_zero ksm_swpin_copy cow_ksm zswpin zswpout zswpwb ' +
  'direct_map_level2_splits direct_map_level3_splits direct_map_level2_collapses direct_map_level3_collapses nr_unstable'
).split(' ');

const ZONE_SUFFIX = ['dma', 'dma32', 'normal', 'movable', 'device'];

/** The /proc/vmstat lines the model computes, in the kernel's vmstat_text order (node-wide sums of the zone items). */
export function vmstat(mm: ProcfsMm): Record<string, number> {
  const c = mm.dm.counters;
  const v = mm.vmscan;
  const e = v.events;
  const sum = (f: (z: Zone) => number): number => mm.zones.reduce((n, z) => n + f(z), 0);
  const got: Record<string, number> = {
    nr_free_pages: mm.nrFreePages(),
    nr_free_pages_blocks: sum((z) => z.freeBlockPages),
    nr_zone_inactive_anon: v.nr(LRU_INACTIVE_ANON),
    nr_zone_active_anon: v.nr(LRU_ACTIVE_ANON),
    nr_zone_inactive_file: v.nr(LRU_INACTIVE_FILE),
    nr_zone_active_file: v.nr(LRU_ACTIVE_FILE),
    numa_hit: sum((z) => z.events.numa_hit),
    numa_local: sum((z) => z.events.numa_hit),
    nr_inactive_anon: v.nr(LRU_INACTIVE_ANON),
    nr_active_anon: v.nr(LRU_ACTIVE_ANON),
    nr_inactive_file: v.nr(LRU_INACTIVE_FILE),
    nr_active_file: v.nr(LRU_ACTIVE_FILE),
    nr_anon_pages: v.nr(LRU_INACTIVE_ANON) + v.nr(LRU_ACTIVE_ANON),
    nr_file_pages: v.nr(LRU_INACTIVE_FILE) + v.nr(LRU_ACTIVE_FILE),
    pgfree: sum((z) => z.events.pgfree),
    pgactivate: e.pgactivate,
    pgdeactivate: e.pgdeactivate,
    pgrefill: e.pgrefill,
    pgsteal_kswapd: e.pgsteal_kswapd,
    pgsteal_direct: e.pgsteal_direct,
    pgscan_kswapd: e.pgscan_kswapd,
    pgscan_direct: e.pgscan_direct,
    pgscan_anon: e.pgscan_anon,
    pgscan_file: e.pgscan_file,
    pgsteal_anon: e.pgsteal_anon,
    pgsteal_file: e.pgsteal_file,
    pageoutrun: e.pageoutrun,
    drop_pagecache: e.drop_pagecache,
    drop_slab: e.drop_slab,
    ...mm.compactEvents,
    direct_map_level2_splits: c.direct_map_level2_splits,
    direct_map_level3_splits: c.direct_map_level3_splits,
    direct_map_level2_collapses: c.direct_map_level2_collapses,
    direct_map_level3_collapses: c.direct_map_level3_collapses,
  };
  mm.zones.forEach((z, i) => {
    got['pgalloc_' + ZONE_SUFFIX[i]!] = z.events.pgalloc;
    got['allocstall_' + ZONE_SUFFIX[i]!] = z.events.allocstall;
    got['pgskip_' + ZONE_SUFFIX[i]!] = e.pgskip[i]!;
  });
  const out: Record<string, number> = {};
  for (const name of VMSTAT_ORDER) if (name in got) out[name] = got[name]!;
  return out;
}

export function vmstatText(mm: ProcfsMm): string {
  return Object.entries(vmstat(mm))
    .map(([k, v]) => `${k} ${v}\n`)
    .join('');
}

/** The zones /proc/buddyinfo, pagetypeinfo and the extfrag files walk (populated ones). */
function populated(mm: ProcfsMm): Zone[] {
  return mm.zones.filter((z) => z.populated);
}

/** frag_show_print(): "Node %d, zone %8s " then "%6lu " per order, for each populated zone. */
export function buddyinfoText(mm: ProcfsMm): string {
  return populated(mm)
    .map(
      (z) =>
        `Node 0, zone ${pad(z.name, 8)} ` +
        z
          .freeCounts()
          .map((c) => pad(c, 6) + ' ')
          .join('') +
        '\n',
    )
    .join('');
}

/** Names of the free-list types as pagetypeinfo prints them (the 2026 unmapped freetype as "Unmapped": UNVERIFIED). */
function listNames(mm: ProcfsMm): string[] {
  const names = [...mm.mt.names];
  if (mm.zone.unmappedList >= 0) names.push('Unmapped');
  return names;
}

/** One zone's pagetypeinfo: free blocks per [type][order] and pageblocks per type. */
function zonePagetypeinfo(mm: ProcfsMm, z: Zone): { free: Record<string, number[]>; blocks: Record<string, number> } {
  const names = listNames(mm);
  const free: Record<string, number[]> = {};
  names.forEach((name, lt) => {
    const row: number[] = [];
    for (let o = 0; o <= MAX_PAGE_ORDER; o++) row.push(z.nrFree[o * z.nlists + lt]!);
    free[name] = row;
  });
  const blocks: Record<string, number> = {};
  for (const name of mm.mt.names) blocks[name] = 0;
  const end = z.zone_start_pfn + z.spanned_pages;
  for (let b = z.zone_start_pfn >>> pageblock_order; b < z.nblocks; b++) {
    if ((b + 1) << pageblock_order > end) break; // whole blocks of the zone only
    blocks[mm.mt.names[z.pbMt[b]!]!]!++;
  }
  return { free, blocks };
}

/** Structured /proc/pagetypeinfo: free blocks per [type][order] and pageblocks per type, summed over zones, and per zone. */
export function pagetypeinfo(mm: ProcfsMm): {
  free: Record<string, number[]>;
  blocks: Record<string, number>;
  zones: { zone: string; free: Record<string, number[]>; blocks: Record<string, number> }[];
} {
  const zones = populated(mm).map((z) => ({ zone: z.name, ...zonePagetypeinfo(mm, z) }));
  const free: Record<string, number[]> = {};
  const blocks: Record<string, number> = {};
  for (const name of listNames(mm)) free[name] = new Array<number>(MAX_PAGE_ORDER + 1).fill(0);
  for (const name of mm.mt.names) blocks[name] = 0;
  for (const zi of zones) {
    for (const [name, row] of Object.entries(zi.free)) row.forEach((c, o) => (free[name]![o]! += c));
    for (const [name, n] of Object.entries(zi.blocks)) blocks[name]! += n;
  }
  return { free, blocks, zones };
}

/** pagetypeinfo_show(): header, free counts per zone and type (capped at 100000 with '>'), block counts per zone. */
export function pagetypeinfoText(mm: ProcfsMm): string {
  const { zones } = pagetypeinfo(mm);
  let out = `Page block order: ${pageblock_order}\nPages per block:  ${pageblock_nr_pages}\n\n`;
  out += padEnd('Free pages count per migrate type at order', 43) + ' ';
  for (let o = 0; o <= MAX_PAGE_ORDER; o++) out += pad(o, 6) + ' ';
  out += '\n';
  for (const zi of zones) {
    for (const [name, row] of Object.entries(zi.free)) {
      out += `Node ${pad(0, 4)}, zone ${pad(zi.zone, 8)}, type ${pad(name, 12)} `;
      for (const c of row) out += c >= 100000 ? '>' + pad(100000, 6) + ' ' : pad(c, 6) + ' ';
      out += '\n';
    }
  }
  out += '\n' + padEnd('Number of blocks type ', 23);
  for (const name of mm.mt.names) out += pad(name, 12) + ' ';
  out += '\n';
  for (const zi of zones) {
    out += `Node 0, zone ${pad(zi.zone, 8)} `;
    for (const name of mm.mt.names) out += pad(zi.blocks[name]!, 12) + ' ';
    out += '\n';
  }
  return out;
}

/** debugfs unmapped_alloc (rppt/linux mm/unmapped-alloc.c): MAX_ORDER, then "Order:" / "Pages:" rows. */
export function unmappedAllocText(mm: ProcfsMm): string {
  if (!mm.cache) throw new KernelError('ENOENT', "unmapped_alloc: no such file (boot with mm.policy 'cache')");
  let out = `MAX_ORDER: ${MAX_PAGE_ORDER + 1}\n\n`;
  out += padEnd('Order:', 8);
  for (let o = 0; o <= MAX_PAGE_ORDER; o++) out += pad(o, 5) + ' ';
  out += '\n' + padEnd('Pages:', 8);
  for (let o = 0; o <= MAX_PAGE_ORDER; o++) out += pad(mm.cache.nr_free[o]!, 5) + ' ';
  return out + '\n';
}

/** debugfs x86/cpa_stats (CONFIG_X86_CPA_STATISTICS): cpastats_show()'s "%-22s%16lu" rows. */
export function cpaStatsText(mm: ProcfsMm): string {
  const s = mm.dm.cpaStats;
  const rows: [string, number][] = [
    ['1G pages checked:', s['1G checked']],
    ['1G pages sameprot:', s['1G sameprot']],
    ['1G pages preserved:', s['1G preserved']],
    ['2M pages checked:', s['2M checked']],
    ['2M pages sameprot:', s['2M sameprot']],
    ['2M pages preserved:', s['2M preserved']],
    ['4K pages set-checked:', s['4K set-checked']],
  ];
  return rows.map(([k, v]) => `${padEnd(k, 21)} ${pad(v, 16)}\n`).join('');
}

/** fill_contig_page_info() for a suitable order: free blocks, free pages, and suitable blocks of that order. */
function contigInfo(z: Zone, suitable: number): { total: number; pages: number; suitable: number } {
  const counts = z.freeCounts();
  let total = 0;
  let pages = 0;
  let suit = 0;
  counts.forEach((blocks, order) => {
    total += blocks;
    pages += blocks * 2 ** order;
    if (order >= suitable) suit += blocks * 2 ** (order - suitable);
  });
  return { total, pages, suitable: suit };
}

/** __fragmentation_index() per order, ×1000: -1000 when a block is available, else 0 (no memory) … 1000 (fragmented). */
export function extfragIndex(mm: Pick<ProcfsMm, 'zone'>, z: Zone = mm.zone): number[] {
  const out: number[] = [];
  for (let order = 0; order <= MAX_PAGE_ORDER; order++) {
    const info = contigInfo(z, order);
    if (!info.total) out.push(0);
    else if (info.suitable) out.push(-1000);
    else out.push(1000 - Math.floor((1000 + Math.floor((info.pages * 1000) / 2 ** order)) / info.total));
  }
  return out;
}

/** unusable_free_index() per order, ×1000: the share of free memory in blocks too small for the order. */
export function unusableIndex(mm: Pick<ProcfsMm, 'zone'>, z: Zone = mm.zone): number[] {
  const out: number[] = [];
  for (let order = 0; order <= MAX_PAGE_ORDER; order++) {
    const info = contigInfo(z, order);
    out.push(info.pages ? Math.floor(((info.pages - info.suitable * 2 ** order) * 1000) / info.pages) : 0);
  }
  return out;
}

/** debugfs extfrag/extfrag_index ("%2d.%03d ") and extfrag/unusable_index ("%d.%03d "). */
function indexText(mm: ProcfsMm, f: (mm: ProcfsMm, z: Zone) => number[], width2: boolean): string {
  const cell = (v: number): string => {
    const whole = Math.trunc(v / 1000);
    const frac = Math.abs(v % 1000);
    return (width2 ? pad(whole, 2) : String(whole)) + '.' + String(frac).padStart(3, '0') + ' ';
  };
  return populated(mm)
    .map((z) => `Node 0, zone ${pad(z.name, 8)} ` + f(mm, z).map(cell).join('') + '\n')
    .join('');
}

/** zoneinfo's "%-12s %lu" item line. */
const item = (name: string, v: number): string => `\n      ${padEnd(name, 12)} ${v}`;

/**
 * /proc/zoneinfo (zoneinfo_show_print(), mm/vmstat.c): every zone of the node, populated or not; the per-node stats
 * under the first populated zone (the lines the model computes, in node_stat_name order); watermarks, spans and
 * protection; the zone items, numa events, pagesets per CPU (the model's one CPU's lists, shown for each CPU) and
 * start_pfn.
 */
export function zoneinfoText(mm: ProcfsMm): string {
  const v = mm.vmscan;
  const cpus = mm.zone.pcp.cpus;
  const first = mm.zones.find((z) => z.populated);
  let out = '';
  for (const z of mm.zones) {
    out += `Node 0, zone ${pad(z.name, 8)}`;
    if (z === first) {
      out += '\n  per-node stats';
      const node: [string, number][] = [
        ['nr_inactive_anon', v.nr(LRU_INACTIVE_ANON)],
        ['nr_active_anon', v.nr(LRU_ACTIVE_ANON)],
        ['nr_inactive_file', v.nr(LRU_INACTIVE_FILE)],
        ['nr_active_file', v.nr(LRU_ACTIVE_FILE)],
        ['nr_anon_pages', v.nr(LRU_INACTIVE_ANON) + v.nr(LRU_ACTIVE_ANON)],
        ['nr_file_pages', v.nr(LRU_INACTIVE_FILE) + v.nr(LRU_ACTIVE_FILE)],
      ];
      for (const [k, n] of node) out += item(k, n);
    }
    out += `\n  pages free     ${z.freePages}`;
    out += `\n        boost    ${z.watermark_boost}`;
    out += `\n        min      ${z._watermark[0]}`;
    out += `\n        low      ${z._watermark[1]}`;
    out += `\n        high     ${z._watermark[2]}`;
    out += `\n        promo    ${z._watermark[3]}`;
    out += `\n        spanned  ${z.spanned_pages}`;
    out += `\n        present  ${z.present_pages}`;
    out += `\n        managed  ${z.managed_pages}`;
    out += `\n        cma      0`;
    out += `\n        protection: (${z.lowmem_reserve.join(', ')})`;
    if (!z.populated) {
      out += '\n';
      continue;
    }
    const lz = (l: number): number => v.lruZone[z.idx * 4 + l]!;
    const zoneItems: [string, number][] = [
      ['nr_free_pages', z.freePages],
      ['nr_free_pages_blocks', z.freeBlockPages],
      ['nr_zone_inactive_anon', lz(LRU_INACTIVE_ANON)],
      ['nr_zone_active_anon', lz(LRU_ACTIVE_ANON)],
      ['nr_zone_inactive_file', lz(LRU_INACTIVE_FILE)],
      ['nr_zone_active_file', lz(LRU_ACTIVE_FILE)],
      ['nr_zone_unevictable', 0],
      ['nr_zone_write_pending', 0],
      ['nr_mlock', 0],
      ['nr_zspages', 0],
      ['nr_free_cma', 0],
      ['numa_hit', z.events.numa_hit],
      ['numa_miss', 0],
      ['numa_foreign', 0],
      ['numa_interleave', 0],
      ['numa_local', z.events.numa_hit],
      ['numa_other', 0],
    ];
    for (const [k, n] of zoneItems) out += item(k, n);
    out += '\n  pagesets';
    const threshold = calculate_normal_threshold(z, cpus);
    for (let cpu = 0; cpu < cpus; cpu++) {
      const p = z.pcp;
      out += `\n    cpu: ${cpu}`;
      out += `\n              count:    ${cpu === 0 ? p.count : 0}`;
      out += `\n              high:     ${p.high}`;
      out += `\n              batch:    ${p.batch}`;
      out += `\n              high_min: ${p.high_min}`;
      out += `\n              high_max: ${p.high_max}`;
      out += `\n  vm stats threshold: ${threshold}`;
    }
    out += `\n  node_unreclaimable:  ${v.kswapd_failures >= 16 ? 1 : 0}`;
    out += `\n  start_pfn:           ${z.zone_start_pfn}\n`;
  }
  return out;
}

export type ProcName =
  | 'meminfo'
  | 'buddyinfo'
  | 'pagetypeinfo'
  | 'vmstat'
  | 'zoneinfo'
  | 'unmapped_alloc'
  | 'cpa_stats'
  | 'extfrag_index'
  | 'unusable_index';

export function procfs(mm: ProcfsMm, name: string): string {
  switch (name) {
    case 'meminfo':
      return meminfoText(mm);
    case 'buddyinfo':
      return buddyinfoText(mm);
    case 'pagetypeinfo':
      return pagetypeinfoText(mm);
    case 'vmstat':
      return vmstatText(mm);
    case 'unmapped_alloc':
      return unmappedAllocText(mm);
    case 'cpa_stats':
      return cpaStatsText(mm);
    case 'extfrag_index':
      return indexText(mm, extfragIndex, true);
    case 'unusable_index':
      return indexText(mm, unusableIndex, false);
    case 'zoneinfo':
      return zoneinfoText(mm);
    default:
      throw new KernelError(
        'ENOENT',
        `procfs: no file '${name}' (meminfo, buddyinfo, pagetypeinfo, vmstat, zoneinfo, unmapped_alloc, cpa_stats, extfrag_index, unusable_index)`,
      );
  }
}

/** True when pageblock b is PB_unmapped / FREETYPE_UNMAPPED. */
export function blockUnmapped(mm: ProcfsMm, b: number): boolean {
  return (mm.zone.pbFlags[b]! & PB_UNMAPPED) !== 0;
}
