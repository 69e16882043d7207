import { describe, it, expect } from 'vitest';
import { KernelError } from '../common/errors';
import { EventClock } from './clock';
import { DEFAULT_COSTS } from './costs';
import { Cpu } from './cpu';
import type { Ctx } from './cpu';
import {
  EIOCBQUEUED,
  IORING_NOP_FIXED_BUFFER,
  IORING_NOP_INJECT_RESULT,
  IORING_OP_FUSED_CMD,
  IORING_OP_NOP,
  IORING_OP_READ,
  IORING_OP_READ_FIXED,
  IORING_OP_READV,
  IORING_OP_TIMEOUT,
  IORING_OP_WRITE,
  IOSQE_CQE_SKIP_SUCCESS,
  IOSQE_FIXED_FILE,
  IOSQE_IO_HARDLINK,
  IOSQE_IO_LINK,
  IoUring,
} from './io_uring';
import type { IoReq, SimFile } from './io_uring';

function setup(entries = 8, flags = 0) {
  const clock = new EventClock();
  const ring = new IoUring(entries, flags, DEFAULT_COSTS, clock);
  let wakes = 0;
  ring.task = {
    wake: () => {
      wakes++;
    },
  };
  const ctx: Ctx = { cpu: new Cpu(0, 'c'), t: 0 };
  const data = new Uint8Array(64).map((_, i) => i);
  const log: string[] = [];
  const file: SimFile = {
    name: 'f',
    read(_r: IoReq, dst, off, len, pos) {
      log.push(`read ${pos}`);
      if (pos >= 64) return -5;
      dst.set(data.subarray(pos, pos + len), off);
      return len;
    },
    write(_r: IoReq, src, off, len, pos) {
      log.push(`write ${pos}`);
      data.set(src.subarray(off, off + len), pos);
      return len;
    },
  };
  ring.register_files([file]);
  return { clock, ring, ctx, data, log, wakes: () => wakes };
}

function drain(ring: IoUring): { user_data: number; res: number }[] {
  const out: { user_data: number; res: number }[] = [];
  let c;
  while ((c = ring.pop_cqe())) out.push({ user_data: c.user_data, res: c.res });
  return out;
}

describe('io_uring model', () => {
  it('rounds SQ entries to a power of two, CQ = 2 x SQ, and refuses > IORING_MAX_ENTRIES', () => {
    const { ring } = setup(100);
    expect(ring.sq_entries).toBe(128);
    expect(ring.cq_entries).toBe(256);
    expect(() => new IoUring(32769, 0, DEFAULT_COSTS, new EventClock())).toThrow(KernelError);
  });

  it('get_sqe returns null when the SQ ring is full', () => {
    const { ring } = setup(2);
    expect(ring.get_sqe()).not.toBeNull();
    expect(ring.get_sqe()).not.toBeNull();
    expect(ring.get_sqe()).toBeNull();
  });

  it('charges t_enter per io_uring_enter and t_sqe_cqe per op', () => {
    const { ring, ctx } = setup();
    for (let i = 0; i < 3; i++) ring.get_sqe()!.opcode = IORING_OP_NOP;
    ring.enter(ctx);
    ring.submit(ctx);
    expect(ctx.t).toBe(DEFAULT_COSTS.t_enter + 3 * DEFAULT_COSTS.t_sqe_cqe);
    expect(ring.stats.ops).toBe(3);
    expect(drain(ring).length).toBe(3);
  });

  it('IO_LINK: a failed op cancels the rest of the chain with -ECANCELED; HARDLINK keeps going', () => {
    const { ring, ctx, log } = setup();
    const a = ring.get_sqe()!;
    Object.assign(a, {
      opcode: IORING_OP_READ,
      flags: IOSQE_FIXED_FILE | IOSQE_IO_LINK,
      fd: 0,
      addr: new Uint8Array(8),
      len: 8,
      off: 100,
      user_data: 1,
    });
    const b = ring.get_sqe()!;
    Object.assign(b, {
      opcode: IORING_OP_READ,
      flags: IOSQE_FIXED_FILE,
      fd: 0,
      addr: new Uint8Array(8),
      len: 8,
      off: 0,
      user_data: 2,
    });
    const c = ring.get_sqe()!;
    Object.assign(c, {
      opcode: IORING_OP_READ,
      flags: IOSQE_FIXED_FILE | IOSQE_IO_HARDLINK,
      fd: 0,
      addr: new Uint8Array(8),
      len: 8,
      off: 100,
      user_data: 3,
    });
    const d = ring.get_sqe()!;
    Object.assign(d, {
      opcode: IORING_OP_READ,
      flags: IOSQE_FIXED_FILE,
      fd: 0,
      addr: new Uint8Array(8),
      len: 8,
      off: 8,
      user_data: 4,
    });
    ring.submit(ctx);
    expect(drain(ring)).toEqual([
      { user_data: 1, res: -5 },
      { user_data: 2, res: -125 },
      { user_data: 3, res: -5 },
      { user_data: 4, res: 8 },
    ]);
    expect(log).toEqual(['read 100', 'read 100', 'read 8']);
  });

  it('READV scatters one file range over its iovecs; a bad iovec array is EINVAL, one past the buffer EFAULT', () => {
    const { ring, ctx } = setup();
    const file: SimFile = {
      name: 'v',
      readv(_r: IoReq, buf, iov, pos) {
        let done = 0;
        for (let i = 0; i < iov.length; i += 2) {
          for (let j = 0; j < iov[i + 1]!; j++) buf[iov[i]! + j] = pos + done + j;
          done += iov[i + 1]!;
        }
        return done;
      },
    };
    ring.register_files([file]);
    const buf = new Uint8Array(16);
    Object.assign(ring.get_sqe()!, {
      opcode: IORING_OP_READV,
      flags: IOSQE_FIXED_FILE,
      fd: 0,
      addr: buf,
      iov: [8, 4, 0, 4],
      len: 2,
      off: 100,
      user_data: 1,
    });
    Object.assign(ring.get_sqe()!, {
      opcode: IORING_OP_READV,
      flags: IOSQE_FIXED_FILE,
      fd: 0,
      addr: buf,
      iov: [0, 4, 8],
      len: 2,
      off: 0,
      user_data: 2,
    });
    Object.assign(ring.get_sqe()!, {
      opcode: IORING_OP_READV,
      flags: IOSQE_FIXED_FILE,
      fd: 0,
      addr: buf,
      iov: [12, 8],
      len: 1,
      off: 0,
      user_data: 3,
    });
    ring.submit(ctx);
    expect(drain(ring)).toEqual([
      { user_data: 1, res: 8 },
      { user_data: 2, res: -22 },
      { user_data: 3, res: -14 },
    ]);
    expect([...buf.subarray(8, 12)]).toEqual([100, 101, 102, 103]);
    expect([...buf.subarray(0, 4)]).toEqual([104, 105, 106, 107]);
  });

  it('CQE_SKIP_SUCCESS posts no CQE on success but does on failure', () => {
    const { ring, ctx } = setup();
    Object.assign(ring.get_sqe()!, { opcode: IORING_OP_NOP, flags: IOSQE_CQE_SKIP_SUCCESS, user_data: 7 });
    Object.assign(ring.get_sqe()!, {
      opcode: IORING_OP_READ,
      flags: IOSQE_FIXED_FILE | IOSQE_CQE_SKIP_SUCCESS,
      fd: 0,
      addr: new Uint8Array(8),
      len: 8,
      off: 100,
      user_data: 8,
    });
    ring.submit(ctx);
    expect(drain(ring)).toEqual([{ user_data: 8, res: -5 }]);
  });

  it('fixed files: an unregistered index is -EBADF', () => {
    const { ring, ctx } = setup();
    Object.assign(ring.get_sqe()!, {
      opcode: IORING_OP_READ,
      flags: IOSQE_FIXED_FILE,
      fd: 3,
      addr: new Uint8Array(8),
      len: 8,
      user_data: 1,
    });
    ring.submit(ctx);
    expect(drain(ring)).toEqual([{ user_data: 1, res: -9 }]);
  });

  it('sparse buffer table: READ_FIXED on an empty slot is -EFAULT; a slot in use is -EBUSY; release after last user', () => {
    const { ring, ctx } = setup();
    ring.register_buffers_sparse(4);
    Object.assign(ring.get_sqe()!, {
      opcode: IORING_OP_READ_FIXED,
      flags: IOSQE_FIXED_FILE,
      fd: 0,
      buf_index: 2,
      len: 8,
      user_data: 1,
    });
    ring.submit(ctx);
    expect(drain(ring)).toEqual([{ user_data: 1, res: -14 }]);
    const kbuf = new Uint8Array(16);
    let released = 0;
    expect(ring.register_bvec(2, kbuf, () => released++)).toBe(0);
    expect(ring.register_bvec(2, kbuf, () => released++)).toBe(-16);
    expect(ring.register_bvec(9, kbuf, () => released++)).toBe(-22);
    Object.assign(ring.get_sqe()!, {
      opcode: IORING_OP_READ_FIXED,
      flags: IOSQE_FIXED_FILE,
      fd: 0,
      buf_index: 2,
      addr_off: 8,
      len: 8,
      off: 16,
      user_data: 2,
    });
    ring.submit(ctx);
    expect([...kbuf.subarray(8)]).toEqual([16, 17, 18, 19, 20, 21, 22, 23]);
    expect(ring.registered_bvecs()).toBe(1);
    expect(ring.unregister_bvec(2)).toBe(0);
    expect(released).toBe(1);
    expect(ring.unregister_bvec(2)).toBe(-22);
    expect(ring.registered_bvecs()).toBe(0);
  });

  it('an in-flight user keeps the kernel buffer alive past unregister', () => {
    const { ring, ctx, clock } = setup();
    ring.register_buffers_sparse(1);
    let pending: IoReq | null = null;
    ring.register_files([
      {
        name: 'slow',
        read: (r: IoReq) => {
          pending = r;
          return EIOCBQUEUED;
        },
      },
    ]);
    let released = 0;
    ring.register_bvec(0, new Uint8Array(8), () => released++);
    Object.assign(ring.get_sqe()!, {
      opcode: IORING_OP_READ_FIXED,
      flags: IOSQE_FIXED_FILE,
      fd: 0,
      buf_index: 0,
      len: 8,
      user_data: 5,
    });
    ring.submit(ctx);
    ring.unregister_bvec(0);
    expect(released).toBe(0);
    ring.complete_async(pending!, 8);
    clock.run();
    ring.run_task_work(ctx);
    expect(released).toBe(1);
    expect(drain(ring)).toEqual([{ user_data: 5, res: 8 }]);
  });

  it('a fused command needs an SQE128 ring', () => {
    const { ring, ctx } = setup();
    Object.assign(ring.get_sqe()!, { opcode: IORING_OP_FUSED_CMD, flags: IOSQE_FIXED_FILE, fd: 0, user_data: 1 });
    ring.submit(ctx);
    expect(drain(ring)).toEqual([{ user_data: 1, res: -22 }]);
  });

  it('posts to the CQ overflow list when the CQ ring is full, and keeps every CQE', () => {
    const { ring, ctx } = setup(1);
    for (let i = 0; i < 4; i++) {
      Object.assign(ring.get_sqe()!, {
        opcode: IORING_OP_WRITE,
        flags: IOSQE_FIXED_FILE,
        fd: 0,
        addr: new Uint8Array(1),
        len: 1,
        off: i,
        user_data: i,
      });
      ring.submit(ctx);
    }
    expect(ring.stats.cq_overflow).toBe(2);
    expect(drain(ring).map((c) => c.user_data)).toEqual([0, 1, 2, 3]);
  });

  // io_uring/nop.c (6.18): IORING_NOP_INJECT_RESULT completes with sqe->len; IORING_NOP_FIXED_BUFFER looks
  // up sqe->buf_index (-EFAULT when empty) and holds the node until the request completes
  it("NOP with INJECT_RESULT and FIXED_BUFFER (what kublk's null target issues on a zero-copy buffer)", () => {
    const { ring, ctx } = setup();
    ring.register_buffers_sparse(4);
    let released = 0;
    expect(ring.register_bvec(1, new Uint8Array(4096), () => released++)).toBe(0);
    Object.assign(ring.get_sqe()!, {
      opcode: IORING_OP_NOP,
      nop_flags: IORING_NOP_INJECT_RESULT,
      len: 512,
      user_data: 1,
    });
    Object.assign(ring.get_sqe()!, {
      opcode: IORING_OP_NOP,
      nop_flags: IORING_NOP_FIXED_BUFFER | IORING_NOP_INJECT_RESULT,
      buf_index: 1,
      len: 4096,
      user_data: 2,
    });
    Object.assign(ring.get_sqe()!, {
      opcode: IORING_OP_NOP,
      nop_flags: IORING_NOP_FIXED_BUFFER,
      buf_index: 3,
      user_data: 3,
    });
    Object.assign(ring.get_sqe()!, { opcode: IORING_OP_NOP, len: 99, user_data: 4 });
    ring.submit(ctx);
    expect(drain(ring)).toEqual([
      { user_data: 1, res: 512 },
      { user_data: 2, res: 4096 },
      { user_data: 3, res: -14 },
      { user_data: 4, res: 0 },
    ]);
    expect(ring.unregister_bvec(1)).toBe(0);
    expect(released).toBe(1); // the NOP's hold was dropped at its completion
  });

  // io_uring/timeout.c (6.18), io_timeout() and io_flush_timeouts(): a timeout with sqe->off = n completes with 0
  // once n other CQEs are posted, else with -ETIME when its time is up; timeout CQEs themselves do not count.
  it('IORING_OP_TIMEOUT: -ETIME when the time is up, 0 when its count of other completions comes first', () => {
    const { clock, ring, ctx } = setup();
    const timeout = (ud: number, ns: number, count: number): void => {
      const t = ring.get_sqe()!;
      t.opcode = IORING_OP_TIMEOUT;
      t.len = 1;
      t.off = count;
      t.timeout_ns = ns;
      t.user_data = ud;
    };
    timeout(1, 5000, 0);
    timeout(2, 5000, 1);
    ring.submit(ctx);
    expect(drain(ring)).toEqual([]);
    clock.run(ctx.t + 4000);
    const n = ring.get_sqe()!;
    n.opcode = IORING_OP_NOP;
    n.user_data = 3;
    ring.submit(ctx);
    ring.run_task_work(ctx);
    expect(drain(ring)).toEqual([
      { user_data: 3, res: 0 },
      { user_data: 2, res: 0 },
    ]);
    clock.run();
    ring.run_task_work(ctx);
    expect(drain(ring)).toEqual([{ user_data: 1, res: -62 }]);
    // a timeout's own CQE does not complete another counted timeout; a bad timespec count is EINVAL
    timeout(4, 1000, 1);
    timeout(5, 9000, 1);
    ring.submit(ctx);
    clock.run();
    ring.run_task_work(ctx);
    expect(drain(ring)).toEqual([
      { user_data: 4, res: -62 },
      { user_data: 5, res: -62 },
    ]);
    timeout(6, 1000, 0);
    ring.get_sqe();
    const bad = ring.get_sqe()!;
    bad.opcode = IORING_OP_TIMEOUT;
    bad.len = 2;
    bad.user_data = 7;
    ring.submit(ctx);
    expect(drain(ring).find((c) => c.user_data === 7)).toEqual({ user_data: 7, res: -22 });
  });
});
