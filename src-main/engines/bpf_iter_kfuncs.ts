/**
 * The common frame of the model's open-coded iterators (bpf_iter_pageblock, bpf_iter_ublk_req): the kfunc trio
 * KF_ITER_NEW / KF_ITER_NEXT / KF_ITER_DESTROY over an iterator that lives on the BPF stack, as the kernel's
 * bpf_iter_<type>_{new,next,destroy} do. The iterator's first 16 bytes are a hidden header (three u32 words of
 * the iterator's own, then a magic word that marks it initialised); next() writes its record right after and
 * returns a pointer to it, as bpf_iter_num_next() returns &it->cur. Each iterator gives only what differs:
 * how new() starts it and how next() fills the record.
 */
import { ERRNO } from './common/errors';
import type { BpfEngine, BpfVm } from './bpf/index';

/** Offsets of the header words an iterator may use, and of the record next() fills. */
export const ITER_WORD0 = 0;
export const ITER_WORD1 = 4;
const MAGIC = 8;
export const ITER_REC = 16;

/** One model-defined open-coded iterator. */
export interface OpenCodedIter {
  /** The type name: the kfuncs are bpf_iter_<type>_{new,next,destroy}. */
  type: string;
  /** Pseudo BTF ids of the three kfuncs. */
  ids: { new: number; next: number; destroy: number };
  /** Stack slots of struct bpf_iter_<type>. */
  slots: number;
  /** Size of the read-only record next() returns. */
  recordSize: number;
  /** A word marking an initialised iterator: next() of anything else returns NULL. */
  magic: number;
  /** new(): starts the iterator from the two scalar arguments (each as lo/hi words); 0 or a negative errno. */
  start(it: DataView, a: { lo: number; hi: number }, b: { lo: number; hi: number }): number;
  /** next(): writes the next record at ITER_REC and returns true, or false at the end. */
  fill(it: DataView): boolean;
}

/** Registers the trio with the BPF engine, with the sizes the verifier needs (kfuncProto()). */
export function registerOpenCodedIter(bpf: BpfEngine, spec: OpenCodedIter): void {
  const size = spec.slots * 8;
  const iter = (vm: BpfVm, r: Int32Array): { dv: DataView; lo: number; hi: number } | undefined => {
    const b = vm.bytes(r[3]!, r[2]!, size, true);
    return b ? { dv: new DataView(b.buffer, b.byteOffset, size), lo: r[2]!, hi: r[3]! } : undefined;
  };
  const clear = (dv: DataView): void => {
    for (let i = 0; i < size; i += 4) dv.setUint32(i, 0, true);
  };
  const proto = { iterSlots: spec.slots, retMemSize: spec.recordSize, scalarArgs: 2 };
  bpf.register_kfunc({
    id: spec.ids.new,
    name: `bpf_iter_${spec.type}_new`,
    proto,
    fn: (vm, r) => {
      // An int return value, zero-extended as x86-64 leaves it (as bpf_iter_num_new's).
      const ret = (v: number): void => {
        r[0] = v;
        r[1] = 0;
      };
      const it = iter(vm, r);
      if (!it) return ret(-ERRNO.EFAULT); // only without the verifier: the pointer is not the iterator's bytes
      clear(it.dv);
      const err = spec.start(it.dv, { lo: r[4]!, hi: r[5]! }, { lo: r[6]!, hi: r[7]! });
      if (err) return ret(err);
      it.dv.setUint32(MAGIC, spec.magic, true);
      ret(0);
    },
  });
  bpf.register_kfunc({
    id: spec.ids.next,
    name: `bpf_iter_${spec.type}_next`,
    proto,
    fn: (vm, r) => {
      const it = iter(vm, r);
      r[0] = 0;
      r[1] = 0;
      if (!it || it.dv.getUint32(MAGIC, true) !== spec.magic || !spec.fill(it.dv)) return;
      r[0] = (it.lo + ITER_REC) | 0;
      r[1] = it.hi;
    },
  });
  bpf.register_kfunc({
    id: spec.ids.destroy,
    name: `bpf_iter_${spec.type}_destroy`,
    proto,
    fn: (vm, r) => {
      const it = iter(vm, r);
      if (it) clear(it.dv);
      r[0] = 0;
      r[1] = 0;
    },
  });
}
