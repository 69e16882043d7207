/**
 * UAPI of the ublk driver (include/uapi/linux/ublk_cmd.h): feature flags, command opcodes, I/O ops,
 * descriptor layout and result codes, with the values of the current kernel header.
 *
 * The modelled driver is Linux 6.18: drivers/block/ublk_drv.c as in the rpi-6.18.y tree
 * (raspberrypi/linux 0121c84adb6a4cd6f7560b5895bd88f9899bbc1f): UBLK_F_ALL is bits 0-14, control
 * opcodes end at QUIESCE_DEV (0x16), CONFIG_BLK_DEV_ZONED=y by default (a boot option). Definitions newer than 6.18 are taken from
 * mainline's header (torvalds/linux 08677040a91199175149d1fd465c02e3b3fc768a) and marked "after 6.18".
 */
import { KernelError } from '../common/errors';

/** UBLK_F_* feature flags by bit number (include/uapi/linux/ublk_cmd.h). */
export const UBLK_F = {
  UBLK_F_SUPPORT_ZERO_COPY: 1 << 0,
  UBLK_F_URING_CMD_COMP_IN_TASK: 1 << 1,
  UBLK_F_NEED_GET_DATA: 1 << 2,
  UBLK_F_USER_RECOVERY: 1 << 3,
  UBLK_F_USER_RECOVERY_REISSUE: 1 << 4,
  UBLK_F_UNPRIVILEGED_DEV: 1 << 5,
  UBLK_F_CMD_IOCTL_ENCODE: 1 << 6,
  UBLK_F_USER_COPY: 1 << 7,
  UBLK_F_ZONED: 1 << 8,
  UBLK_F_USER_RECOVERY_FAIL_IO: 1 << 9,
  UBLK_F_UPDATE_SIZE: 1 << 10,
  UBLK_F_AUTO_BUF_REG: 1 << 11,
  UBLK_F_QUIESCE: 1 << 12,
  UBLK_F_PER_IO_DAEMON: 1 << 13,
  UBLK_F_BUF_REG_OFF_DAEMON: 1 << 14,
  UBLK_F_BATCH_IO: 1 << 15,
  UBLK_F_INTEGRITY: 1 << 16,
  UBLK_F_SAFE_STOP_DEV: 1 << 17,
  UBLK_F_NO_AUTO_PART_SCAN: 1 << 18,
  UBLK_F_SHMEM_ZC: 1 << 19,
} as const;

export type UblkFlagName = keyof typeof UBLK_F;

/**
 * UBLK_F_ALL of the modelled driver: the flags it knows (bits 0-14, as in 6.18). Like
 * ublk_ctrl_add_dev(), bits outside it are silently cleared from the negotiated flags.
 */
export const UBLK_F_ALL =
  UBLK_F.UBLK_F_SUPPORT_ZERO_COPY |
  UBLK_F.UBLK_F_URING_CMD_COMP_IN_TASK |
  UBLK_F.UBLK_F_NEED_GET_DATA |
  UBLK_F.UBLK_F_USER_RECOVERY |
  UBLK_F.UBLK_F_USER_RECOVERY_REISSUE |
  UBLK_F.UBLK_F_UNPRIVILEGED_DEV |
  UBLK_F.UBLK_F_CMD_IOCTL_ENCODE |
  UBLK_F.UBLK_F_USER_COPY |
  UBLK_F.UBLK_F_ZONED |
  UBLK_F.UBLK_F_USER_RECOVERY_FAIL_IO |
  UBLK_F.UBLK_F_UPDATE_SIZE |
  UBLK_F.UBLK_F_AUTO_BUF_REG |
  UBLK_F.UBLK_F_QUIESCE |
  UBLK_F.UBLK_F_PER_IO_DAEMON |
  UBLK_F.UBLK_F_BUF_REG_OFF_DAEMON;

export const UBLK_F_ALL_RECOVERY_FLAGS =
  UBLK_F.UBLK_F_USER_RECOVERY | UBLK_F.UBLK_F_USER_RECOVERY_REISSUE | UBLK_F.UBLK_F_USER_RECOVERY_FAIL_IO;

/** Control command opcodes (legacy numbers; the UBLK_U_CMD_* ioctl forms carry the same nr). */
export const UBLK_CMD = {
  GET_QUEUE_AFFINITY: 0x01,
  GET_DEV_INFO: 0x02,
  ADD_DEV: 0x04,
  DEL_DEV: 0x05,
  START_DEV: 0x06,
  STOP_DEV: 0x07,
  SET_PARAMS: 0x08,
  GET_PARAMS: 0x09,
  START_USER_RECOVERY: 0x10,
  END_USER_RECOVERY: 0x11,
  GET_DEV_INFO2: 0x12,
  GET_FEATURES: 0x13,
  DEL_DEV_ASYNC: 0x14,
  UPDATE_SIZE: 0x15,
  QUIESCE_DEV: 0x16,
  /** After 6.18 (with UBLK_F_SAFE_STOP_DEV): the 6.18 driver answers -EOPNOTSUPP. */
  TRY_STOP_DEV: 0x17,
  /** After 6.18 (UBLK_F_SHMEM_ZC): register a shared-memory buffer (struct ublk_shmem_buf_reg at addr). */
  REG_BUF: 0x18,
  /** After 6.18 (UBLK_F_SHMEM_ZC): unregister a shared-memory buffer (index in data[0]). */
  UNREG_BUF: 0x19,
} as const;

/**
 * Control commands the 6.18 driver has no case for (its ublk_ctrl_uring_cmd() answers -EOPNOTSUPP). REG_BUF and
 * UNREG_BUF are modelled from mainline for UBLK_F_SHMEM_ZC devices (ublk_shmem.ts: dev.reg_buf / dev.unreg_buf).
 */
export const UBLK_CMD_AFTER_6_18: readonly number[] = [UBLK_CMD.TRY_STOP_DEV, UBLK_CMD.REG_BUF, UBLK_CMD.UNREG_BUF];

/** UBLK_FEATURES_LEN: GET_FEATURES copies out one u64. */
export const UBLK_FEATURES_LEN = 8;

/** struct ublk_shmem_buf_reg.flags (after 6.18): pin without FOLL_WRITE, for write-sealed memfds. */
export const UBLK_SHMEM_BUF_READ_ONLY = 1 << 0;

/** Data-plane uring_cmd opcodes on /dev/ublkcN (_IOC_NR of UBLK_U_IO_*). */
export const UBLK_IO_FETCH_REQ = 0x20;
export const UBLK_IO_COMMIT_AND_FETCH_REQ = 0x21;
export const UBLK_IO_NEED_GET_DATA = 0x22;
export const UBLK_IO_REGISTER_IO_BUF = 0x23;
export const UBLK_IO_UNREGISTER_IO_BUF = 0x24;
/** Batch I/O commands (after 6.18, UBLK_F_BATCH_IO; _IOC_NR of UBLK_U_IO_*, struct ublk_batch_io in sqe->cmd). */
export const UBLK_IO_PREP_IO_CMDS = 0x25;
export const UBLK_IO_COMMIT_IO_CMDS = 0x26;
/** Multishot (IORING_URING_CMD_MULTISHOT): fetches I/O commands into a provided buffer. */
export const UBLK_IO_FETCH_IO_CMDS = 0x27;
/** struct ublk_batch_io.flags (after 6.18): which optional 8-byte fields each element carries. */
export const UBLK_BATCH_F_HAS_ZONE_LBA = 1 << 0;
export const UBLK_BATCH_F_HAS_BUF_ADDR = 1 << 1;
export const UBLK_BATCH_F_AUTO_BUF_REG_FALLBACK = 1 << 2;
/**
 * I/O opcodes the 6.18 driver does not know (it has no _IOC_NR case for them: -EINVAL). A UBLK_F_BATCH_IO device,
 * modelled from mainline (ublk_batch.ts), takes them.
 */
export const UBLK_IO_AFTER_6_18: readonly number[] = [
  UBLK_IO_PREP_IO_CMDS,
  UBLK_IO_COMMIT_IO_CMDS,
  UBLK_IO_FETCH_IO_CMDS,
];
/** Model-only opcode: the primary half of the 2023 fused command (IORING_OP_FUSED_CMD), never merged. */
export const UBLK_IO_FUSED_PRIMARY = 0x80;

/** CQE results of data-plane commands. */
export const UBLK_IO_RES_OK = 0;
export const UBLK_IO_RES_NEED_GET_DATA = 1;
export const UBLK_IO_RES_ABORT = -19; // -ENODEV

/** ublksrv_io_desc op (bits 0-7 of op_flags). */
export const UBLK_IO_OP_READ = 0;
export const UBLK_IO_OP_WRITE = 1;
export const UBLK_IO_OP_FLUSH = 2;
export const UBLK_IO_OP_DISCARD = 3;
/** Defined in the header; ublk_setup_iod() (6.18) never produces it (REQ_OP_WRITE_SAME is gone from blk). */
export const UBLK_IO_OP_WRITE_SAME = 4;
export const UBLK_IO_OP_WRITE_ZEROES = 5;
/** Zoned ops: only on a UBLK_F_ZONED device, which needs CONFIG_BLK_DEV_ZONED (ublk_setup_iod_zoned(), zoned.ts). */
export const UBLK_IO_OP_ZONE_OPEN = 10;
export const UBLK_IO_OP_ZONE_CLOSE = 11;
export const UBLK_IO_OP_ZONE_FINISH = 12;
export const UBLK_IO_OP_ZONE_APPEND = 13;
export const UBLK_IO_OP_ZONE_RESET_ALL = 14;
export const UBLK_IO_OP_ZONE_RESET = 15;
/** A zone report (REQ_OP_DRV_IN): iod.nr_sectors is nr_zones, the server returns struct blk_zone entries. */
export const UBLK_IO_OP_REPORT_ZONES = 18;

/**
 * Request flags a bio may carry that ublk_req_build_flags() (6.18) passes to the server (include/linux/blk_types.h
 * names). The bit values are the model's own: the kernel's enum req_flag_bits positions move between releases
 * and never reach user space; only the UBLK_IO_F_* bits below are ABI.
 */
export const REQ_FLAGS = {
  REQ_FAILFAST_DEV: 1 << 0,
  REQ_FAILFAST_TRANSPORT: 1 << 1,
  REQ_FAILFAST_DRIVER: 1 << 2,
  REQ_META: 1 << 3,
  REQ_FUA: 1 << 4,
  REQ_PREFLUSH: 1 << 5,
  REQ_SWAP: 1 << 6,
  /** Only for REQ_OP_WRITE_ZEROES: keep the blocks allocated. */
  REQ_NOUNMAP: 1 << 7,
} as const;
export type ReqFlagName = keyof typeof REQ_FLAGS;

/** ublk_req_build_flags() (6.18): the request's cmd_flags as UBLK_IO_F_* bits of iod->op_flags. */
export function ublk_req_build_flags(cmd_flags: number): number {
  if (cmd_flags === 0) return 0;
  let f = 0;
  if (cmd_flags & REQ_FLAGS.REQ_FAILFAST_DEV) f |= UBLK_IO_F_FAILFAST_DEV;
  if (cmd_flags & REQ_FLAGS.REQ_FAILFAST_TRANSPORT) f |= UBLK_IO_F_FAILFAST_TRANSPORT;
  if (cmd_flags & REQ_FLAGS.REQ_FAILFAST_DRIVER) f |= UBLK_IO_F_FAILFAST_DRIVER;
  if (cmd_flags & REQ_FLAGS.REQ_META) f |= UBLK_IO_F_META;
  if (cmd_flags & REQ_FLAGS.REQ_FUA) f |= UBLK_IO_F_FUA;
  if (cmd_flags & REQ_FLAGS.REQ_NOUNMAP) f |= UBLK_IO_F_NOUNMAP;
  if (cmd_flags & REQ_FLAGS.REQ_SWAP) f |= UBLK_IO_F_SWAP;
  return f;
}

/** Parses REQ_* names into the model's cmd_flags mask; an unknown name is EINVAL. */
export function parseReqFlags(names: readonly string[] | undefined): number {
  if (names === undefined) return 0;
  let mask = 0;
  for (const n of names) {
    const bit = REQ_FLAGS[n as ReqFlagName];
    if (bit === undefined)
      throw new KernelError('EINVAL', `unknown request flag '${n}' (one of ${Object.keys(REQ_FLAGS).join(', ')})`);
    mask |= bit;
  }
  return mask;
}

/** UBLK_IO_F_* names of an iod's op_flags (bits 8-31), in bit order. */
export function ublkIoFlagNames(op_flags: number): string[] {
  const out: string[] = [];
  for (const [name, bit] of IO_F_NAMES) if (op_flags & bit) out.push(name);
  return out;
}

/** ublksrv_io_desc flags (bits 8-31 of op_flags), from the request's cmd_flags (ublk_req_build_flags). */
export const UBLK_IO_F_FAILFAST_DEV = 1 << 8;
export const UBLK_IO_F_FAILFAST_TRANSPORT = 1 << 9;
export const UBLK_IO_F_FAILFAST_DRIVER = 1 << 10;
export const UBLK_IO_F_META = 1 << 11;
export const UBLK_IO_F_FUA = 1 << 13;
export const UBLK_IO_F_NOUNMAP = 1 << 15;
export const UBLK_IO_F_SWAP = 1 << 16;
export const UBLK_IO_F_NEED_REG_BUF = 1 << 17;
/** After 6.18 (UBLK_F_INTEGRITY): the request has an integrity buffer. */
export const UBLK_IO_F_INTEGRITY = 1 << 18;
/** After 6.18 (UBLK_F_SHMEM_ZC): iod.addr is a shared-memory buffer index (bits 32-47) and offset (bits 0-31). */
export const UBLK_IO_F_SHMEM_ZC = 1 << 19;

const IO_F_NAMES: readonly [string, number][] = [
  ['UBLK_IO_F_FAILFAST_DEV', UBLK_IO_F_FAILFAST_DEV],
  ['UBLK_IO_F_FAILFAST_TRANSPORT', UBLK_IO_F_FAILFAST_TRANSPORT],
  ['UBLK_IO_F_FAILFAST_DRIVER', UBLK_IO_F_FAILFAST_DRIVER],
  ['UBLK_IO_F_META', UBLK_IO_F_META],
  ['UBLK_IO_F_FUA', UBLK_IO_F_FUA],
  ['UBLK_IO_F_NOUNMAP', UBLK_IO_F_NOUNMAP],
  ['UBLK_IO_F_SWAP', UBLK_IO_F_SWAP],
  ['UBLK_IO_F_NEED_REG_BUF', UBLK_IO_F_NEED_REG_BUF],
  ['UBLK_IO_F_INTEGRITY', UBLK_IO_F_INTEGRITY],
  ['UBLK_IO_F_SHMEM_ZC', UBLK_IO_F_SHMEM_ZC],
];

/** ublk_param_basic.attrs. */
export const UBLK_ATTR_READ_ONLY = 1 << 0;
export const UBLK_ATTR_ROTATIONAL = 1 << 1;
export const UBLK_ATTR_VOLATILE_CACHE = 1 << 2;
export const UBLK_ATTR_FUA = 1 << 3;

/** After 6.18: UBLK_PARAM_TYPE_INTEGRITY (needs UBLK_F_INTEGRITY); 6.18 masks it off in SET_PARAMS. */
export const UBLK_PARAM_TYPE_INTEGRITY = 1 << 6;

/** After 6.18: the user-copy offset bit that selects the integrity buffer instead of the data. */
export const UBLK_INTEGRITY_FLAG_OFF = 62;

/** After 6.18: UBLK_IO_F_SHMEM_ZC address encoding (ublk_shmem_zc_addr). */
export const UBLK_SHMEM_ZC_IDX_OFF = 32;
export function ublk_shmem_zc_addr(index: number, offset: number): number {
  return (index & 0xffff) * 2 ** UBLK_SHMEM_ZC_IDX_OFF + (offset >>> 0);
}

/** ublk_auto_buf_reg.flags: fall back to UBLK_IO_F_NEED_REG_BUF when registration fails. */
export const UBLK_AUTO_BUF_REG_FALLBACK = 1 << 0;

/** Device states (ublksrv_ctrl_dev_info.state). */
export const UBLK_S_DEV_DEAD = 0;
export const UBLK_S_DEV_LIVE = 1;
export const UBLK_S_DEV_QUIESCED = 2;
export const UBLK_S_DEV_FAIL_IO = 3;
export const UBLK_STATE_NAMES = ['UBLK_S_DEV_DEAD', 'UBLK_S_DEV_LIVE', 'UBLK_S_DEV_QUIESCED', 'UBLK_S_DEV_FAIL_IO'];

export const UBLK_MAX_QUEUE_DEPTH = 4096;
export const UBLK_MAX_NR_QUEUES = 4096;
export const UBLK_IO_BUF_BITS = 25;
export const UBLKSRV_IO_BUF_OFFSET = 0x80000000;
export const UBLK_QID_OFF = 41;
export const UBLK_TAG_OFF = 25;
/** The driver requeues a request it could not map after this many ms (UBLK_REQUEUE_DELAY_MS). */
export const UBLK_REQUEUE_DELAY_MS = 3;
/** The old copy path pinned at most this many user pages per batch (UBLK_MAX_PIN_PAGES). */
export const UBLK_MAX_PIN_PAGES = 32;

/** sizeof(struct ublksrv_io_desc). */
export const UBLKSRV_IO_DESC_SIZE = 24;

/** The decoded 24-byte struct ublksrv_io_desc. */
export interface UblksrvIoDesc {
  op_flags: number;
  nr_sectors: number;
  start_sector: number;
  addr: number;
}

/** Writes one struct ublksrv_io_desc (little-endian, as on x86) at slot `tag` of the queue's descriptor area. */
export function ublk_write_iod(view: DataView, tag: number, iod: UblksrvIoDesc): void {
  const o = tag * UBLKSRV_IO_DESC_SIZE;
  view.setUint32(o, iod.op_flags >>> 0, true);
  view.setUint32(o + 4, iod.nr_sectors >>> 0, true);
  writeU64(view, o + 8, iod.start_sector);
  writeU64(view, o + 16, iod.addr);
}

/** Reads slot `tag` of the descriptor area, as the server does through its read-only mmap. */
export function ublk_read_iod(view: DataView, tag: number): UblksrvIoDesc {
  const o = tag * UBLKSRV_IO_DESC_SIZE;
  return {
    op_flags: view.getUint32(o, true),
    nr_sectors: view.getUint32(o + 4, true),
    start_sector: readU64(view, o + 8),
    addr: readU64(view, o + 16),
  };
}

/** ublk_read_iod into an existing object (the server's per-tag copy), without allocating. */
export function ublk_read_iod_into(view: DataView, tag: number, out: UblksrvIoDesc): UblksrvIoDesc {
  const o = tag * UBLKSRV_IO_DESC_SIZE;
  out.op_flags = view.getUint32(o, true);
  out.nr_sectors = view.getUint32(o + 4, true);
  out.start_sector = readU64(view, o + 8);
  out.addr = readU64(view, o + 16);
  return out;
}

function writeU64(view: DataView, o: number, v: number): void {
  view.setUint32(o, (v % 0x100000000) >>> 0, true);
  view.setUint32(o + 4, Math.floor(v / 0x100000000) >>> 0, true);
}

function readU64(view: DataView, o: number): number {
  return view.getUint32(o, true) + view.getUint32(o + 4, true) * 0x100000000;
}

/** The user-copy file offset of (q_id, tag) on /dev/ublkcN (ublk_pos in ublksrv). */
export function ublk_user_copy_pos(q_id: number, tag: number, off = 0): number {
  return UBLKSRV_IO_BUF_OFFSET + q_id * 2 ** UBLK_QID_OFF + tag * 2 ** UBLK_TAG_OFF + off;
}

/** Parses UBLK_F_* names (with or without the UBLK_F_ prefix) into a mask; an unknown name is EINVAL. */
export function parseUblkFlags(names: readonly string[] | number | undefined): number {
  if (names === undefined) return 0;
  if (typeof names === 'number') return names >>> 0;
  let mask = 0;
  for (const raw of names) {
    const name = (raw.startsWith('UBLK_F_') ? raw : `UBLK_F_${raw}`) as UblkFlagName;
    const bit = UBLK_F[name];
    if (bit === undefined) throw new KernelError('EINVAL', `unknown ublk feature flag '${raw}' (not a UBLK_F_* name)`);
    mask |= bit;
  }
  return mask >>> 0;
}

/** Names of the flags set in a mask, in bit order. */
export function ublkFlagNames(mask: number): UblkFlagName[] {
  return (Object.keys(UBLK_F) as UblkFlagName[]).filter((n) => (mask & UBLK_F[n]) !== 0);
}
