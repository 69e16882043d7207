/**
 * This machine's direct map, read-only: the DirectMap lines of /proc/meminfo (arch_report_meminfo() on x86) and
 * the direct_map_* counters of /proc/vmstat (direct-map split counters; collapse counters where the kernel has
 * them). Works on any Linux without privileges; elsewhere it says why in one line.
 */
import { readFileSync } from 'node:fs';

/** DirectMap4k / DirectMap2M / DirectMap1G (and any other DirectMap* line), in kB. */
export type DirectMapMeminfo = Record<string, number>;
/** direct_map_level2_splits, direct_map_level3_splits, direct_map_level{2,3}_collapses where present. */
export type DirectMapVmstat = Record<string, number>;

/** One reading of the direct map counters. */
export interface DirectMapSnapshot {
  meminfo: DirectMapMeminfo;
  vmstat: DirectMapVmstat;
}

/** Parses `DirectMap4k:       20480 kB` lines (other lines are ignored). */
export function parseDirectMapMeminfo(text: string): DirectMapMeminfo {
  const out: DirectMapMeminfo = {};
  for (const m of text.matchAll(/^(DirectMap\w+):\s+(\d+) kB$/gm)) out[m[1]!] = Number(m[2]);
  return out;
}

/** Parses `direct_map_level2_splits 1` lines (other lines are ignored). */
export function parseDirectMapVmstat(text: string): DirectMapVmstat {
  const out: DirectMapVmstat = {};
  for (const m of text.matchAll(/^(direct_map_\w+) (\d+)$/gm)) out[m[1]!] = Number(m[2]);
  return out;
}

/** Parses a snapshot made of both files' lines (the native helper's secret_probe sends them concatenated). */
export function parseDirectMapSnapshot(text: string): DirectMapSnapshot {
  return { meminfo: parseDirectMapMeminfo(text), vmstat: parseDirectMapVmstat(text) };
}

/** after − before for every counter present in `after`. */
export function directMapDelta(before: DirectMapSnapshot, after: DirectMapSnapshot): DirectMapSnapshot {
  const diff = (a: Record<string, number>, b: Record<string, number>): Record<string, number> =>
    Object.fromEntries(Object.entries(b).map(([k, v]) => [k, v - (a[k] ?? 0)]));
  return { meminfo: diff(before.meminfo, after.meminfo), vmstat: diff(before.vmstat, after.vmstat) };
}

/** Reads this machine's direct map counters, or the one-line reason they cannot be read. */
export function readDirectMap(
  platform: string = process.platform,
): ({ ok: true } & DirectMapSnapshot) | { ok: false; why: string } {
  if (platform !== 'linux') return { ok: false, why: `the direct map view needs Linux (this is ${platform})` };
  let meminfo: string;
  let vmstat: string;
  try {
    meminfo = readFileSync('/proc/meminfo', 'utf8');
    vmstat = readFileSync('/proc/vmstat', 'utf8');
  } catch (e) {
    return { ok: false, why: `cannot read /proc: ${(e as Error).message}` };
  }
  const snap = { meminfo: parseDirectMapMeminfo(meminfo), vmstat: parseDirectMapVmstat(vmstat) };
  if (Object.keys(snap.meminfo).length === 0)
    return { ok: false, why: 'this kernel reports no DirectMap lines in /proc/meminfo (not x86?)' };
  return { ok: true, ...snap };
}
