/**
 * XDP programs at load and in a test run, as net/core/filter.c and net/bpf/test_run.c (Linux 6.18):
 * xdp_convert_ctx_access() rewrites the program's xdp_md loads into loads from the xdp_buff, and
 * bpf_prog_test_run_xdp() builds the xdp_buff over a copy of data_in (XDP_PACKET_HEADROOM before it, the metadata
 * from ctx_in's data) and returns the bytes from data_meta to data_end.
 */
import { KernelError } from '../common/errors';
import { BPF_DW, BPF_LDX, BPF_MEM, BPF_W } from './isa';
import type { BpfInsn } from './isa';
import type { LoadedInsns } from './vm';

/** XDP_PACKET_HEADROOM. */
export const XDP_PACKET_HEADROOM = 256;
/** ETH_HLEN: the shortest data_in a test run takes. */
export const ETH_HLEN = 14;
/** SKB_DATA_ALIGN(sizeof(struct skb_shared_info)) on x86-64: the tailroom of a test run's page. */
const XDP_TAILROOM = 320;
const PAGE_SIZE = 4096;
/** sizeof(struct xdp_md). */
export const XDP_MD_SIZE = 24;
/** The loopback device's ifindex: the test run's rxq is loopback's queue 0. */
const LOOPBACK_IFINDEX = 1;

/**
 * The model's xdp_buff: data, data_end and data_meta as in struct xdp_buff (u64 at 0, 8, 16).
 * Departure from Linux 6.18: ingress_ifindex and rx_queue_index are u32s in the buffer (24, 28) instead of behind
 * the rxq and dev pointers; egress_ifindex (devmap programs, which test runs refuse) is at 32.
 */
export const XDP_BUFF = {
  data: 0,
  data_end: 8,
  data_meta: 16,
  ingress_ifindex: 24,
  rx_queue_index: 28,
  egress_ifindex: 32,
  size: 40,
};

/** xdp_md offset -> [size, xdp_buff offset] of the rewritten load. */
const CONVERT: Record<number, [number, number]> = {
  0: [BPF_DW, XDP_BUFF.data],
  4: [BPF_DW, XDP_BUFF.data_end],
  8: [BPF_DW, XDP_BUFF.data_meta],
  12: [BPF_W, XDP_BUFF.ingress_ifindex],
  16: [BPF_W, XDP_BUFF.rx_queue_index],
  20: [BPF_W, XDP_BUFF.egress_ifindex],
};

/** convert_ctx_accesses() with xdp_convert_ctx_access(): the verifier's xdp_md loads (pc -> offset) rewritten. */
export function xdpConvertCtxAccesses(loaded: LoadedInsns, ctxLoads: ReadonlyMap<number, number>): LoadedInsns {
  if (!ctxLoads.size) return loaded;
  const insns: BpfInsn[] = loaded.insns.slice();
  for (const [pc, off] of ctxLoads) {
    const c = CONVERT[off];
    if (!c) continue;
    const code = BPF_LDX | BPF_MEM | c[0];
    insns[pc] = { ...insns[pc]!, code, off: c[1] };
    loaded.code[pc] = code;
    loaded.off[pc] = c[1];
  }
  return { ...loaded, insns };
}

/** The buffers of an XDP test run: the xdp_buff, the page holding the packet, and where its bytes lie. */
export interface XdpRun {
  ctx: Uint8Array;
  page: Uint8Array;
  /** Offsets in the page: data_meta, data, data_end. */
  meta: number;
  data: number;
  end: number;
}

/** bpf_prog_test_run_xdp() without BPF_F_TEST_XDP_LIVE_FRAMES: checks ctx_in and data_in, lays out the page. */
export function xdpTestRunSetup(dataIn: Uint8Array | undefined, ctxIn: Uint8Array | undefined): XdpRun {
  const size = dataIn?.length ?? 0;
  if (size < ETH_HLEN)
    throw new KernelError(
      'EINVAL',
      `BPF_PROG_TEST_RUN: XDP data_in of ${size} bytes is shorter than ETH_HLEN (${ETH_HLEN})`,
    );
  let headroom = XDP_PACKET_HEADROOM;
  let metalen = 0;
  let ingress = LOOPBACK_IFINDEX;
  let queue = 0;
  if (ctxIn) {
    // bpf_ctx_init(): bytes past struct xdp_md must be zero.
    for (let i = XDP_MD_SIZE; i < ctxIn.length; i++)
      if (ctxIn[i])
        throw new KernelError('E2BIG', `BPF_PROG_TEST_RUN: ctx_in byte ${i} past struct xdp_md is not zero`);
    const md = new Uint8Array(XDP_MD_SIZE);
    md.set(ctxIn.subarray(0, XDP_MD_SIZE));
    const dv = new DataView(md.buffer);
    const u32 = (o: number): number => dv.getUint32(o, true);
    // "There can't be user provided data before the meta data"; xdp_metalen_invalid(): a multiple of 4, at most 32.
    if (u32(8) !== 0 || u32(4) !== size || u32(0) > u32(4) || u32(0) % 4 !== 0 || u32(0) > 32)
      throw new KernelError(
        'EINVAL',
        'BPF_PROG_TEST_RUN: xdp_md needs data_meta 0, data_end == data_size_in and data (the metadata length) a multiple of 4 up to 32',
      );
    metalen = u32(0);
    headroom -= metalen;
    // xdp_convert_md_to_buff().
    if (u32(20) !== 0) throw new KernelError('EINVAL', 'BPF_PROG_TEST_RUN: xdp_md egress_ifindex must be 0');
    if (u32(12) === 0 && u32(16) !== 0)
      throw new KernelError('EINVAL', 'BPF_PROG_TEST_RUN: rx_queue_index without ingress_ifindex');
    if (u32(12) !== 0) {
      // Departure from Linux 6.18: the model's network namespace has only the loopback device (one rx queue).
      if (u32(12) !== LOOPBACK_IFINDEX)
        throw new KernelError('ENODEV', `BPF_PROG_TEST_RUN: no device with ifindex ${u32(12)}`);
      if (u32(16) >= 1)
        throw new KernelError('EINVAL', `BPF_PROG_TEST_RUN: rx_queue_index ${u32(16)} past lo's 1 queue`);
      ingress = u32(12);
      queue = u32(16);
    }
  }
  const max = PAGE_SIZE - headroom - XDP_TAILROOM;
  // Departure from Linux 6.18: no fragments, so data_in must fit the page (the kernel puts the rest in frags).
  if (size > max)
    throw new KernelError(
      'EINVAL',
      `BPF_PROG_TEST_RUN: XDP data_in of ${size} bytes exceeds the ${max} a page holds (the model has no frags)`,
    );
  const page = new Uint8Array(PAGE_SIZE);
  page.set(dataIn!, headroom);
  const ctx = new Uint8Array(XDP_BUFF.size);
  const dv = new DataView(ctx.buffer);
  dv.setUint32(XDP_BUFF.ingress_ifindex, ingress, true);
  dv.setUint32(XDP_BUFF.rx_queue_index, queue, true);
  return { ctx, page, meta: headroom, data: headroom + metalen, end: headroom + size };
}
