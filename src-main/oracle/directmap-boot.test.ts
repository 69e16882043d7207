/**
 * A realistic boot against the running kernel (issue 18): a machine profile made from this machine's /proc/iomem
 * (its RAM ranges and kernel image) boots in the model, and its DirectMap lines are set beside /proc/meminfo's.
 * Tolerances, since the live figures include every split since boot and firmware ranges /proc/iomem may list
 * otherwise: the mapped total agrees within 1 %; the model's DirectMap4k and level-2 splits are at most the live
 * ones (a boot's 4K pages and splits only grow at run time). Skips with the reason off Linux, off x86-64, with
 * KERNEL_LAB_ORACLE=off, or when /proc/iomem shows no addresses (not root).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { MACHINE_PROFILES, createMm, profileFromIomem } from '../engines/mm';
import type { MachineProfile } from '../engines/mm';
import { oracleDisabled } from './index';

function live(): { profile: MachineProfile; meminfo: Record<string, number>; splits: number } | { why: string } {
  if (process.platform !== 'linux') return { why: `needs Linux (this is ${process.platform})` };
  if (process.arch !== 'x64') return { why: `the model boots x86-64 (this is ${process.arch})` };
  const off = oracleDisabled();
  if (off) return { why: off };
  try {
    const flags = /^flags\s*:(.*)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? '';
    const cmdline = readFileSync('/proc/cmdline', 'utf8');
    const gbpages = flags.split(/\s+/).includes('pdpe1gb') && !/\bnogbpages\b/.test(cmdline);
    const profile = profileFromIomem(readFileSync('/proc/iomem', 'utf8'), gbpages);
    if ('why' in profile) return profile;
    const meminfo: Record<string, number> = {};
    for (const m of readFileSync('/proc/meminfo', 'utf8').matchAll(/^(DirectMap\w+):\s+(\d+) kB$/gm))
      meminfo[m[1]!] = Number(m[2]);
    const splits = Number(/^direct_map_level2_splits (\d+)$/m.exec(readFileSync('/proc/vmstat', 'utf8'))?.[1] ?? NaN);
    if (!Number.isFinite(splits))
      return { why: '/proc/vmstat has no direct_map_level2_splits (CONFIG_X86_64 without the counters?)' };
    return { profile, meminfo, splits };
  } catch (e) {
    return { why: `cannot read /proc: ${(e as Error).message}` };
  }
}

const host = live();
if ('why' in host) console.log(`kernel oracle: boot-profile DirectMap checks skipped (${host.why})`);

const total = (m: Record<string, number | undefined>): number =>
  (m.DirectMap4k ?? 0) + (m.DirectMap2M ?? 0) + (m.DirectMap1G ?? 0);

describe.skipIf('why' in host)('the boot profile of this machine against /proc/meminfo', () => {
  it('maps what this kernel maps; its 4K pages and splits are at most the live ones', () => {
    if ('why' in host) return;
    const mm = createMm({ machine: host.profile });
    const m = mm.meminfo();
    const splits = mm.vmstat().direct_map_level2_splits!;
    const line = (k: string, v: number | undefined): string => `${k}: ${String(v ?? '-').padStart(12)} kB`;
    console.log(
      'boot profile from /proc/iomem, model vs /proc/meminfo now:\n' +
        ['DirectMap4k', 'DirectMap2M', 'DirectMap1G']
          .map((k) => `  ${line(k, m[k])}   ${line(k, host.meminfo[k])}`)
          .join('\n') +
        `\n  direct_map_level2_splits: model ${splits} at boot, kernel ${host.splits} since boot` +
        `\n  live 4K beyond the model: ${(host.meminfo.DirectMap4k ?? 0) - m.DirectMap4k!} kB`,
    );
    expect(Math.abs(total(m) - total(host.meminfo))).toBeLessThanOrEqual(total(host.meminfo) / 100);
    expect(m.DirectMap4k).toBeLessThanOrEqual(host.meminfo.DirectMap4k ?? 0);
    expect(splits).toBeLessThanOrEqual(host.splits);
    expect(mm.checkInvariants()).toEqual([]);
  });

  it('a named profile whose RAM is this machine’s boots to the same DirectMap lines', () => {
    if ('why' in host) return;
    const ram = (p: MachineProfile): string =>
      JSON.stringify(p.e820.filter((e) => e.type === 'usable' && e.end >= 0x100000).map((e) => [e.start, e.end]));
    const named = Object.values(MACHINE_PROFILES).find(
      (p) => ram(p) === ram(host.profile) && p.gbpages === host.profile.gbpages,
    );
    if (!named) {
      console.log(
        'kernel oracle: no named profile has this machine’s RAM ranges (the iomem profile above is its profile)',
      );
      return;
    }
    const a = createMm({ machine: named.name }).meminfo();
    const b = createMm({ machine: host.profile }).meminfo();
    console.log(
      `kernel oracle: profile '${named.name}' matches this machine's RAM: DirectMap4k ${a.DirectMap4k} kB, DirectMap2M ${a.DirectMap2M} kB`,
    );
    expect([a.DirectMap4k, a.DirectMap2M, a.DirectMap1G]).toEqual([b.DirectMap4k, b.DirectMap2M, b.DirectMap1G]);
  });
});
