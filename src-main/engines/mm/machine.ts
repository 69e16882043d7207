/**
 * Machine profiles: how a real x86-64 machine boots its memory (Linux 6.18).
 * - arch/x86/kernel/e820.c: the firmware's e820 map (usable RAM, reserved ranges, holes);
 * - arch/x86/mm/init.c init_mem_mapping(): the ISA range [0, 1M) is always mapped ("regardless of memory holes"),
 *   then every memblock memory range (usable RAM, page-aligned inward) in the largest pages its alignment allows;
 *   ranges outside RAM stay unmapped (pte/pmd/pud_none), so the DirectMap lines add up to the mapped RAM only;
 * - arch/x86/kernel/setup.c: memblock reserves the first megabyte and the kernel image;
 * - init/main.c kernel_init(): free_initmem() (init sections back to the buddy), then arch/x86/mm/init_64.c
 *   mark_rodata_ro(): set_memory_ro() over [_text, __end_rodata_hpage_align) (through cpa_process_alias() the
 *   direct map's alias too), set_memory_nx() from _etext (the direct map is NX already: the alias masks NX), and
 *   free_kernel_image_pages() of the text/rodata and rodata/data gaps, whose set_memory_rw() gives the direct-map
 *   alias of those pages RW back and so splits the 2M leaves they share with read-only data.
 * Where the model departs from 6.18: memblock's other reservations (ACPI tables, initrd, swiotlb, percpu, page
 * tables from brk) are not modelled, only the memmap at the top; watermarks are computed from the managed pages
 * after the image's frees (6.18 computes them earlier, at init_per_zone_wmark_min(), and adjusts managed pages
 * as free_reserved_area() runs).
 */
import { KernelError } from '../common/errors';

/** One e820 entry as the kernel prints it (BIOS-e820: [mem start-end] type), end inclusive. */
export interface E820Entry {
  start: number;
  end: number;
  type: 'usable' | 'reserved' | 'ACPI data' | 'ACPI NVS';
}

/** The kernel image's physical layout (the symbols mark_rodata_ro() and free_initmem() use), byte addresses. */
export interface KernelImage {
  /** _text */
  text: number;
  /** _etext (PFN_ALIGN'd by mark_rodata_ro()). */
  etext: number;
  /** __start_rodata */
  rodata: number;
  /** __end_rodata */
  erodata: number;
  /** _sdata */
  sdata: number;
  /** __init_begin, __init_end */
  init_begin: number;
  init_end: number;
  /** _end of the image (bss and brk included): memblock reserves [_text, _end). */
  end: number;
}

export interface MachineProfile {
  name: string;
  /** Where the figures come from. */
  source: string;
  e820: E820Entry[];
  /** X86_FEATURE_GBPAGES (cpuinfo pdpe1gb) and no `nogbpages`. */
  gbpages: boolean;
  kernel: KernelImage;
}

const M = 1 << 20;

/**
 * This lab's CI machine: a Firecracker (PVM) guest with 24 GiB, Linux 6.18, no pdpe1gb. e820 from its boot log
 * (`dmesg | grep e820`, after "e820: update [mem 0x00000000-0x00000fff] usable ==> reserved"), the image from
 * /proc/iomem ("Kernel code/rodata/data/bss") and the "Freeing unused kernel image" lines (initmem 3732K).
 */
const FIRECRACKER_24G: MachineProfile = {
  name: 'firecracker-24g',
  source: 'a Firecracker PVM guest, 24 GiB, Linux 6.18: dmesg e820 lines and /proc/iomem',
  e820: [
    { start: 0x0, end: 0xfff, type: 'reserved' },
    { start: 0x1000, end: 0x9fbff, type: 'usable' },
    { start: 0x9fc00, end: 0xfffff, type: 'reserved' },
    { start: 0x100000, end: 0xbfffffff, type: 'usable' },
    { start: 0xeec00000, end: 0xfebfffff, type: 'reserved' },
    { start: 0x100000000, end: 0x63fffffff, type: 'usable' },
  ],
  gbpages: false,
  kernel: {
    text: 0x1000000,
    etext: 0x2259b00,
    rodata: 0x2400000,
    erodata: 0x2dfe000,
    sdata: 0x2e00000,
    // initmem (3732K) ends below .smp_locks (52K, freed earlier by alternative_instructions()) and .bss (0x3928000)
    init_begin: 0x3928000 - 52 * 1024 - 3732 * 1024,
    init_end: 0x3928000 - 52 * 1024,
    end: 0x3a5a000,
  },
};

/**
 * QEMU's q35 machine with 8 GiB (SeaBIOS): 2 GiB below the PCI hole less SeaBIOS's reserved top pages, the rest
 * above 4 GiB; a gbpages CPU; a distribution kernel's image at 16 MiB.
 */
const Q35_8G: MachineProfile = {
  name: 'q35-8g',
  source: "QEMU q35, 8 GiB, SeaBIOS e820 (qemu's fw_cfg e820 table); an image of a Debian 6.18 kernel's section sizes",
  e820: [
    { start: 0x0, end: 0xfff, type: 'reserved' },
    { start: 0x1000, end: 0x9fbff, type: 'usable' },
    { start: 0x9fc00, end: 0x9ffff, type: 'reserved' },
    { start: 0xf0000, end: 0xfffff, type: 'reserved' },
    { start: 0x100000, end: 0x7ffdbfff, type: 'usable' },
    { start: 0x7ffdc000, end: 0x7fffffff, type: 'reserved' },
    { start: 0xb0000000, end: 0xbfffffff, type: 'reserved' },
    { start: 0xfed1c000, end: 0xfed1ffff, type: 'reserved' },
    { start: 0xfeffc000, end: 0xfeffffff, type: 'reserved' },
    { start: 0xfffc0000, end: 0xffffffff, type: 'reserved' },
    { start: 0x100000000, end: 0x27fffffff, type: 'usable' },
  ],
  gbpages: true,
  kernel: {
    text: 0x1000000,
    etext: 0x2200000 + 0x3e1c0,
    rodata: 0x2400000,
    erodata: 0x2e0e000,
    sdata: 0x3000000,
    init_begin: 0x3500000,
    init_end: 0x3800000,
    end: 0x3c00000,
  },
};

export const MACHINE_PROFILES: Readonly<Record<string, MachineProfile>> = {
  [FIRECRACKER_24G.name]: FIRECRACKER_24G,
  [Q35_8G.name]: Q35_8G,
};

/** Pfn ranges [start, end), sorted and disjoint. */
export type PfnRanges = [number, number][];

/** What boot makes of a profile: the span, what is mapped, present, reserved, and the image's boot-time CPA. */
export interface BootLayout {
  profile: MachineProfile;
  /** The node's span in frames (up to the end of the highest usable range). */
  nframes: number;
  /** The ranges init_mem_mapping() maps, one per init_memory_mapping() call: [0, 1M), then usable RAM above 1M. */
  mapped: PfnRanges;
  /** Frames backed by RAM (memblock.memory: present pages). */
  present: PfnRanges;
  /** Present frames memblock keeps from the buddy for good (the first megabyte, the kernel image). */
  reserved: PfnRanges;
  /** Image frames freed late (free_initmem(), then the two gaps mark_rodata_ro() frees). */
  freedLate: PfnRanges;
  /** mark_rodata_ro()'s read-only range [_text, __end_rodata_hpage_align), pfns. */
  roRange: [number, number];
}

const pfnUp = (a: number): number => Math.ceil(a / 4096);
const pfnDown = (a: number): number => Math.floor(a / 4096);

/** Looks a profile up by name (EINVAL naming the known ones). */
export function machineProfile(name: unknown): MachineProfile {
  if (typeof name === 'object' && name !== null && 'e820' in name && 'kernel' in name) return name as MachineProfile;
  if (typeof name === 'string' && Object.hasOwn(MACHINE_PROFILES, name)) return MACHINE_PROFILES[name]!;
  throw new KernelError(
    'EINVAL',
    `mm.machine: unknown profile '${String(name)}' (clean, ${Object.keys(MACHINE_PROFILES).join(', ')})`,
  );
}

/** Merges overlapping or touching ranges. */
function merge(r: PfnRanges): PfnRanges {
  const s = r.filter(([a, b]) => b > a).sort((x, y) => x[0] - y[0]);
  const out: PfnRanges = [];
  for (const [a, b] of s) {
    const last = out[out.length - 1];
    if (last && a <= last[1]) last[1] = Math.max(last[1], b);
    else out.push([a, b]);
  }
  return out;
}

/** r less the ranges of cut. */
export function subtract(r: PfnRanges, cut: PfnRanges): PfnRanges {
  let out = r.map(([a, b]): [number, number] => [a, b]);
  for (const [c, d] of cut) {
    const next: PfnRanges = [];
    for (const [a, b] of out) {
      if (d <= a || c >= b) next.push([a, b]);
      else {
        if (a < c) next.push([a, c]);
        if (d < b) next.push([d, b]);
      }
    }
    out = next;
  }
  return out;
}

/** Frames of r inside [a, b). */
export function countIn(r: PfnRanges, a: number, b: number): number {
  let n = 0;
  for (const [s, e] of r) n += Math.max(0, Math.min(b, e) - Math.max(a, s));
  return n;
}

/** e820 + the image -> what init_mem_mapping(), memblock and kernel_init() leave. */
export function bootLayout(p: MachineProfile): BootLayout {
  const usable = merge(
    p.e820.filter((e) => e.type === 'usable').map((e): [number, number] => [pfnUp(e.start), pfnDown(e.end + 1)]),
  );
  if (!usable.length) throw new KernelError('EINVAL', `machine ${p.name}: no usable RAM in its e820 map`);
  const nframes = usable[usable.length - 1]![1];
  const ISA_END = pfnDown(M);
  // init_memory_mapping(0, ISA_END_ADDRESS), then memory_map_top_down(ISA_END_ADDRESS, end) over memblock memory:
  // separate calls, so a large page never spans the ISA boundary (the first 2M is always 4K PTEs).
  const mapped: PfnRanges = [[0, ISA_END], ...subtract(usable, [[0, ISA_END]])];
  const k = p.kernel;
  const image: [number, number] = [pfnDown(k.text), pfnUp(k.end)];
  const reserved = merge([[0, ISA_END], image]).map(([a, b]): [number, number] => [a, Math.min(b, nframes)]);
  const textEnd = pfnUp(k.etext);
  const hpageEnd = Math.ceil(k.erodata / (2 * M)) * ((2 * M) / 4096); // __end_rodata_hpage_align
  const freedLate = merge([
    [pfnUp(k.init_begin), pfnDown(k.init_end)],
    [textEnd, pfnDown(k.rodata)],
    [pfnUp(k.erodata), pfnDown(k.sdata)],
  ]);
  return {
    profile: p,
    nframes,
    mapped,
    present: usable,
    reserved: merge(reserved),
    freedLate,
    roRange: [pfnDown(k.text), hpageEnd],
  };
}

/**
 * A profile of the machine that printed this /proc/iomem (read as root: other users see zeros): its top-level
 * "System RAM" ranges as the usable e820 entries and the "Kernel code/rodata/data/bss" entries as the image.
 * /proc/iomem does not show the init sections: they are taken as the pages between the data and the bss, which
 * are RW in the direct map either way. Returns why not when the text lacks what a profile needs.
 */
export function profileFromIomem(
  iomem: string,
  gbpages: boolean,
  name = 'this machine',
): MachineProfile | { why: string } {
  const e820: E820Entry[] = [];
  const image: Record<string, [number, number]> = {};
  for (const line of iomem.split('\n')) {
    const m = /^(\s*)([0-9a-f]+)-([0-9a-f]+) : (.*)$/.exec(line);
    if (!m) continue;
    const [start, end] = [parseInt(m[2]!, 16), parseInt(m[3]!, 16)];
    if (m[1] === '' && m[4] === 'System RAM') e820.push({ start, end, type: 'usable' });
    const k = /^Kernel (code|rodata|data|bss)$/.exec(m[4]!);
    if (k && m[1] !== '') image[k[1]!] = [start, end + 1];
  }
  if (!e820.length || e820.every((e) => e.end === 0))
    return { why: '/proc/iomem shows no System RAM addresses (not root?)' };
  const { code, rodata, data, bss } = image;
  if (!code || !rodata || !data || !bss) return { why: '/proc/iomem names no Kernel code/rodata/data/bss ranges' };
  return {
    name,
    source: '/proc/iomem of the running machine',
    e820,
    gbpages,
    kernel: {
      text: code[0],
      etext: code[1],
      rodata: rodata[0],
      erodata: rodata[1],
      sdata: data[0],
      init_begin: data[1],
      init_end: bss[0],
      end: bss[1],
    },
  };
}
