/**
 * The eBPF data path (Xiaoguang Wang's 2023 RFC, BPF_PROG_TYPE_UBLK, never merged): a program runs at
 * ->queue_rq and submits the backing I/O itself through a kfunc, on the request's own pages.
 *
 * This file defines the small interface the ublk engine needs from a BPF program. The real BPF engine
 * (src-main/engines/bpf) is to be wired in by the lead; until then `builtinLoopProgram` below is a
 * TypeScript STAND-IN for a verified BPF program, clearly not BPF bytecode.
 */

/** The program's context (struct ublk_bpf_ctx of the RFC, reduced): what queue_rq knows about the request. */
export interface UblkBpfCtx {
  q_id: number;
  tag: number;
  /** UBLK_IO_OP_* */
  op: number;
  start_sector: number;
  nr_sectors: number;
}

/** The SQE a program may queue through the kfunc (the RFC's bpf_ublk_queue_sqe(ctx, sqe, sqe_len, fd)). */
export interface UblkBpfSqe {
  /** IORING_OP_READ or IORING_OP_WRITE. */
  opcode: number;
  /** Index in the server ring's registered files (the backing file). */
  fd: number;
  /** Byte offset in the backing file. */
  off: number;
  /** Byte length. */
  len: number;
  /** Byte offset inside the request's pages. */
  buf_off: number;
}

/** kfuncs available to a ublk BPF program. */
export interface UblkBpfKfuncs {
  /** bpf_ublk_queue_sqe(): queues one backing SQE on the request's pages; returns 0 or -errno. */
  bpf_ublk_queue_sqe(ctx: UblkBpfCtx, sqe: UblkBpfSqe): number;
}

/**
 * A loaded program of the lab's ublk program type. run() returns 0 when the program took the request
 * (it queued its backing I/O) or 1 to hand the request to the userspace server as usual.
 */
export interface UblkBpfProgram {
  readonly name: string;
  /** True for a program the BPF engine verified; the built-in stand-in says false. */
  readonly verified: boolean;
  /** The BPF engine's loaded program this runs (absent for the built-in stand-in): what checkers and panels name. */
  readonly source?: object;
  /** Instructions executed by the last run (for cost accounting when the BPF engine reports it). */
  run(ctx: UblkBpfCtx, kfuncs: UblkBpfKfuncs): number;
}

/** A target's layout as the stand-in program needs it: backend pieces of [off, off+len). */
export type UblkBpfLayout = (
  write: boolean,
  off: number,
  len: number,
  tag: number,
) => { file: number; off: number; len: number; buf_off: number }[];

/**
 * STAND-IN (TypeScript, not BPF): the RFC's example program generalised to the target's layout (loop: one
 * file; stripe: per chunk; mirror: every leg for WRITE, one for READ). It queues one backing SQE per piece
 * through the kfunc, so the request never goes to userspace. Only READ and WRITE are taken.
 */
export function builtinLoopProgram(layout: UblkBpfLayout): UblkBpfProgram {
  return {
    name: 'ublk_builtin_target (TypeScript stand-in for a BPF program)',
    verified: false,
    run(ctx, k) {
      if (ctx.op !== 0 && ctx.op !== 1) return 1; // FLUSH etc. go to the server
      const write = ctx.op === 1;
      const pieces = layout(write, ctx.start_sector * 512, ctx.nr_sectors * 512, ctx.tag);
      if (!pieces.length) return 1;
      for (const p of pieces) {
        const r = k.bpf_ublk_queue_sqe(ctx, {
          opcode: write ? 23 : 22,
          fd: p.file,
          off: p.off,
          len: p.len,
          buf_off: p.buf_off,
        });
        if (r !== 0) return 1;
      }
      return 0;
    },
  };
}

/**
 * Byte layout for a real BPF program (to be used when the BPF engine is wired in): the context the
 * program reads, `struct ublk_bpf_ctx { u16 q_id; u16 tag; u32 op; u64 start_sector; u32 nr_sectors; u32 pad; }`
 * (24 bytes, little-endian), and the SQE the kfunc takes, `struct ublk_bpf_sqe { u8 opcode; u8 pad[3];
 * s32 fd; u64 off; u32 len; u32 buf_off; }` (24 bytes). Model-defined: the RFC passed a full io_uring SQE.
 */
export const UBLK_BPF_CTX_SIZE = 24;
export const UBLK_BPF_SQE_SIZE = 24;

/** Serialises the program context for a BPF program's ctx pointer. */
export function encodeUblkBpfCtx(c: UblkBpfCtx): Uint8Array {
  const b = new Uint8Array(UBLK_BPF_CTX_SIZE);
  const v = new DataView(b.buffer);
  v.setUint16(0, c.q_id, true);
  v.setUint16(2, c.tag, true);
  v.setUint32(4, c.op, true);
  v.setUint32(8, (c.start_sector % 0x100000000) >>> 0, true);
  v.setUint32(12, Math.floor(c.start_sector / 0x100000000) >>> 0, true);
  v.setUint32(16, c.nr_sectors >>> 0, true);
  return b;
}

/** Reads the kfunc's SQE argument from program memory. */
export function decodeUblkBpfSqe(b: Uint8Array): UblkBpfSqe {
  if (b.length < UBLK_BPF_SQE_SIZE) throw new RangeError('ublk_bpf_sqe: 24 bytes expected');
  const v = new DataView(b.buffer, b.byteOffset, b.length);
  return {
    opcode: v.getUint8(0),
    fd: v.getInt32(4, true),
    off: v.getUint32(8, true) + v.getUint32(12, true) * 0x100000000,
    len: v.getUint32(16, true),
    buf_off: v.getUint32(20, true),
  };
}
