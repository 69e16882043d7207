/**
 * This machine's zones, read-only: /proc/zoneinfo (zoneinfo_show_print(), mm/vmstat.c), the vm sysctls the
 * watermarks come from (/proc/sys/vm/min_free_kbytes, watermark_scale_factor, lowmem_reserve_ratio), and the
 * names and order of /proc/vmstat and /proc/meminfo. Any Linux; no privileges.
 */
import { readFileSync } from 'node:fs';
import { oracleDisabled } from './index';

/** One zone as /proc/zoneinfo prints it. */
export interface KernelZone {
  name: string;
  free: number;
  min: number;
  low: number;
  high: number;
  /** Absent on kernels before the promo watermark (6.1). */
  promo?: number;
  spanned: number;
  present: number;
  managed: number;
  protection: number[];
  /** Item names of the zone's stat block (nr_free_pages …), in order; empty for an unpopulated zone. */
  items: string[];
  /** Only populated zones print it. */
  start_pfn?: number;
}

export interface KernelZoneinfo {
  zones: KernelZone[];
  /** The per-node stat names printed under the first populated zone, in order. */
  nodeItems: string[];
}

/** Parses /proc/zoneinfo text (node 0 only). */
export function parseZoneinfo(text: string): KernelZoneinfo {
  const zones: KernelZone[] = [];
  const nodeItems: string[] = [];
  let z: KernelZone | null = null;
  let section: 'node' | 'zone' | 'pagesets' | null = null;
  for (const line of text.split('\n')) {
    const head = /^Node (\d+), zone\s+(\S+)/.exec(line);
    if (head) {
      if (head[1] !== '0') {
        z = null;
        continue;
      }
      z = {
        name: head[2]!,
        free: 0,
        min: 0,
        low: 0,
        high: 0,
        spanned: 0,
        present: 0,
        managed: 0,
        protection: [],
        items: [],
      };
      zones.push(z);
      section = null;
      continue;
    }
    if (!z) continue;
    if (line === '  per-node stats') {
      section = 'node';
      continue;
    }
    if (line === '  pagesets') {
      section = 'pagesets';
      continue;
    }
    const free = /^ {2}pages free\s+(\d+)/.exec(line);
    if (free) {
      z.free = Number(free[1]);
      section = 'zone';
      continue;
    }
    const prot = /^\s+protection: \(([^)]*)\)/.exec(line);
    if (prot) {
      z.protection = prot[1]!.split(',').map((s) => Number(s.trim()));
      continue;
    }
    const wm = /^ {8}(min|low|high|promo|spanned|present|managed)\s+(\d+)$/.exec(line);
    if (wm && section === 'zone') {
      (z as unknown as Record<string, number>)[wm[1]!] = Number(wm[2]);
      continue;
    }
    const start = /^ {2}start_pfn:\s+(\d+)/.exec(line);
    if (start) {
      z.start_pfn = Number(start[1]);
      continue;
    }
    const item = /^ {6}(\S+)\s+\d+$/.exec(line);
    if (item) {
      if (section === 'node') nodeItems.push(item[1]!);
      else if (section === 'zone') z.items.push(item[1]!);
    }
  }
  return { zones, nodeItems };
}

/** The first field of every line (vmstat and meminfo names), in order. */
export function procNames(text: string): string[] {
  return text
    .split('\n')
    .filter(Boolean)
    .map((l) => l.split(/[\s:]/)[0]!);
}

export interface KernelVm {
  zoneinfo: KernelZoneinfo;
  min_free_kbytes: number;
  watermark_scale_factor: number;
  lowmem_reserve_ratio: number[];
  /** /sys/kernel/mm/transparent_hugepage/enabled's selection ('always', 'madvise', 'never'), or undefined. */
  thp?: string | undefined;
  vmstatNames: string[];
  meminfoNames: string[];
}

/** Reads this machine's zones and vm sysctls, or the one-line reason they cannot be read. */
export function readKernelVm(
  platform: string = process.platform,
): ({ ok: true } & KernelVm) | { ok: false; why: string } {
  if (platform !== 'linux') return { ok: false, why: `/proc/zoneinfo needs Linux (this is ${platform})` };
  const off = oracleDisabled();
  if (off) return { ok: false, why: off };
  const read = (p: string): string => readFileSync(p, 'utf8');
  try {
    let thp: string | undefined;
    try {
      thp = /\[(\w+)\]/.exec(read('/sys/kernel/mm/transparent_hugepage/enabled'))?.[1];
    } catch {
      thp = undefined;
    }
    return {
      ok: true,
      zoneinfo: parseZoneinfo(read('/proc/zoneinfo')),
      min_free_kbytes: Number(read('/proc/sys/vm/min_free_kbytes').trim()),
      watermark_scale_factor: Number(read('/proc/sys/vm/watermark_scale_factor').trim()),
      lowmem_reserve_ratio: read('/proc/sys/vm/lowmem_reserve_ratio').trim().split(/\s+/).map(Number),
      thp,
      vmstatNames: procNames(read('/proc/vmstat')),
      meminfoNames: procNames(read('/proc/meminfo')),
    };
  } catch (e) {
    return { ok: false, why: `cannot read /proc: ${(e as Error).message}` };
  }
}
