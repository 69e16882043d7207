/**
 * UBLK_F_SHMEM_ZC: shared-memory zero copy as mainline's drivers/block/ublk_drv.c has it after 6.18
 * (torvalds/linux 08677040a91199175149d1fd465c02e3b3fc768a): UBLK_U_CMD_REG_BUF pins a page-aligned range of
 * the server's memory (FOLL_LONGTERM, plus FOLL_WRITE unless UBLK_SHMEM_BUF_READ_ONLY) and records its page
 * ranges; ublk_setup_iod() then gives a request whose pages all lie, in order, in one registered buffer
 * UBLK_IO_F_SHMEM_ZC with addr = index << 32 | offset, and neither ublk_start_io() nor __ublk_complete_rq()
 * copies. UBLK_U_CMD_UNREG_BUF drops one buffer. The model's page frames are the bytes of its user memory:
 * a request "matches" when its data is a view of the same pinned bytes (what a client sharing the memfd does).
 */
import { KernelError } from '../common/errors';
import type { Request } from './blk_mq';
import { REQ_OP_WRITE } from './blk_mq';
import { UBLK_F, UBLK_S_DEV_DEAD, UBLK_SHMEM_BUF_READ_ONLY } from './ublk_cmd';
import type { UblkDevice, UblkDriver, UblkShmemOps } from './ublk_drv';

const PAGE_SIZE = 4096;
/** xa_limit_16b: buffer indexes 0..65535 (the index takes bits 32-47 of iod->addr). */
export const UBLK_SHMEM_MAX_BUFS = 1 << 16;

/** struct ublk_shmem_buf_reg (the control command's addr points to it). */
export interface UblkShmemBufReg {
  addr: number;
  len: number;
  flags: number;
}

/** struct ublk_buf with its maple-tree range: the pinned pages (a view of the server's memory) and the flags. */
interface ShmemBuf {
  index: number;
  va: number;
  pages: Uint8Array;
  flags: number;
}

const devBufs = new WeakMap<UblkDevice, Map<number, ShmemBuf>>();

function bufsOf(ub: UblkDevice): Map<number, ShmemBuf> {
  let m = devBufs.get(ub);
  if (!m) {
    m = new Map();
    devBufs.set(ub, m);
  }
  return m;
}

/** ublk_get_disk(): the disk exists from START_DEV until STOP_DEV. */
function hasDisk(ub: UblkDevice): boolean {
  return ub.tagset.alive && ub.used && ub.dev_info.state !== UBLK_S_DEV_DEAD;
}

/**
 * ublk_ctrl_reg_buf(): -EOPNOTSUPP without UBLK_F_SHMEM_ZC; flags other than READ_ONLY -EINVAL; a zero or
 * unaligned length or address -EINVAL; no disk -ENODEV; pages not all there -EFAULT; pages already registered
 * (mtree_insert_range) -EEXIST; 65536 buffers -EBUSY (xa_alloc). Returns the new buffer's index.
 */
export function ublk_ctrl_reg_buf(ub: UblkDevice, reg: UblkShmemBufReg): number {
  if (!(ub.flags & UBLK_F.UBLK_F_SHMEM_ZC))
    throw new KernelError('EOPNOTSUPP', 'REG_BUF: the device has no UBLK_F_SHMEM_ZC');
  if (reg.flags & ~UBLK_SHMEM_BUF_READ_ONLY)
    throw new KernelError('EINVAL', `REG_BUF: unknown flags 0x${reg.flags.toString(16)}`);
  if (!reg.len || reg.len % PAGE_SIZE || reg.addr % PAGE_SIZE)
    throw new KernelError(
      'EINVAL',
      `REG_BUF: addr 0x${reg.addr.toString(16)} and len ${reg.len} must be page-aligned and len nonzero`,
    );
  if (reg.len > 0xffffffff) throw new KernelError('EINVAL', 'REG_BUF: len is a u32 (at most 4 GiB)');
  if (!hasDisk(ub)) throw new KernelError('ENODEV', 'REG_BUF: the device has no disk (not started, or stopped)');
  // pin_user_pages_fast(): every page of [addr, addr + len) of the server's memory, faulted in
  // (model: the memory has no protections, so FOLL_WRITE without READ_ONLY never fails)
  const mm = ub.mm;
  const m = mm?.lookup(reg.addr);
  const pages = m && reg.len <= m.len ? mm!.bytesOf(m, reg.len) : null;
  if (!pages)
    throw new KernelError('EFAULT', `REG_BUF: [0x${reg.addr.toString(16)}, +${reg.len}) is not mapped in the server`);
  const bufs = bufsOf(ub);
  for (const b of bufs.values()) {
    if (
      b.pages.buffer === pages.buffer &&
      b.pages.byteOffset < pages.byteOffset + pages.length &&
      pages.byteOffset < b.pages.byteOffset + b.pages.length
    ) {
      throw new KernelError('EEXIST', `REG_BUF: these pages are already registered (buffer ${b.index})`);
    }
  }
  let index = 0;
  while (bufs.has(index)) index++;
  if (index >= UBLK_SHMEM_MAX_BUFS) throw new KernelError('EBUSY', 'REG_BUF: 65536 buffers registered');
  bufs.set(index, { index, va: reg.addr, pages, flags: reg.flags });
  return index;
}

/** ublk_ctrl_unreg_buf(): -EOPNOTSUPP without UBLK_F_SHMEM_ZC, -ENODEV without a disk, -ENOENT for an unknown index. */
export function ublk_ctrl_unreg_buf(ub: UblkDevice, index: number): void {
  if (!(ub.flags & UBLK_F.UBLK_F_SHMEM_ZC))
    throw new KernelError('EOPNOTSUPP', 'UNREG_BUF: the device has no UBLK_F_SHMEM_ZC');
  if (!hasDisk(ub)) throw new KernelError('ENODEV', 'UNREG_BUF: the device has no disk (not started, or stopped)');
  if (!bufsOf(ub).delete(index)) throw new KernelError('ENOENT', `UNREG_BUF: no buffer ${index}`);
}

/**
 * ublk_try_buf_match(): the request's pages all in one registered buffer, contiguous; a READ_ONLY buffer only
 * serves WRITE (the kernel would write into it otherwise). Returns index << 32 | offset, or -1.
 */
export function ublk_try_buf_match(ub: UblkDevice, rq: Request): number {
  const d = rq.data;
  const bufs = devBufs.get(ub);
  if (!d || !bufs || bufs.size === 0) return -1;
  for (const b of bufs.values()) {
    const p = b.pages;
    if (p.buffer !== d.buffer || d.byteOffset < p.byteOffset || d.byteOffset + d.length > p.byteOffset + p.length)
      continue;
    if (b.flags & UBLK_SHMEM_BUF_READ_ONLY && rq.op !== REQ_OP_WRITE) return -1;
    return b.index * 2 ** 32 + (d.byteOffset - p.byteOffset);
  }
  return -1;
}

/** The registered buffers, for dev.info() and the tests. */
export function ublk_shmem_bufs(ub: UblkDevice): { index: number; addr: number; len: number; flags: number }[] {
  return [...(devBufs.get(ub)?.values() ?? [])].map((b) => ({
    index: b.index,
    addr: b.va,
    len: b.pages.length,
    flags: b.flags,
  }));
}

/** ublk_buf_cleanup() at the device's release: every buffer unpinned. */
function cleanup(ub: UblkDevice): void {
  devBufs.delete(ub);
}

export const UBLK_SHMEM_OPS: UblkShmemOps = { try_buf_match: ublk_try_buf_match, cleanup };

/** Makes a driver accept UBLK_F_SHMEM_ZC (index.ts does this for every machine). */
export function ublk_shmem_install(drv: UblkDriver): void {
  drv.shmem_ops = UBLK_SHMEM_OPS;
}
