import { KernelError } from '../common/errors';
import { MAX_PAGE_ORDER, pageblock_nr_pages, pageblock_order } from './mmzone';
import type { Mm } from './mm';
import { PB_UNMAPPED } from './page_alloc';

const pad = (s: string | number, w: number): string => String(s).padStart(w);
const padEnd = (s: string, w: number): string => s.padEnd(w);

/** The /proc/meminfo lines of this machine's kernel (6.18, x86-64), in order; the model fills what it tracks. */
export function meminfo(mm: Mm): Record<string, number> {
  const free = mm.zone.freePages * 4;
  const dmkb = mm.dm.directMapKb();
  const total = mm.managed_pages * 4; // totalram_pages(): the memmap is reserved
  return {
    MemTotal: total,
    MemFree: free,
    MemAvailable: free, // no page cache or reclaimable slab in the model
    Buffers: 0, Cached: 0, SwapCached: 0, Active: 0, Inactive: 0,
    'Active(anon)': 0, 'Inactive(anon)': 0, 'Active(file)': 0, 'Inactive(file)': 0,
    Unevictable: mm.secretPages * 4, Mlocked: mm.secretPages * 4,
    SwapTotal: 0, SwapFree: 0, Zswap: 0, Zswapped: 0, Dirty: 0, Writeback: 0, AnonPages: 0, Mapped: 0, Shmem: 0,
    KReclaimable: 0, Slab: 0, SReclaimable: 0, SUnreclaim: 0, KernelStack: 0, PageTables: 0, SecPageTables: 0,
    NFS_Unstable: 0, Bounce: 0, WritebackTmp: 0, CommitLimit: Math.floor(total / 2), Committed_AS: 0,
    VmallocTotal: 34359738367, VmallocUsed: mm.vmallocPages * 4, VmallocChunk: 0, Percpu: 0,
    AnonHugePages: 0, ShmemHugePages: 0, ShmemPmdMapped: 0, FileHugePages: 0, FilePmdMapped: 0, Balloon: 0,
    HugePages_Total: 0, HugePages_Free: 0, HugePages_Rsvd: 0, HugePages_Surp: 0, Hugepagesize: 2048, Hugetlb: 0,
    DirectMap4k: dmkb.DirectMap4k,
    DirectMap2M: dmkb.DirectMap2M,
    ...(mm.dm.gbpages ? { DirectMap1G: dmkb.DirectMap1G } : {}),
  };
}

const NO_KB = new Set(['HugePages_Total', 'HugePages_Free', 'HugePages_Rsvd', 'HugePages_Surp']);

/** meminfo_proc_show(): label with its colon padded to 16, value width 8, " kB". */
export function meminfoText(mm: Mm): string {
  let out = '';
  for (const [k, v] of Object.entries(meminfo(mm))) {
    out += padEnd(k + ':', 16) + pad(v, 8) + (NO_KB.has(k) ? '' : ' kB') + '\n';
  }
  return out;
}

/** The /proc/vmstat lines the model keeps (a subset), in the kernel's vmstat_text order; one zone, so DMA/DMA32 are 0. */
export function vmstat(mm: Mm): Record<string, number> {
  const c = mm.dm.counters;
  return {
    nr_free_pages: mm.zone.freePages,
    nr_free_pages_blocks: mm.zone.freeBlockPages,
    pgalloc_dma: 0,
    pgalloc_dma32: 0,
    pgalloc_normal: mm.zone.events.pgalloc_normal,
    pgalloc_movable: 0,
    pgalloc_device: 0,
    pgfree: mm.zone.events.pgfree,
    direct_map_level2_splits: c.direct_map_level2_splits,
    direct_map_level3_splits: c.direct_map_level3_splits,
    direct_map_level2_collapses: c.direct_map_level2_collapses,
    direct_map_level3_collapses: c.direct_map_level3_collapses,
  };
}

export function vmstatText(mm: Mm): string {
  return Object.entries(vmstat(mm)).map(([k, v]) => `${k} ${v}\n`).join('');
}

/** frag_show_print(): "Node %d, zone %8s " then "%6lu " per order. */
export function buddyinfoText(mm: Mm): string {
  return `Node 0, zone ${pad('Normal', 8)} ` + mm.zone.freeCounts().map((c) => pad(c, 6) + ' ').join('') + '\n';
}

/** Names of the free-list types as pagetypeinfo prints them (the 2026 unmapped freetype as "Unmapped": UNVERIFIED). */
function listNames(mm: Mm): string[] {
  const names = [...mm.mt.names];
  if (mm.zone.unmappedList >= 0) names.push('Unmapped');
  return names;
}

/** Structured /proc/pagetypeinfo: free blocks per [type][order] and pageblocks per type. */
export function pagetypeinfo(mm: Mm): { free: Record<string, number[]>; blocks: Record<string, number> } {
  const z = mm.zone;
  const names = listNames(mm);
  const free: Record<string, number[]> = {};
  names.forEach((name, lt) => {
    const row: number[] = [];
    for (let o = 0; o <= MAX_PAGE_ORDER; o++) row.push(z.nrFree[o * z.nlists + lt]!);
    free[name] = row;
  });
  const blocks: Record<string, number> = {};
  for (const name of mm.mt.names) blocks[name] = 0;
  for (let b = 0; b < z.nblocks; b++) {
    if (((b + 1) << pageblock_order) > z.spanned) continue; // pagetypeinfo_showblockcount_print counts whole blocks only
    blocks[mm.mt.names[z.pbMt[b]!]!]!++;
  }
  return { free, blocks };
}

/** pagetypeinfo_show(): header, free counts (capped at 100000 with '>'), block counts. */
export function pagetypeinfoText(mm: Mm): string {
  const { free, blocks } = pagetypeinfo(mm);
  let out = `Page block order: ${pageblock_order}\nPages per block:  ${pageblock_nr_pages}\n\n`;
  out += padEnd('Free pages count per migrate type at order', 43) + ' ';
  for (let o = 0; o <= MAX_PAGE_ORDER; o++) out += pad(o, 6) + ' ';
  out += '\n';
  for (const [name, row] of Object.entries(free)) {
    out += `Node ${pad(0, 4)}, zone ${pad('Normal', 8)}, type ${pad(name, 12)} `;
    for (const c of row) out += c >= 100000 ? '>' + pad(100000, 6) + ' ' : pad(c, 6) + ' ';
    out += '\n';
  }
  out += '\n' + padEnd('Number of blocks type ', 23);
  for (const name of mm.mt.names) out += pad(name, 12) + ' ';
  out += '\n' + `Node 0, zone ${pad('Normal', 8)} `;
  for (const name of mm.mt.names) out += pad(blocks[name]!, 12) + ' ';
  return out + '\n';
}

/** debugfs unmapped_alloc (rppt/linux mm/unmapped-alloc.c): MAX_ORDER, then "Order:" / "Pages:" rows. */
export function unmappedAllocText(mm: Mm): string {
  if (!mm.cache) throw new KernelError('ENOENT', "unmapped_alloc: no such file (boot with mm.policy 'cache')");
  let out = `MAX_ORDER: ${MAX_PAGE_ORDER + 1}\n\n`;
  out += padEnd('Order:', 8);
  for (let o = 0; o <= MAX_PAGE_ORDER; o++) out += pad(o, 5) + ' ';
  out += '\n' + padEnd('Pages:', 8);
  for (let o = 0; o <= MAX_PAGE_ORDER; o++) out += pad(mm.cache.nr_free[o]!, 5) + ' ';
  return out + '\n';
}

/** debugfs x86/cpa_stats (CONFIG_X86_CPA_STATISTICS): cpastats_show()'s "%-22s%16lu" rows. */
export function cpaStatsText(mm: Mm): string {
  const s = mm.dm.cpaStats;
  const rows: [string, number][] = [
    ['1G pages checked:', s['1G checked']], ['1G pages sameprot:', s['1G sameprot']], ['1G pages preserved:', s['1G preserved']],
    ['2M pages checked:', s['2M checked']], ['2M pages sameprot:', s['2M sameprot']], ['2M pages preserved:', s['2M preserved']],
    ['4K pages set-checked:', s['4K set-checked']],
  ];
  return rows.map(([k, v]) => `${padEnd(k, 21)} ${pad(v, 16)}\n`).join('');
}

/** fill_contig_page_info() for a suitable order: free blocks, free pages, and suitable blocks of that order. */
function contigInfo(mm: Mm, suitable: number): { total: number; pages: number; suitable: number } {
  const counts = mm.zone.freeCounts();
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
export function extfragIndex(mm: Mm): number[] {
  const out: number[] = [];
  for (let order = 0; order <= MAX_PAGE_ORDER; order++) {
    const info = contigInfo(mm, order);
    if (!info.total) out.push(0);
    else if (info.suitable) out.push(-1000);
    else out.push(1000 - Math.floor((1000 + Math.floor((info.pages * 1000) / 2 ** order)) / info.total));
  }
  return out;
}

/** unusable_free_index() per order, ×1000: the share of free memory in blocks too small for the order. */
export function unusableIndex(mm: Mm): number[] {
  const out: number[] = [];
  for (let order = 0; order <= MAX_PAGE_ORDER; order++) {
    const info = contigInfo(mm, order);
    out.push(info.pages ? Math.floor(((info.pages - info.suitable * 2 ** order) * 1000) / info.pages) : 0);
  }
  return out;
}

/** debugfs extfrag/extfrag_index ("%2d.%03d ") and extfrag/unusable_index ("%d.%03d "). */
function indexText(values: number[], width2: boolean): string {
  const cell = (v: number): string => {
    const whole = Math.trunc(v / 1000);
    const frac = Math.abs(v % 1000);
    return (width2 ? pad(whole, 2) : String(whole)) + '.' + String(frac).padStart(3, '0') + ' ';
  };
  return `Node 0, zone ${pad('Normal', 8)} ` + values.map(cell).join('') + '\n';
}

export type ProcName = 'meminfo' | 'buddyinfo' | 'pagetypeinfo' | 'vmstat' | 'unmapped_alloc' | 'cpa_stats' | 'extfrag_index' | 'unusable_index';

export function procfs(mm: Mm, name: string): string {
  switch (name) {
    case 'meminfo': return meminfoText(mm);
    case 'buddyinfo': return buddyinfoText(mm);
    case 'pagetypeinfo': return pagetypeinfoText(mm);
    case 'vmstat': return vmstatText(mm);
    case 'unmapped_alloc': return unmappedAllocText(mm);
    case 'cpa_stats': return cpaStatsText(mm);
    case 'extfrag_index': return indexText(extfragIndex(mm), true);
    case 'unusable_index': return indexText(unusableIndex(mm), false);
    default: throw new KernelError('ENOENT', `procfs: no file '${name}' (meminfo, buddyinfo, pagetypeinfo, vmstat, unmapped_alloc, cpa_stats, extfrag_index, unusable_index)`);
  }
}

/** True when pageblock b is PB_unmapped / FREETYPE_UNMAPPED. */
export function blockUnmapped(mm: Mm, b: number): boolean {
  return (mm.zone.pbFlags[b]! & PB_UNMAPPED) !== 0;
}
