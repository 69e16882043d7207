import { describe, it, expect } from 'vitest';
import { REQ_OP_READ, REQ_OP_WRITE } from './blk_mq';
import type { Bio } from './blk_mq';
import { Cpu } from './cpu';
import type { Ctx } from './cpu';
import { IORING_OP_URING_CMD, IOSQE_FIXED_FILE, IoUring } from './io_uring';
import type { Cqe } from './io_uring';
import { createUblk } from './index';
import { errnoOf } from './test-util';
import {
  UBLK_IO_COMMIT_AND_FETCH_REQ,
  UBLK_IO_FETCH_REQ,
  UBLK_IO_OP_WRITE,
  UBLK_IO_REGISTER_IO_BUF,
  UBLK_IO_UNREGISTER_IO_BUF,
  UBLK_S_DEV_DEAD,
  ublk_read_iod,
} from './ublk_cmd';
import { UBLK_IO_FLAG_ACTIVE, UBLK_IO_FLAG_OWNED_BY_SRV } from './ublk_drv';
import type { UblksrvIoCmd } from './ublk_drv';
import { UserMem } from './user_mem';

describe('ublk control plane (ublk_ctrl_add_dev validation)', () => {
  it('rejects queue_depth 0 or > UBLK_MAX_QUEUE_DEPTH with EINVAL', () => {
    const k = createUblk();
    expect(errnoOf(() => k.add_dev({ queue_depth: 0 }))).toBe('EINVAL');
    expect(errnoOf(() => k.add_dev({ queue_depth: 4097 }))).toBe('EINVAL');
    expect(errnoOf(() => k.add_dev({ nr_hw_queues: 0 }))).toBe('EINVAL');
    expect(errnoOf(() => k.add_dev({ queue_depth: 4096 }))).toBe('none');
  });

  it('an unprivileged caller needs UBLK_F_UNPRIVILEGED_DEV (EPERM), and then cannot use zero copy (EINVAL)', () => {
    const k = createUblk();
    expect(errnoOf(() => k.add_dev({ privileged: false }))).toBe('EPERM');
    expect(
      errnoOf(() => k.add_dev({ privileged: false, flags: ['UBLK_F_UNPRIVILEGED_DEV', 'UBLK_F_SUPPORT_ZERO_COPY'] })),
    ).toBe('EINVAL');
    expect(
      errnoOf(() => k.add_dev({ privileged: false, flags: ['UBLK_F_UNPRIVILEGED_DEV'], data_path: 'auto_buf_reg' })),
    ).toBe('EINVAL');
    expect(
      errnoOf(() => k.add_dev({ privileged: false, flags: ['UBLK_F_UNPRIVILEGED_DEV'], data_path: 'user_copy' })),
    ).toBe('EINVAL');
    const d = k.add_dev({ privileged: false, flags: ['UBLK_F_UNPRIVILEGED_DEV'] });
    expect(d.info().flag_names).toContain('UBLK_F_UNPRIVILEGED_DEV');
    // a privileged caller's UNPRIVILEGED_DEV is cleared
    expect(k.add_dev({ flags: ['UBLK_F_UNPRIVILEGED_DEV'] }).info().flag_names).not.toContain(
      'UBLK_F_UNPRIVILEGED_DEV',
    );
  });

  it('negotiates flags: unknown bits cleared, NEED_GET_DATA dropped with zero copy, driver bits added', () => {
    const k = createUblk();
    const d = k.add_dev({ flags: ['UBLK_F_INTEGRITY', 'UBLK_F_NEED_GET_DATA', 'UBLK_F_SUPPORT_ZERO_COPY'] });
    // ublk_ctrl_add_dev() (6.18) ORs in CMD_IOCTL_ENCODE, URING_CMD_COMP_IN_TASK, PER_IO_DAEMON and BUF_REG_OFF_DAEMON
    expect(d.info().flag_names).toEqual([
      'UBLK_F_SUPPORT_ZERO_COPY',
      'UBLK_F_URING_CMD_COMP_IN_TASK',
      'UBLK_F_CMD_IOCTL_ENCODE',
      'UBLK_F_PER_IO_DAEMON',
      'UBLK_F_BUF_REG_OFF_DAEMON',
    ]);
    expect(d.path).toBe('zero_copy');
    expect(errnoOf(() => k.add_dev({ flags: ['UBLK_F_WARP_DRIVE'] }))).toBe('EINVAL');
    expect(errnoOf(() => k.add_dev({ flags: ['UBLK_F_QUIESCE'] }))).toBe('EINVAL');
    expect(errnoOf(() => k.add_dev({ flags: ['UBLK_F_USER_RECOVERY_REISSUE'] }))).toBe('EINVAL');
    expect(errnoOf(() => k.add_dev({ flags: ['UBLK_F_USER_COPY'], data_path: 'copy' }))).toBe('EINVAL');
  });

  it('caps nr_hw_queues at nr_cpu_ids and allocates dev ids', () => {
    const k = createUblk({ nr_cpus: 2 });
    const a = k.add_dev({ nr_hw_queues: 8 });
    const b = k.add_dev({});
    expect(a.info().nr_hw_queues).toBe(2);
    expect([a.info().dev_id, b.info().dev_id]).toEqual([0, 1]);
    expect(errnoOf(() => k.add_dev({ dev_id: 1 }))).toBe('EEXIST');
  });

  it('START_DEV waits for a FETCH on every tag; STOP_DEV aborts FETCHes with -ENODEV; DEL_DEV frees the id', () => {
    const k = createUblk();
    const half = k.add_dev({ queue_depth: 4, fetch_limit: 3 });
    expect(errnoOf(() => half.start_dev())).toBe('EINTR');
    expect(half.info().state_name).toBe('UBLK_S_DEV_DEAD');
    const d = k.add_dev({ nr_hw_queues: 2, queue_depth: 4, dev_size: '1M' });
    expect(d.info().block_dev).toBeNull();
    d.start_dev();
    expect(d.info().state_name).toBe('UBLK_S_DEV_LIVE');
    expect(d.info().block_dev).toBe('/dev/ublkb1');
    expect(errnoOf(() => d.start_dev())).toBe('EEXIST');
    expect(errnoOf(() => k.drv.ublk_ctrl_set_params(d.ub, d.ub.params))).toBe('EACCES');
    d.stop_dev();
    expect(d.info().state).toBe(UBLK_S_DEV_DEAD);
    expect(d.server!.exited).toBe(true);
    expect(errnoOf(() => d.pread(512, 0))).toBe('ENODEV');
    expect(errnoOf(() => k.fio({ dev: d }))).toBe('ENODEV');
    d.del_dev();
    expect(errnoOf(() => d.info())).toBe('ENODEV');
    expect(k.add_dev({ dev_id: 1 }).info().dev_id).toBe(1);
  });
});

describe('ublk data plane state machine (a hand-driven server)', () => {
  function manual(flags: string[] = []) {
    const k = createUblk();
    const d = k.add_dev({ nr_hw_queues: 1, queue_depth: 2, dev_size: '1M', flags });
    const ub = d.ub;
    const mm = new UserMem();
    ub.mm = mm;
    ub.ch_open(1); // ublk_ch_open(): the hand-driven server is process 1
    const ring = new IoUring(8, 0, k.costs, k.clock);
    const task = { name: 'srv', exiting: false };
    k.drv.markPrivileged(task);
    ring.task = Object.assign({ wake: () => {} }, { ublkTask: task });
    ring.register_files([ub.chdev]);
    const ctx: Ctx = { cpu: new Cpu(9, 'srv'), t: 0 };
    const cmd = (op: number, c: UblksrvIoCmd, ud: number): void => {
      Object.assign(ring.get_sqe()!, {
        opcode: IORING_OP_URING_CMD,
        flags: IOSQE_FIXED_FILE,
        fd: 0,
        cmd_op: op,
        cmd: c,
        user_data: ud,
      });
      ring.submit(ctx);
    };
    const cqes = (): Cqe[] => {
      const out: Cqe[] = [];
      let c;
      while ((c = ring.pop_cqe())) out.push(c);
      return out;
    };
    return { k, d, ub, mm, ring, ctx, cmd, cqes };
  }

  it('FETCH keeps the command pending (ACTIVE); a second FETCH on the tag is -EINVAL; addr 0 in copy mode is -EINVAL', () => {
    const { ub, mm, cmd, cqes } = manual();
    const va = mm.alloc(4096);
    cmd(UBLK_IO_FETCH_REQ, { q_id: 0, tag: 0, result: 0, addr: 0 }, 1);
    expect(cqes().map((c) => c.res)).toEqual([-22]);
    cmd(UBLK_IO_FETCH_REQ, { q_id: 0, tag: 0, result: 0, addr: va }, 2);
    expect(cqes()).toEqual([]);
    expect(ub.queues[0]!.ios[0]!.flags & UBLK_IO_FLAG_ACTIVE).toBeTruthy();
    // ublk_fetch() (6.18): the device is not ready yet, and the tag is ACTIVE: each tag is FETCHed at most once
    cmd(UBLK_IO_FETCH_REQ, { q_id: 0, tag: 0, result: 0, addr: va }, 3);
    expect(cqes().map((c) => c.res)).toEqual([-22]);
    cmd(UBLK_IO_COMMIT_AND_FETCH_REQ, { q_id: 0, tag: 1, result: 0, addr: va }, 4);
    expect(cqes().map((c) => c.res)).toEqual([-22]); // ublk_ch_uring_cmd_local(): tag 1 has no daemon task yet
    cmd(UBLK_IO_FETCH_REQ, { q_id: 1, tag: 0, result: 0, addr: va }, 5);
    expect(cqes().map((c) => c.res)).toEqual([-22]);
    expect(ub.ready).toBe(false);
    cmd(UBLK_IO_FETCH_REQ, { q_id: 0, tag: 1, result: 0, addr: mm.alloc(4096) }, 6);
    expect(ub.ready).toBe(true);
  });

  it('a WRITE is copied into the server buffer at dispatch, described by the iod, and ends on COMMIT', () => {
    const { k, ub, mm, ring, ctx, cmd, cqes } = manual();
    const vas = [mm.alloc(8192), mm.alloc(8192)];
    cmd(UBLK_IO_FETCH_REQ, { q_id: 0, tag: 0, result: 0, addr: vas[0]! }, 10);
    cmd(UBLK_IO_FETCH_REQ, { q_id: 0, tag: 1, result: 0, addr: vas[1]! }, 11);
    k.drv.ublk_ctrl_start_dev(ub, 1);
    const data = new Uint8Array(4096).map((_, i) => (i * 7) & 0xff);
    const ends: number[] = [];
    const bio: Bio = {
      id: 0,
      op: REQ_OP_WRITE,
      sector: 16,
      nr_sectors: 8,
      data,
      cpu: new Cpu(8, 'app'),
      end_io: (st) => ends.push(st),
    };
    ub.tagset.submit_bios(0, [bio], { cpu: bio.cpu, t: 0 });
    k.clock.run();
    expect(ring.tw_pending).toBe(1);
    ring.run_task_work(ctx);
    const c = cqes();
    expect(c.length).toBe(1);
    expect(c[0]!.res).toBe(0);
    const tag = c[0]!.user_data - 10;
    const iod = ublk_read_iod(ub.queues[0]!.iod, tag);
    expect(iod).toEqual({ op_flags: UBLK_IO_OP_WRITE, nr_sectors: 8, start_sector: 16, addr: vas[tag] });
    expect([...mm.resolve(vas[tag]!, 4096)!]).toEqual([...data]);
    expect(ub.stats.copied_bytes).toBe(4096);
    expect(ub.queues[0]!.ios[tag]!.flags & UBLK_IO_FLAG_OWNED_BY_SRV).toBeTruthy();
    cmd(UBLK_IO_COMMIT_AND_FETCH_REQ, { q_id: 0, tag, result: 4096, addr: vas[tag]! }, 20);
    k.clock.run();
    expect(ends).toEqual([0]);
    expect(ub.queues[0]!.ios[tag]!.flags).toBe(UBLK_IO_FLAG_ACTIVE);
    expect(ub.tagset.inflight[0]).toBe(0);
  });

  it('a READ committed with result 0 ends with -EIO; the server buffer is copied into the bio on COMMIT', () => {
    const { k, ub, mm, ring, ctx, cmd, cqes } = manual();
    const vas = [mm.alloc(4096), mm.alloc(4096)];
    cmd(UBLK_IO_FETCH_REQ, { q_id: 0, tag: 0, result: 0, addr: vas[0]! }, 0);
    cmd(UBLK_IO_FETCH_REQ, { q_id: 0, tag: 1, result: 0, addr: vas[1]! }, 1);
    k.drv.ublk_ctrl_start_dev(ub, 1);
    const ends: number[] = [];
    const bufs = [new Uint8Array(4096), new Uint8Array(4096)];
    const cpu = new Cpu(8, 'app');
    ub.tagset.submit_bios(
      0,
      bufs.map((b, i) => ({
        id: i,
        op: REQ_OP_READ,
        sector: i * 8,
        nr_sectors: 8,
        data: b,
        cpu,
        end_io: (st: number) => ends.push(st),
      })),
      { cpu, t: 0 },
    );
    k.clock.run();
    ring.run_task_work(ctx);
    const c = cqes();
    expect(c.map((x) => x.res)).toEqual([0, 0]);
    mm.resolve(vas[c[0]!.user_data]!, 4096)!.fill(0xab);
    cmd(UBLK_IO_COMMIT_AND_FETCH_REQ, { q_id: 0, tag: c[0]!.user_data, result: 4096, addr: vas[c[0]!.user_data]! }, 5);
    cmd(UBLK_IO_COMMIT_AND_FETCH_REQ, { q_id: 0, tag: c[1]!.user_data, result: 0, addr: vas[c[1]!.user_data]! }, 6);
    k.clock.run();
    expect(ends.sort()).toEqual([-5, 0]);
    const filled = bufs.find((b) => b[0] === 0xab);
    expect(filled && filled.every((x) => x === 0xab)).toBe(true);
  });

  it('zero copy: the request ends only when the commit has arrived and the registered buffer is released', () => {
    const { k, ub, ring, ctx, cmd, cqes } = manual(['UBLK_F_SUPPORT_ZERO_COPY']);
    ring.register_buffers_sparse(2);
    cmd(UBLK_IO_FETCH_REQ, { q_id: 0, tag: 0, result: 0, addr: 0 }, 0);
    cmd(UBLK_IO_FETCH_REQ, { q_id: 0, tag: 1, result: 0, addr: 0 }, 1);
    k.drv.ublk_ctrl_start_dev(ub, 1);
    const ends: number[] = [];
    const cpu = new Cpu(8, 'app');
    ub.tagset.submit_bios(
      0,
      [
        {
          id: 0,
          op: REQ_OP_WRITE,
          sector: 0,
          nr_sectors: 8,
          data: new Uint8Array(4096).fill(3),
          cpu,
          end_io: (st) => ends.push(st),
        },
      ],
      { cpu, t: 0 },
    );
    k.clock.run();
    ring.run_task_work(ctx);
    const tag = cqes()[0]!.user_data;
    expect(ub.stats.copied_bytes).toBe(0);
    cmd(UBLK_IO_REGISTER_IO_BUF, { q_id: 0, tag, result: 0, addr: 1 }, 30);
    expect(cqes().map((c) => c.res)).toEqual([0]);
    expect(ring.bufs[1]!.data[0]).toBe(3); // the kernel buffer is the bio's own pages
    cmd(UBLK_IO_REGISTER_IO_BUF, { q_id: 0, tag, result: 0, addr: 1 }, 31);
    expect(cqes().map((c) => c.res)).toEqual([-16]); // slot taken
    cmd(UBLK_IO_COMMIT_AND_FETCH_REQ, { q_id: 0, tag, result: 4096, addr: 0 }, 32);
    k.clock.run();
    expect(ends).toEqual([]); // the buffer still holds a reference
    // the slot is ACTIVE again, but ublk_ch_uring_cmd_local() (6.18) answers UNREGISTER_IO_BUF before any
    // state check: the buffer goes, its release drops the last reference and the request ends
    cmd(UBLK_IO_UNREGISTER_IO_BUF, { q_id: 0, tag, result: 0, addr: 1 }, 33);
    expect(cqes().map((c) => c.res)).toEqual([0]);
    k.clock.run();
    expect(ends).toEqual([0]);
    expect(ring.registered_bvecs()).toBe(0);
  });

  it('zero copy done right: UNREGISTER before COMMIT, then the request ends at the commit', () => {
    const { k, ub, ring, ctx, cmd, cqes } = manual(['UBLK_F_SUPPORT_ZERO_COPY']);
    ring.register_buffers_sparse(2);
    cmd(UBLK_IO_FETCH_REQ, { q_id: 0, tag: 0, result: 0, addr: 0 }, 0);
    cmd(UBLK_IO_FETCH_REQ, { q_id: 0, tag: 1, result: 0, addr: 0 }, 1);
    k.drv.ublk_ctrl_start_dev(ub, 1);
    const ends: number[] = [];
    const cpu = new Cpu(8, 'app');
    ub.tagset.submit_bios(
      0,
      [
        {
          id: 0,
          op: REQ_OP_READ,
          sector: 0,
          nr_sectors: 8,
          data: new Uint8Array(4096),
          cpu,
          end_io: (st) => ends.push(st),
        },
      ],
      { cpu, t: 0 },
    );
    k.clock.run();
    ring.run_task_work(ctx);
    const tag = cqes()[0]!.user_data;
    cmd(UBLK_IO_REGISTER_IO_BUF, { q_id: 0, tag, result: 0, addr: 0 }, 30);
    ring.bufs[0]!.data.fill(7); // what a READ_FIXED into the buffer would do
    cmd(UBLK_IO_UNREGISTER_IO_BUF, { q_id: 0, tag, result: 0, addr: 0 }, 31);
    expect(cqes().map((c) => c.res)).toEqual([0, 0]);
    k.clock.run();
    expect(ends).toEqual([]); // released, but no commit yet
    cmd(UBLK_IO_COMMIT_AND_FETCH_REQ, { q_id: 0, tag, result: 4096, addr: 0 }, 32);
    k.clock.run();
    expect(ends).toEqual([0]);
  });

  it('->queue_rqs hands a plugged batch to the daemon in one task_work', () => {
    const k = createUblk();
    const d = k.add_dev({ nr_hw_queues: 1, queue_depth: 16, dev_size: '1M' });
    d.start_dev();
    const ring = d.server!.threads[0]!.ring;
    const tw0 = ring.stats.task_work;
    const cpu = k.appCpu(0);
    const ends: number[] = [];
    const bios = Array.from({ length: 8 }, (_, i) => ({
      id: i,
      op: REQ_OP_READ,
      sector: i * 8,
      nr_sectors: 8,
      data: new Uint8Array(4096),
      cpu,
      end_io: (st: number) => ends.push(st),
    }));
    d.ub.tagset.submit_bios(0, bios, { cpu, t: k.clock.now });
    k.clock.run();
    expect(ends).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
    // one task_work for the batch of requests, then the completions of the 8 COMMIT_AND_FETCH commands add none
    expect(ring.stats.task_work - tw0).toBe(1);
    expect(d.stats().dispatched).toBe(8);
  });
});

describe('more control commands', () => {
  it('GET_PARAMS, GET_QUEUE_AFFINITY and UPDATE_SIZE', () => {
    const k = createUblk({ nr_cpus: 4 });
    const d = k.add_dev({ nr_hw_queues: 2, dev_size: '1M', target: 'null' });
    expect(d.get_params().basic!.dev_sectors).toBe(2048);
    expect(d.get_params().devt.disk_major).toBe(0);
    expect(d.get_queue_affinity(1)).toEqual([1, 3]);
    expect(errnoOf(() => d.get_queue_affinity(2))).toBe('EINVAL');
    expect(errnoOf(() => d.update_size('2M'))).toBe('ENODEV');
    d.start_dev();
    expect(d.get_params().devt.disk_major).toBe(259);
    expect(errnoOf(() => d.pread(4096, 1024 * 1024))).toBe('EIO');
    d.update_size('2M');
    expect(d.info().dev_size).toBe(2 * 1024 * 1024);
    expect(d.pread(4096, 1024 * 1024).length).toBe(4096);
  });
});

describe('descriptor areas from the mm engine', () => {
  it('allocates one page run per queue (order by depth) and frees them on DEL_DEV; ENOMEM when refused', () => {
    const live = new Map<number, number>();
    let next = 100;
    let budget = 3;
    const mm = {
      alloc_pages: (_gfp: string, order: number) =>
        budget-- > 0 ? (live.set(next, order), { pfn: next++, order }) : null,
      __free_pages: (p: { pfn: number; order: number }) => {
        live.delete(p.pfn);
      },
    };
    const k = createUblk({ mm });
    // 128 tags x 24 B = 3072 B -> 1 page (order 0); 1024 tags x 24 B = 24 KiB -> 6 pages -> order 3
    const a = k.add_dev({ nr_hw_queues: 2, queue_depth: 1024 });
    expect([...live.values()]).toEqual([3, 3]);
    expect(errnoOf(() => k.add_dev({ nr_hw_queues: 2, queue_depth: 128 }))).toBe('ENOMEM');
    expect(live.size).toBe(2); // the partial allocation was undone
    a.del_dev();
    expect(live.size).toBe(0);
  });
});
