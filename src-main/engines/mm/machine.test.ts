import { describe, expect, it } from 'vitest';
import { KernelError } from '../common/errors';
import { createMm } from './index';
import { MACHINE_PROFILES, bootLayout, profileFromIomem } from './machine';

const MB = 256; // pfns per MiB

describe('machine profiles: e820 holes, the first megabyte and the kernel image (machine.ts)', () => {
  const mm = createMm({ machine: 'firecracker-24g' });
  const m = mm.meminfo();

  it('maps [0, 1M) and the usable RAM only: the DirectMap lines add up to them', () => {
    // [0, 1M) (ISA, mapped whatever e820 says) + [1M, 3G) + [4G, 25G): 24 GiB; the PCI hole [3G, 4G) is unmapped.
    expect(m.DirectMap4k! + m.DirectMap2M! + (m.DirectMap1G ?? 0)).toBe(24 * 1024 * 1024);
    expect(m.DirectMap1G).toBeUndefined(); // no pdpe1gb on this profile's CPU
    expect(mm.lookup_address(3 * 1024 * MB + 5).present).toBe(false);
    expect(mm.lookup_address(4 * 1024 * MB).present).toBe(true);
    // the first 2M is 4K PTEs: the ISA range and the head of [1M, 3G) are separate init_memory_mapping() calls
    expect(mm.lookup_address(0).level).toBe('4K');
    expect(mm.lookup_address(MB).level).toBe('4K');
    expect(mm.lookup_address(2 * MB).level).toBe('2M');
  });

  it('keeps holes, the first megabyte and the image out of the buddy', () => {
    const [dma, dma32] = mm.zoneinfo();
    expect(dma!.present).toBe(4096 - 1 - 97); // page 0 and [0x9f000, 1M) are not RAM (usable ends at 0x9fbff: PFN_DOWN)
    expect(dma!.managed).toBe(4096 - 256); // memblock reserves the whole first megabyte
    expect(dma32!.spanned - dma32!.present).toBe(1024 * MB); // the [3G, 4G) PCI hole (DMA32 ends at 4G)
    expect(() => mm.__free_pages(3 * 1024 * MB + 1)).toThrow(/not RAM \(an e820 hole\)/);
    expect(() => mm.__free_pages(20 * MB)).toThrow(/reserved by memblock/);
    for (let i = 0; i < 2000; i++) expect(mm.alloc_pages('GFP_KERNEL|GFP_DMA', 0)!.pfn).toBeGreaterThanOrEqual(MB);
    expect(mm.checkInvariants()).toEqual([]);
  });

  it('maps the image as mark_rodata_ro() leaves it: RO up to __end_rodata_hpage_align, the freed gaps RW and split', () => {
    const fresh = createMm({ machine: 'firecracker-24g' });
    const k = MACHINE_PROFILES['firecracker-24g']!.kernel;
    const pfn = (a: number): number => Math.floor(a / 4096);
    expect(fresh.lookup_address(pfn(k.text))).toMatchObject({ level: '2M', rw: false, nx: true });
    expect(fresh.lookup_address(pfn(k.rodata) + 10)).toMatchObject({ level: '2M', rw: false });
    // text/rodata gap [PFN_ALIGN(_etext), __start_rodata): RW again, so its 2M page split
    expect(fresh.lookup_address(pfn(k.etext) - 1)).toMatchObject({ level: '4K', rw: false });
    expect(fresh.lookup_address(pfn(k.etext) + 1)).toMatchObject({ level: '4K', rw: true });
    // rodata/data gap [__end_rodata, _sdata)
    expect(fresh.lookup_address(pfn(k.erodata) - 1)).toMatchObject({ level: '4K', rw: false });
    expect(fresh.lookup_address(pfn(k.erodata))).toMatchObject({ level: '4K', rw: true });
    expect(fresh.lookup_address(pfn(k.sdata))).toMatchObject({ level: '2M', rw: true });
    const v = fresh.vmstat();
    expect(v.direct_map_level2_splits).toBe(2);
    // first 2M + the two split 2M pages
    expect(fresh.meminfo().DirectMap4k).toBe(3 * 2048);
    // the gaps went to the buddy: their pages are free
    expect(fresh.zoneOf(pfn(k.etext) + 1).state(pfn(k.etext) + 1)).not.toBe(61);
    expect(fresh.checkInvariants()).toEqual([]);
  });

  it('CPA over a hole skips it (__cpa_process_fault ignores NULL PTEs of the direct map)', () => {
    const q = createMm({ machine: 'q35-8g' });
    const holeStart = Math.floor(0x7ffdc000 / 4096);
    expect(q.lookup_address(holeStart).present).toBe(false);
    q.set_memory_ro(holeStart - 4, 8);
    expect(q.lookup_address(holeStart - 1).rw).toBe(false);
    expect(q.lookup_address(holeStart).present).toBe(false); // still pte_none
    expect(q.meminfo().DirectMap1G).toBe(6 * 1024 * 1024); // [4G, 10G) in 1G pages; [1G, 2G) has the hole's tail
    expect(q.checkInvariants()).toEqual([]);
  });

  it('the clean profile is the default and a profile sets the memory', () => {
    const clean = createMm({ memory: '4G' });
    expect(clean.boot).toBeNull();
    expect(clean.meminfo()).toEqual(createMm({ memory: '4G', machine: 'clean' }).meminfo());
    expect(clean.meminfo().DirectMap4k).toBe(0);
    expect(() => createMm({ machine: 'firecracker-24g', memory: '8G' })).toThrow(KernelError);
    expect(() => createMm({ machine: 'nope' })).toThrow(/unknown profile 'nope'/);
  });

  it('profileFromIomem() reads the RAM and the image from /proc/iomem text', () => {
    const text = [
      '00000000-00000fff : Reserved',
      '00001000-0009fbff : System RAM',
      '00100000-bfffffff : System RAM',
      '  01000000-02259aff : Kernel code',
      '  02400000-02dfdfff : Kernel rodata',
      '  02e00000-0307a57f : Kernel data',
      '  03928000-03a59fff : Kernel bss',
      '100000000-63fffffff : System RAM',
    ].join('\n');
    const p = profileFromIomem(text, false);
    if ('why' in p) throw new Error(p.why);
    const l = bootLayout(p);
    expect(l.nframes).toBe(25 * 1024 * MB);
    expect(l.roRange).toEqual([16 * MB, 46 * MB]);
    expect(profileFromIomem(text.replaceAll(/[0-9a-f]+-[0-9a-f]+ :/g, '00000000-00000000 :'), false)).toMatchObject({
      why: expect.stringContaining('not root'),
    });
  });
});
