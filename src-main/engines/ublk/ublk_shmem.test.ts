/**
 * UBLK_F_SHMEM_ZC against mainline's drivers/block/ublk_drv.c (after 6.18: torvalds/linux 08677040a911):
 * ublk_ctrl_reg_buf(), ublk_ctrl_unreg_buf(), ublk_try_buf_match() and the copy-free I/O path.
 */
import { describe, it, expect } from 'vitest';
import { createUblk } from './index';
import { errnoOf } from './test-util';
import { UBLK_F, UBLK_SHMEM_BUF_READ_ONLY } from './ublk_cmd';
import { ublk_shmem_bufs } from './ublk_shmem';

function started(flags: string[] = ['UBLK_F_SHMEM_ZC']) {
  const k = createUblk();
  const dev = k.add_dev({ nr_hw_queues: 1, queue_depth: 8, dev_size: '4M', target: 'loop', flags });
  dev.start_dev();
  return { k, dev };
}

describe('ADD_DEV and GET_FEATURES with UBLK_F_SHMEM_ZC (after 6.18)', () => {
  it('keeps the flag; GET_FEATURES lists it', () => {
    const { k, dev } = started();
    expect(dev.ub.flags & UBLK_F.UBLK_F_SHMEM_ZC).toBeTruthy();
    expect(k.get_features().feature_names).toContain('UBLK_F_SHMEM_ZC');
  });
});

describe('UBLK_U_CMD_REG_BUF / UNREG_BUF (ublk_ctrl_reg_buf, ublk_ctrl_unreg_buf), checks in order', () => {
  it('-EOPNOTSUPP without the flag, before looking at the arguments', () => {
    const { dev } = started([]);
    expect(errnoOf(() => dev.reg_buf({ addr: 1, len: 0, flags: 8 }))).toBe('EOPNOTSUPP');
    expect(errnoOf(() => dev.unreg_buf(0))).toBe('EOPNOTSUPP');
  });

  it('flags, then alignment and length, then the disk, then the pages', () => {
    const k = createUblk();
    const idle = k.add_dev({ dev_size: '4M', target: 'loop', flags: ['UBLK_F_SHMEM_ZC'] });
    expect(errnoOf(() => idle.reg_buf({ addr: 4096, len: 4096 }))).toBe('ENODEV'); // no disk before START_DEV
    const { dev } = started();
    const r = dev.server_alloc(16384);
    expect(errnoOf(() => dev.reg_buf({ addr: r.addr, len: 0, flags: 2 }))).toBe('EINVAL'); // flags first
    expect(errnoOf(() => dev.reg_buf({ addr: r.addr, len: 0 }))).toBe('EINVAL');
    expect(errnoOf(() => dev.reg_buf({ addr: r.addr, len: 100 }))).toBe('EINVAL');
    expect(errnoOf(() => dev.reg_buf({ addr: r.addr + 512, len: 4096 }))).toBe('EINVAL');
    expect(errnoOf(() => dev.reg_buf({ addr: r.addr, len: 32768 }))).toBe('EFAULT'); // pinned != nr_pages
    expect(dev.reg_buf({ addr: r.addr, len: 16384 })).toBe(0);
    expect(errnoOf(() => dev.reg_buf({ addr: r.addr, len: 4096 }))).toBe('EEXIST'); // mtree_insert_range
    const r2 = dev.server_alloc(4096);
    expect(dev.reg_buf({ addr: r2.addr, len: 4096, flags: UBLK_SHMEM_BUF_READ_ONLY })).toBe(1);
    expect(errnoOf(() => dev.unreg_buf(7))).toBe('ENOENT');
    dev.unreg_buf(0);
    expect(ublk_shmem_bufs(dev.ub).map((b) => b.index)).toEqual([1]);
    expect(dev.reg_buf({ addr: r.addr, len: 16384 })).toBe(0); // xa_alloc: the lowest free index again
    dev.stop_dev();
    expect(errnoOf(() => dev.unreg_buf(0))).toBe('ENODEV');
  });
});

describe('the I/O path with a registered buffer (ublk_setup_iod, ublk_start_io, __ublk_complete_rq)', () => {
  it('a client writing from and reading into the shared buffer moves no bytes through the driver', () => {
    const { dev } = started();
    const shm = dev.server_alloc(65536);
    expect(dev.reg_buf({ addr: shm.addr, len: 65536 })).toBe(0);
    const src = shm.bytes.subarray(8192, 16384);
    for (let i = 0; i < src.length; i++) src[i] = (i * 7 + 3) & 0xff;
    const before = dev.stats().copied_bytes!;
    dev.pwrite(src, 4096);
    expect(dev.stats().copied_bytes).toBe(before); // UBLK_IO_F_SHMEM_ZC: no ublk_map_io() copy
    // the same bytes read back through an ordinary (unregistered) buffer: copied, and equal
    const plain = dev.pread(8192, 4096);
    expect(dev.stats().copied_bytes).toBe(before + 8192);
    expect(plain).toEqual(src);
    // read into another part of the shared buffer: no copy, the server's backend read fills it
    const dst = shm.bytes.subarray(32768, 40960);
    dev.pread(8192, 4096, { buf: dst });
    expect(dev.stats().copied_bytes).toBe(before + 8192);
    expect(dst).toEqual(src);
  });

  it('a READ_ONLY buffer serves only WRITE: a read into it takes the copy path (ublk_try_buf_match)', () => {
    const { dev } = started();
    const shm = dev.server_alloc(8192);
    dev.reg_buf({ addr: shm.addr, len: 8192, flags: UBLK_SHMEM_BUF_READ_ONLY });
    shm.bytes.fill(9, 0, 4096);
    const c0 = dev.stats().copied_bytes!;
    dev.pwrite(shm.bytes.subarray(0, 4096), 0);
    expect(dev.stats().copied_bytes).toBe(c0);
    dev.pread(4096, 0, { buf: shm.bytes.subarray(4096, 8192) });
    expect(dev.stats().copied_bytes).toBe(c0 + 4096);
    expect(shm.bytes.subarray(4096, 8192).every((b) => b === 9)).toBe(true);
  });

  it('after UNREG_BUF the same client buffer is copied again', () => {
    const { dev } = started();
    const shm = dev.server_alloc(4096);
    const i = dev.reg_buf({ addr: shm.addr, len: 4096 });
    dev.unreg_buf(i);
    const c0 = dev.stats().copied_bytes!;
    dev.pwrite(shm.bytes, 0);
    expect(dev.stats().copied_bytes).toBe(c0 + 4096);
  });
});
