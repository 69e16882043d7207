/**
 * The memory engine's zones against the running kernel: watermarks and protection recomputed from this machine's
 * managed pages and vm sysctls must equal what its /proc/zoneinfo prints, and the model's zoneinfo, vmstat and
 * meminfo must use the kernel's names in the kernel's order. Skips with the reason where /proc cannot be read
 * (not Linux, KERNEL_LAB_ORACLE=off) and, for the layout, off x86-64.
 */
import { describe, expect, it } from 'vitest';
import { createMm } from '../engines/mm';
import { ZONE_NAMES } from '../engines/mm';
import { bootMinFreeKbytes, zoneWatermarks } from '../engines/mm';
import { parseZoneinfo, procNames, readKernelVm } from './zoneinfo';

const vm = readKernelVm();
if (!vm.ok) console.log(`kernel oracle: zoneinfo checks skipped (${vm.why})`);
const x64 = process.arch === 'x64';
if (vm.ok && !x64) console.log(`kernel oracle: zone layout checks skipped (x86-64 layout, this is ${process.arch})`);

/** Whether `sub` appears in `all` in the same relative order. */
function inOrder(sub: readonly string[], all: readonly string[]): string | undefined {
  let at = 0;
  for (const name of sub) {
    const i = all.indexOf(name, at);
    if (i < 0)
      return all.includes(name) ? `${name} is out of the kernel's order` : `${name} is not a name this kernel prints`;
    at = i + 1;
  }
  return undefined;
}

describe('parseZoneinfo', () => {
  it('reads watermarks, spans, protection and item names of each zone', () => {
    const text = [
      'Node 0, zone      DMA',
      '  per-node stats',
      '      nr_inactive_anon 1',
      '      nr_file_pages 7',
      '  pages free     3840',
      '        boost    0',
      '        min      20',
      '        low      25',
      '        high     30',
      '        promo    35',
      '        spanned  4095',
      '        present  3998',
      '        managed  3840',
      '        cma      0',
      '        protection: (0, 3018, 12362, 12362, 12362)',
      '      nr_free_pages 3840',
      '      nr_free_pages_blocks 3584',
      '  pagesets',
      '    cpu: 0',
      '              count:    0',
      '  node_unreclaimable:  0',
      '  start_pfn:           1',
      'Node 0, zone  Movable',
      '  pages free     0',
      '        min      32',
      '        protection: (0, 0, 0, 0, 0)',
      '',
    ].join('\n');
    const z = parseZoneinfo(text);
    expect(z.nodeItems).toEqual(['nr_inactive_anon', 'nr_file_pages']);
    expect(z.zones.map((x) => x.name)).toEqual(['DMA', 'Movable']);
    expect(z.zones[0]).toMatchObject({
      free: 3840,
      min: 20,
      low: 25,
      high: 30,
      promo: 35,
      spanned: 4095,
      present: 3998,
      managed: 3840,
      start_pfn: 1,
    });
    expect(z.zones[0]!.protection).toEqual([0, 3018, 12362, 12362, 12362]);
    expect(z.zones[0]!.items).toEqual(['nr_free_pages', 'nr_free_pages_blocks']);
    expect(z.zones[1]).toMatchObject({ min: 32, items: [] });
    expect(procNames('MemTotal:  1 kB\nMemFree: 2 kB\n')).toEqual(['MemTotal', 'MemFree']);
  });
});

describe.skipIf(!vm.ok)('the running kernel', () => {
  const k = vm.ok ? vm : null;

  it("__setup_per_zone_wmarks() and setup_per_zone_lowmem_reserve() reproduce this machine's watermarks and protection", () => {
    const zones = k!.zoneinfo.zones;
    const managed = zones.map((z) => z.managed);
    const got = zoneWatermarks(managed, k!.min_free_kbytes, k!.watermark_scale_factor, [...k!.lowmem_reserve_ratio, 0]);
    zones.forEach((z, i) => {
      const w = got[i]!;
      // watermark_boost moves nothing here: zoneinfo prints the base _watermark (boost is its own line)
      expect({ zone: z.name, min: w.min, low: w.low, high: w.high }).toEqual({
        zone: z.name,
        min: z.min,
        low: z.low,
        high: z.high,
      });
      if (z.promo !== undefined) expect(w.promo).toBe(z.promo);
      expect(w.protection.slice(0, z.protection.length)).toEqual(z.protection);
    });
  });

  it('min_free_kbytes is what calculate_min_free_kbytes() and, with THP on, khugepaged raise it to', () => {
    // A value written to /proc/sys/vm/min_free_kbytes after boot is the one case this cannot predict.
    const thp = k!.thp !== undefined && k!.thp !== 'never';
    const managed = k!.zoneinfo.zones.map((z) => z.managed);
    const want = bootMinFreeKbytes(managed, thp, k!.watermark_scale_factor);
    expect(k!.min_free_kbytes).toBe(want);
  });

  it.skipIf(!x64)('zoneinfo: the same zones, zone items and (a subsequence of) per-node items, in order', () => {
    const model = parseZoneinfo(createMm({ memory: '8G' }).procfs('zoneinfo'));
    expect(k!.zoneinfo.zones.map((z) => z.name)).toEqual([...ZONE_NAMES]);
    expect(model.zones.map((z) => z.name)).toEqual([...ZONE_NAMES]);
    const kernelItems = k!.zoneinfo.zones.find((z) => z.items.length)!.items;
    for (const z of model.zones) if (z.items.length) expect(z.items).toEqual(kernelItems);
    expect(inOrder(model.nodeItems, k!.zoneinfo.nodeItems)).toBeUndefined();
  });

  it.skipIf(!x64)("vmstat prints the kernel's names in the kernel's order; meminfo has the kernel's names", () => {
    const mm = createMm({ memory: '8G' });
    expect(inOrder(Object.keys(mm.vmstat()), k!.vmstatNames)).toBeUndefined();
    // DirectMap1G is printed only with gbpages (arch_report_meminfo()): boot the model the way this machine booted
    const gbpages = k!.meminfoNames.includes('DirectMap1G');
    expect(Object.keys(createMm({ memory: '8G', gbpages }).meminfo())).toEqual(k!.meminfoNames);
  });
});
