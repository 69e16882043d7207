/**
 * Where JIT-compiled BPF programs live: text allocated from the memory engine's execmem, as in Linux, so that
 * loading BPF programs fragments the direct map as module and BPF text do. Since Linux 5.18 (bpf_prog_pack,
 * kernel/bpf/core.c) programs are packed into shared 2 MiB ROX chunks cut in 64-byte pieces; before it, each
 * program had its own execmem allocation (one or more pages, each splitting the direct map around it).
 */
import { KernelError } from './common/errors';
import type { MmEngine, VmRegion } from './mm/index';
import { jitPackSize } from './bpf_jit_comp';

/** BPF_PROG_PACK_SIZE on x86-64 with huge vmalloc (one node), and BPF_PROG_CHUNK_SIZE. */
export const BPF_PROG_PACK_SIZE = 2 << 20;
export const BPF_PROG_CHUNK_SIZE = 64;
const CHUNKS = BPF_PROG_PACK_SIZE / BPF_PROG_CHUNK_SIZE;

interface Pack {
  region: VmRegion;
  used: Uint8Array;
  free: number;
}

export interface JitImage {
  /** The execmem area holding the image (a shared pack, or the program's own). */
  region: VmRegion;
  /** Offset of the image in the area, and its size in bytes (rounded up to whole chunks in a pack). */
  offset: number;
  size: number;
}

export class BpfProgPack {
  private readonly packs: Pack[] = [];

  constructor(
    private readonly mm: MmEngine,
    /** bpf_prog_pack (5.18+); false models earlier kernels, one execmem area per program. */
    readonly packed: boolean,
  ) {}

  /**
   * bpf_jit_binary_pack_alloc(): room for a program's image of `proglen` bytes (bpf_jit_comp.ts jitImageSize()),
   * with its header and padding. Throws ENOMEM when execmem has none.
   */
  alloc(proglen: number): JitImage {
    const size = jitPackSize(proglen, BPF_PROG_CHUNK_SIZE);
    // Images larger than half a pack get their own allocation, as bpf_prog_pack_alloc() does.
    if (!this.packed || size > BPF_PROG_PACK_SIZE / 2) {
      const region = this.mm.execmem_alloc(size);
      if (!region) throw new KernelError('ENOMEM', `bpf_jit_alloc_exec: no execmem for a ${size}-byte image`);
      return { region, offset: 0, size };
    }
    const chunks = Math.ceil(size / BPF_PROG_CHUNK_SIZE);
    for (const pack of this.packs) {
      if (pack.free < chunks) continue;
      const at = findRun(pack.used, chunks);
      if (at >= 0) return this.take(pack, at, chunks);
    }
    const region = this.mm.execmem_alloc(BPF_PROG_PACK_SIZE);
    if (!region) throw new KernelError('ENOMEM', 'bpf_prog_pack_alloc: no execmem for a new 2 MiB pack');
    const pack: Pack = { region, used: new Uint8Array(CHUNKS), free: CHUNKS };
    this.packs.push(pack);
    return this.take(pack, 0, chunks);
  }

  private take(pack: Pack, at: number, chunks: number): JitImage {
    pack.used.fill(1, at, at + chunks);
    pack.free -= chunks;
    return { region: pack.region, offset: at * BPF_PROG_CHUNK_SIZE, size: chunks * BPF_PROG_CHUNK_SIZE };
  }

  /** Packs in use (each one 2 MiB execmem area). */
  get nr_packs(): number {
    return this.packs.length;
  }
}

function findRun(used: Uint8Array, n: number): number {
  let run = 0;
  for (let i = 0; i < used.length; i++) {
    run = used[i] ? 0 : run + 1;
    if (run === n) return i - n + 1;
  }
  return -1;
}
