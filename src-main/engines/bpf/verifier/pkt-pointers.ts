/**
 * Packet pointers compared with each other (kernel/bpf/verifier.c, Linux 6.18): try_match_pkt_pointers(),
 * find_good_pkt_pointers(), mark_pkt_end() and is_pkt_ptr_branch_taken(). A comparison of pkt' (pkt + off) with
 * pkt_end, or of pkt_meta' with an untouched pkt, gives every pointer of the same id the range proven in the branch
 * where pkt' cannot pass the end; in the other branch pkt' itself is marked at or beyond pkt_end.
 */
import { BPF_JGE, BPF_JGT, BPF_JLE, BPF_JLT } from '../isa';
import { flipOpcode } from './branch';
import { copyReg, isPktPointer } from './reg';
import type { Reg } from './reg';
import { isSpilledReg } from './state';
import type { VerifierState } from './state';
import { tnumIsConst } from './tnum';

/** MAX_PACKET_OFF: the largest offset a packet range may cover. */
export const MAX_PACKET_OFF = 0xffff;
/** AT_PKT_END: reg->range of a packet pointer known to be at pkt_end (pkt >= pkt_end held). */
export const AT_PKT_END = -1;
/** BEYOND_PKT_END: reg->range of a packet pointer known to be past pkt_end (pkt > pkt_end held). */
export const BEYOND_PKT_END = -2;

/** reg_is_init_pkt_pointer(): a pointer of `type` with no offset, fixed or variable. */
const isInitPkt = (r: Reg, type: 'pkt'): boolean =>
  r.type === type && r.off === 0 && tnumIsConst(r.var_off) && r.var_off.v === 0n;

/** reg_is_pkt_pointer_any(): pkt, pkt_meta or pkt_end. */
export const isPktPointerAny = (r: Reg): boolean => isPktPointer(r) || r.type === 'pkt_end';

/** find_good_pkt_pointers(): every register and spill of dst's type and id gets at least dst's proven range. */
function findGoodPktPointers(st: VerifierState, dst: Reg, rangeRightOpen: boolean): void {
  if (dst.off < 0 || (dst.off === 0 && rangeRightOpen)) return;
  // Risk of overflow: pkt + a huge value may compare below pkt_end only because it wrapped.
  if (dst.umax > BigInt(MAX_PACKET_OFF) || dst.umax + BigInt(dst.off) > BigInt(MAX_PACKET_OFF)) return;
  const range = rangeRightOpen ? dst.off + 1 : dst.off;
  const type = dst.type;
  const id = dst.id;
  const widen = (r: Reg): Reg => {
    if (r.type !== type || r.id !== id || r.mem_size >= range) return r;
    const c = copyReg(r);
    c.mem_size = range;
    return c;
  };
  for (const f of st.frames) {
    const regs: Reg[] = [];
    for (let i = 0; i < f.regs.length; i++) regs.push(widen(f.regs[i]!));
    f.regs = regs;
    for (const s of f.stack) if (isSpilledReg(s)) s.spilled = widen(s.spilled);
  }
}

/** mark_pkt_end(): the register (of the current frame) is at pkt_end, or beyond it when rangeOpen. */
function markPktEnd(st: VerifierState, regno: number, rangeOpen: boolean): void {
  const f = st.frames[st.frames.length - 1]!;
  const r = f.regs[regno]!;
  // Linux 6.18 marks only PTR_TO_PACKET ("PTR_TO_PACKET_META is not supported yet").
  if (r.type !== 'pkt') return;
  const c = copyReg(r);
  c.mem_size = rangeOpen ? BEYOND_PKT_END : AT_PKT_END;
  const regs = f.regs.slice();
  regs[regno] = c;
  f.regs = regs;
}

/**
 * try_match_pkt_pointers(): for `if dst op src goto` (64-bit, register source) between pkt' and pkt_end, or
 * pkt_meta' and an untouched pkt, either order; `fall` is the fall-through state, `taken` the pushed one.
 * Returns whether the comparison was one of these.
 */
export function tryMatchPktPointers(
  op: number,
  dstRegno: number,
  srcRegno: number,
  dst: Reg,
  src: Reg,
  fall: VerifierState,
  taken: VerifierState,
): boolean {
  if ((dst.type === 'pkt_end' && src.type === 'pkt') || (isInitPkt(dst, 'pkt') && src.type === 'pkt_meta')) {
    [dst, src] = [src, dst];
    dstRegno = srcRegno;
    op = flipOpcode(op);
  }
  const dataVsEnd = dst.type === 'pkt' && src.type === 'pkt_end';
  const metaVsData = dst.type === 'pkt_meta' && isInitPkt(src, 'pkt');
  if (!dataVsEnd && !metaVsData) return false;
  switch (op) {
    case BPF_JGT: // pkt' > pkt_end: in range when not taken
      findGoodPktPointers(fall, dst, false);
      markPktEnd(taken, dstRegno, true);
      return true;
    case BPF_JLT: // pkt' < pkt_end: in range (one more byte) when taken
      findGoodPktPointers(taken, dst, true);
      markPktEnd(fall, dstRegno, false);
      return true;
    case BPF_JGE: // pkt' >= pkt_end: in range (one more byte) when not taken
      findGoodPktPointers(fall, dst, true);
      markPktEnd(taken, dstRegno, false);
      return true;
    case BPF_JLE: // pkt' <= pkt_end: in range when taken
      findGoodPktPointers(taken, dst, false);
      markPktEnd(fall, dstRegno, true);
      return true;
    default:
      return false;
  }
}

/** is_pkt_ptr_branch_taken(): a pkt pointer marked at or beyond pkt_end decides some comparisons with it. */
export function isPktPtrBranchTaken(dst: Reg, src: Reg, op: number): number {
  let pkt: Reg;
  if (src.type === 'pkt_end') pkt = dst;
  else if (dst.type === 'pkt_end') {
    pkt = src;
    op = flipOpcode(op);
  } else return -1;
  if (pkt.mem_size >= 0) return -1;
  switch (op) {
    case BPF_JLE:
    case BPF_JGT:
      if (pkt.mem_size === BEYOND_PKT_END) return op === BPF_JGT ? 1 : 0;
      break;
    case BPF_JLT:
    case BPF_JGE:
      if (pkt.mem_size === BEYOND_PKT_END || pkt.mem_size === AT_PKT_END) return op === BPF_JGE ? 1 : 0;
      break;
  }
  return -1;
}
