/**
 * The ublk engine: a discrete-event simulation of ublk devices served over io_uring (drivers/block/ublk_drv.c
 * over io_uring/). `createUblk()` builds the machine; `add_dev` / `start_dev` / `stop_dev` / `del_dev` /
 * `info` are the control plane, `fio` the workload. Everything runs in virtual nanoseconds.
 */
import { ERRNO, KernelError } from '../common/errors';
import type { Errno } from '../common/errors';
import { Prng } from '../common/prng';
import { parseSize } from '../common/size';
import { BackingFile } from './backing';
import type { UblkBpfProgram } from './bpf_prog';
import { builtinLoopProgram } from './bpf_prog';
import { EventClock } from './clock';
import { calibrationReport, costConstants } from './calibration';
import type { CalibrationMachine, CalibrationRow, CostConstantRow } from './calibration';
import { calibrateCosts, resolveCosts } from './costs';
import type { CostModel, UringProbeFigures } from './costs';
import { Cpu, MemBus } from './cpu';
import { FioRunner, parseFioSpec } from './fio';
import type { FioPhaseStats } from './fio';
import { DATA_PATHS, UblkServer } from './server';
import type { DataPath } from './server';
import { faultInjectTarget, loopTarget, mirrorTarget, nullTarget, scriptTarget, stripeTarget } from './targets';
import type { Target, TargetHandler } from './targets';
import { TraceRecorder } from './trace';
import { percentiles } from './stats';
import type { LatencyPercentiles } from './stats';
import type { TraceRecord } from './trace';
import {
  REQ_FLAGS,
  UBLK_F,
  UBLK_STATE_NAMES,
  UBLK_S_DEV_DEAD,
  UBLK_S_DEV_LIVE,
  parseReqFlags,
  parseUblkFlags,
  ublkFlagNames,
} from './ublk_cmd';
import { REQ_OP_DISCARD, REQ_OP_READ, REQ_OP_WRITE, REQ_OP_WRITE_ZEROES } from './blk_mq';

const OP_NAMES: Record<number, string> = {
  [REQ_OP_READ]: 'read',
  [REQ_OP_WRITE]: 'write',
  [REQ_OP_DISCARD]: 'discard',
  [REQ_OP_WRITE_ZEROES]: 'write zeroes',
};
import {
  UBLK_IO_FLAG_ACTIVE,
  UBLK_IO_FLAG_AUTO_BUF_REG,
  UBLK_IO_FLAG_CANCELED,
  UBLK_IO_FLAG_NEED_GET_DATA,
  UBLK_IO_FLAG_OWNED_BY_SRV,
  UBLK_PARAM_TYPE_BASIC,
  UBLK_PARAM_TYPE_DISCARD,
  UBLK_PARAM_TYPE_ZONED,
  UblkDriver,
} from './ublk_drv';
import { fioZbdPrepare, reportZones, revalidateZones, zoneAppend, zonedGeometry, zoneMgmt } from './zoned_api';
import type { ZonedDevCtx, ZonedOptions, ZoneMgmtOp, ZoneReportEntry } from './zoned_api';
import { zonedTarget } from './zoned_target';
import type { Proposal, UblkDevice, UblksrvCtrlDevInfo } from './ublk_drv';
import { ublk_batch_install, ublk_batch_tag_state } from './ublk_batch';
import { ublk_ctrl_reg_buf, ublk_ctrl_unreg_buf, ublk_shmem_install } from './ublk_shmem';
import type { BatchTagState } from './ublk_batch';

export type { CostModel, UringProbeFigures } from './costs';
export type { CalibrationRow, CostConstantRow } from './calibration';
export { PUBLISHED_FIGURES } from './calibration';
export { calibrateCosts, DEFAULT_COSTS, minProbeSamples, THIS_MACHINE_COSTS } from './costs';
export type { DataPath } from './server';
export type { TargetHandler, ScriptIo } from './targets';
export type { ZonedOptions, ZoneReportEntry } from './zoned_api';
export type { UblkBpfProgram, UblkBpfCtx, UblkBpfKfuncs, UblkBpfSqe } from './bpf_prog';
export { builtinLoopProgram } from './bpf_prog';
export { UBLK_BPF_SQE_SIZE, decodeUblkBpfSqe, encodeUblkBpfCtx } from './bpf_prog';
export type { TraceRecord } from './trace';
export { clearBurst } from './cpu';

export interface UblkMachineOptions {
  /** Seeded PRNG (random offsets). */
  prng?: Prng;
  /** Cost-model overrides, or a named profile. */
  costs?: Partial<CostModel> | 'default' | 'this_machine';
  /** nr_cpu_ids of the simulated machine (caps nr_hw_queues as ublk_ctrl_add_dev does). */
  nr_cpus?: number;
  /** The mm engine: each queue's descriptor area comes from alloc_pages (ublk_init_queue's __get_free_pages). */
  mm?: UblkMm;
  /** signal_pending(current) of the task running fio: the run's Stop or deadline ends a fio with EINTR. */
  signal_pending?: () => boolean;
  /** CONFIG_BLK_DEV_ZONED (default true, as Debian and Fedora build it): false refuses UBLK_F_ZONED devices. */
  config_blk_dev_zoned?: boolean;
}

/** What the engine needs from the mm engine (names as the lab API's k.mm). */
export interface UblkMm {
  alloc_pages(gfp: string, order: number): { pfn: number; order: number } | null;
  __free_pages(page: { pfn: number; order: number }, order?: number): void;
}

export interface AddDevOptions {
  nr_hw_queues?: number;
  queue_depth?: number;
  dev_size?: number | string;
  max_io_buf_bytes?: number | string;
  /** UBLK_F_* names (or a mask). */
  flags?: readonly string[] | number;
  data_path?: DataPath;
  bpf_prog?: UblkBpfProgram;
  target?: 'null' | 'loop' | 'stripe' | 'mirror' | 'fault_inject' | 'zoned' | TargetHandler;
  /**
   * A zoned device (UBLK_F_ZONED, UBLK_PARAM_TYPE_ZONED, basic.chunk_sectors = the zone size): the 'zoned' target
   * (zones with write pointers, on the user_copy data path) or a handler target with zone_* handlers.
   */
  zoned?: ZonedOptions;
  /** fault_inject (kublk --delay_us): each I/O completes when an io_uring timeout of this many µs fires. */
  delay_us?: number;
  /** fault_inject (kublk --die_during_fetch): the server SIGKILLs itself after fetching tag 0 of each queue. */
  die_during_fetch?: boolean;
  /** Backing files of stripe/mirror (default 2) and the stripe chunk (default 64K). */
  nr_files?: number;
  chunk?: number | string;
  /** CAP_SYS_ADMIN (default true). */
  privileged?: boolean;
  dev_id?: number;
  /** AUTO_BUF_REG: request UBLK_AUTO_BUF_REG_FALLBACK. */
  auto_buf_reg_fallback?: boolean;
  /** Splice proposal: SPLICE_F_READ_TO_READ available (default true; without it READ fails with EINVAL). */
  splice_read_to_read?: boolean;
  /** Test hook: the server FETCHes only this many tags per queue. */
  fetch_limit?: number;
  /** Logical block size, 512 (default) or up to 4096 (SET_PARAMS logical_bs_shift). */
  logical_block_size?: number;
  /**
   * UBLK_PARAM_TYPE_DISCARD sent with SET_PARAMS (checked by ublk_validate_params(): max_discard_segments must be
   * 1 when max_discard_sectors is set, discard_granularity nonzero). Without it the disk takes no DISCARD and no
   * WRITE_ZEROES (EOPNOTSUPP).
   */
  discard?: {
    max_discard_sectors?: number;
    max_write_zeroes_sectors?: number;
    discard_granularity?: number;
    discard_alignment?: number;
    max_discard_segments?: number;
  };
  /**
   * The server program: 'kublk' (the selftests' server, default) or 'ublksrv'. Their null targets differ under
   * zero copy: kublk's registers and unregisters each request buffer around a NOP, ublksrv's completes at once.
   */
  server?: 'kublk' | 'ublksrv';
}

/** One tag's state for the UI (struct ublk_io flags and whether a request holds the tag). */
export interface UblkTagSnapshot {
  tag: number;
  flags: string[];
  request: { op: 'read' | 'write' | 'other'; sector: number; nr_sectors: number } | null;
  /** UBLK_F_BATCH_IO (after 6.18): prepared, queued for a fetch, fetched in a batch, committed in a batch; null otherwise. */
  batch: BatchTagState;
}

/** dev.snapshot(): the per-(queue, tag) state machine and ring counters, for the ublk panel. */
export interface UblkSnapshot {
  state: string;
  /** START_USER_RECOVERY was sent and END_USER_RECOVERY has not completed: a new server is fetching. */
  recovering: boolean;
  queues: {
    q_id: number;
    nr_io_ready: number;
    canceling: boolean;
    tags: UblkTagSnapshot[];
    ring: Record<string, number> | null;
  }[];
}

export interface FioOptions {
  dev: UblkDev;
  /** fio's zonemode: 'zbd' on a zoned device writes sequentially from zone starts after resetting the region's zones. */
  zonemode?: 'none' | 'zbd';
  /** read, write, randread, randwrite, randrw (rw/readwrite: sequential mix). */
  rw?: string;
  /** Block size (multiple of the logical block size), default 4k. */
  bs?: number | string;
  /** I/Os in flight per job (default 1). */
  iodepth?: number;
  numjobs?: number;
  /** I/Os per job (fio's number_ios; default 4096 unless runtime is given). */
  ios?: number;
  /** Virtual run time ('10ms', ns as a number): submission stops then, in-flight I/O drains. */
  runtime?: number | string;
  /** Region [offset, offset + size), default the whole device. */
  size?: number | string;
  offset?: number | string;
  /** randrw: percentage of reads (default 50). */
  rwmixread?: number;
  /** Write patterns and read them back (read workloads first fill the region), counting mismatches. */
  verify?: boolean;
  /** Virtual time without progress after which outstanding I/O counts as hung (default 1 s). */
  timeout?: number | string;
  /** Trace every N-th I/O (0 = off). */
  trace_every?: number;
}

export interface FioResult {
  /** I/Os per second of virtual time. */
  iops: number;
  /** Bytes per second. */
  bw: number;
  /** Completion latency percentiles, µs (table: fio's full percentile list). */
  lat: LatencyPercentiles;
  /** CPU utilisation in percent of the measured interval. */
  cpu: { app: number[]; server: number[] };
  /** Payload bytes the ublk data path copied. */
  copied_bytes: number;
  /** io_uring ops (all server rings) per completed I/O. */
  uring_ops_per_io: number;
  /** io_uring_enter calls of the server per completed I/O. */
  syscalls_per_io: number;
  errors: number;
  error_messages: string[];
  ios: number;
  reads: number;
  writes: number;
  /** Virtual time of the measured phase, ns. */
  runtime_ns: number;
  verify: { checked: number; mismatches: number } | null;
  /** Sampled per-I/O events. */
  trace: TraceRecord[];
  text: string;
}

/** dev.info(): GET_DEV_INFO plus the model's view. */
export interface UblkDevInfo extends UblksrvCtrlDevInfo {
  state_name: string;
  flag_names: string[];
  data_path: DataPath;
  target: string;
  dev_size: number;
  char_dev: string;
  block_dev: string | null;
}

const MERGED_FLAG: Partial<Record<DataPath, number>> = {
  need_get_data: UBLK_F.UBLK_F_NEED_GET_DATA,
  user_copy: UBLK_F.UBLK_F_USER_COPY,
  zero_copy: UBLK_F.UBLK_F_SUPPORT_ZERO_COPY,
  auto_buf_reg: UBLK_F.UBLK_F_AUTO_BUF_REG,
  batch: UBLK_F.UBLK_F_BATCH_IO,
};
const PATH_FLAGS =
  UBLK_F.UBLK_F_NEED_GET_DATA | UBLK_F.UBLK_F_USER_COPY | UBLK_F.UBLK_F_SUPPORT_ZERO_COPY | UBLK_F.UBLK_F_AUTO_BUF_REG;

/** k.ublk.calibrate_report(). */
export interface CalibrationReport {
  cost_source: string;
  /** Figures within ±25 % of the published value, as "n/total". */
  within: string;
  figures: CalibrationRow[];
  constants: CostConstantRow[];
  text: string;
}

/** A ublk device handle: /dev/ublkcN and, once started, /dev/ublkbN with its server. */
export class UblkDev {
  server: UblkServer | null = null;
  readonly dev_size: number;
  private stopped = false;
  constructor(
    readonly machine: Ublk,
    readonly ub: UblkDevice,
    readonly path: DataPath,
    readonly target: Target,
    readonly opts: AddDevOptions,
    readonly serverCpus: Cpu[],
  ) {
    this.dev_size = ub.params.basic!.dev_sectors * 512;
    this.logical_block_size = 1 << ub.params.basic!.logical_bs_shift;
  }

  /** The disk's logical block size: O_DIRECT I/O must be aligned to it. */
  readonly logical_block_size: number;

  /**
   * UBLK_U_CMD_START_DEV: starts the server (it opens /dev/ublkcN and FETCHes every tag), then adds
   * /dev/ublkbN. `ublksrv_pid` (default: the new server's pid) must be that server's (EINVAL otherwise).
   */
  start_dev(o: { ublksrv_pid?: number } = {}): void {
    const m = this.machine;
    if (this.ub.deleted) throw new KernelError('ENODEV', 'START_DEV: the device was deleted');
    if (this.ub.dev_info.state === UBLK_S_DEV_LIVE) throw new KernelError('EEXIST', 'START_DEV: already started');
    const srv = this.newServer();
    this.stopped = false;
    srv.start();
    m.clock.run(Infinity, () => this.ub.ready);
    this.diedDuringFetch(srv, 'START_DEV');
    try {
      m.drv.ublk_ctrl_start_dev(this.ub, o.ublksrv_pid ?? srv.tgid, () => revalidateZones(this.zctx()));
    } catch (e) {
      srv.kill();
      m.clock.run();
      this.server = null;
      throw e;
    }
  }

  /**
   * UBLK_U_CMD_STOP_DEV: waits (in virtual time) for in-flight I/O, removes the disk and cancels the
   * pending FETCHes with -ENODEV; the server threads exit. If the target never completes some I/O, the
   * server is killed and /dev/ublkcN's release fails those requests with -EIO (what del_gendisk waits for).
   */
  stop_dev(): void {
    const m = this.machine;
    const ub = this.ub;
    if (ub.deleted) throw new KernelError('ENODEV', 'STOP_DEV: the device was deleted');
    const busy = (): number => ub.tagset.inflight.reduce((a, b) => a + b, 0);
    if (ub.dev_info.state === UBLK_S_DEV_LIVE) m.clock.run(m.clock.now + 1e9, () => busy() === 0);
    m.drv.ublk_ctrl_stop_dev(ub);
    m.clock.run(m.clock.now + 1e9, () => !this.server || this.server.exited);
    if (this.server && !this.server.exited) this.server.kill();
    // the server process exits and closes /dev/ublkcN: ublk_ch_release() resets the queues
    else if (this.server) ub.ch_release(m.clock.now, this.server.threads[0]!.cpu);
    m.clock.run(m.clock.now + 1e9, () => busy() === 0);
    this.stopped = true;
    const bad = this.invariants();
    if (bad.length) throw new Error(`ublk model invariant violated after STOP_DEV: ${bad.join('; ')}`);
  }

  /** The server process crashes (SIGKILL): its rings go away, then /dev/ublkcN's release handles its I/O. */
  kill_server(): void {
    if (!this.server) throw new KernelError('ESRCH', 'no ublk server is running for this device');
    this.server.kill();
  }

  /**
   * User recovery (UBLK_F_USER_RECOVERY) as ublksrv's `recover` runs it: START_USER_RECOVERY, a new server
   * FETCHes every tag, END_USER_RECOVERY. Requests queued meanwhile were requeued and now reach the new server.
   */
  recover(o: { die_during_fetch?: boolean } = {}): void {
    this.start_user_recovery();
    this.end_user_recovery(o);
  }

  /**
   * UBLK_U_CMD_START_USER_RECOVERY: EINVAL without UBLK_F_USER_RECOVERY, EBUSY while a server holds
   * /dev/ublkcN open or the device is neither QUIESCED nor FAIL_IO. I/O sent until END_USER_RECOVERY waits
   * (QUIESCED) or fails with EREMOTEIO (FAIL_IO).
   */
  start_user_recovery(): void {
    if (this.ub.deleted) throw new KernelError('ENODEV', 'START_USER_RECOVERY: the device was deleted');
    this.machine.drv.ublk_ctrl_start_recovery(this.ub);
  }

  /**
   * A new server opens /dev/ublkcN and FETCHes every tag (EBUSY while the old one holds it), then
   * UBLK_U_CMD_END_USER_RECOVERY: `ublksrv_pid` (default: the new server's pid) must be that server's
   * (EINVAL), the device needs UBLK_F_USER_RECOVERY (EINVAL) and must be QUIESCED or FAIL_IO (EBUSY); it is
   * LIVE again and the requeued I/O reaches the new server. Linux 6.18 does not require START_USER_RECOVERY first.
   */
  end_user_recovery(o: { die_during_fetch?: boolean; ublksrv_pid?: number } = {}): void {
    const m = this.machine;
    if (this.ub.deleted) throw new KernelError('ENODEV', 'END_USER_RECOVERY: the device was deleted');
    const fault = this.target.fault;
    const die = fault?.die_during_fetch;
    if (fault && o.die_during_fetch !== undefined) fault.die_during_fetch = o.die_during_fetch;
    else if (o.die_during_fetch) throw new KernelError('EINVAL', 'die_during_fetch needs the fault_inject target');
    let srv: UblkServer;
    try {
      srv = this.newServer();
      srv.start();
    } finally {
      if (fault) fault.die_during_fetch = !!die;
    }
    m.clock.run(Infinity, () => this.ub.ready);
    this.diedDuringFetch(srv, 'END_USER_RECOVERY');
    try {
      m.drv.ublk_ctrl_end_recovery(this.ub, o.ublksrv_pid ?? srv.tgid);
    } catch (e) {
      // ublksrv's recover exits on the error: its process goes away and /dev/ublkcN is released again
      srv.kill();
      m.clock.run();
      throw e;
    }
  }

  /**
   * fault_inject --die_during_fetch: the server process (which also issued START_DEV / END_USER_RECOVERY) was
   * SIGKILLed with part of its tags fetched; its ring and /dev/ublkcN are gone, the device stays as it was.
   */
  private diedDuringFetch(srv: UblkServer, cmd: string): void {
    if (!srv.killed_during_fetch) return;
    throw new KernelError(
      'EINTR',
      `${cmd}: the ublk server was killed (SIGKILL) after fetching tag 0 of each queue, before tag 1 (exit status 137)`,
    );
  }

  private newServer(): UblkServer {
    const m = this.machine;
    this.server = new UblkServer({
      dev: this.ub,
      target: this.target,
      path: this.path,
      cpus: this.serverCpus,
      clock: m.clock,
      costs: m.costs,
      privileged: this.opts.privileged !== false,
      auto_buf_reg_fallback: !!this.opts.auto_buf_reg_fallback,
      splice_read_to_read: this.opts.splice_read_to_read !== false,
      fetch_limit: this.opts.fetch_limit,
      server_impl: this.opts.server ?? 'kublk',
    });
    return this.server;
  }

  /**
   * UBLK_U_CMD_REG_BUF (UBLK_F_SHMEM_ZC, after 6.18): pins [addr, addr + len) of the server's memory (an address
   * from dev.server_alloc()); returns the buffer index. READ_ONLY (flags 1) pins without FOLL_WRITE: it then
   * serves only WRITE requests. EOPNOTSUPP, EINVAL, ENODEV, EFAULT, EEXIST as ublk_ctrl_reg_buf().
   */
  reg_buf(reg: { addr: number; len: number; flags?: number }): number {
    if (this.ub.deleted) throw new KernelError('ENODEV', 'REG_BUF: the device was deleted');
    return ublk_ctrl_reg_buf(this.ub, { addr: reg.addr, len: reg.len, flags: reg.flags ?? 0 });
  }

  /** UBLK_U_CMD_UNREG_BUF (UBLK_F_SHMEM_ZC, after 6.18): unpins buffer `index`; ENOENT when there is none. */
  unreg_buf(index: number): void {
    if (this.ub.deleted) throw new KernelError('ENODEV', 'UNREG_BUF: the device was deleted');
    ublk_ctrl_unreg_buf(this.ub, index);
  }

  /**
   * A shared-memory region of `len` bytes in the running server (as a memfd it maps): its address for reg_buf(),
   * and its bytes, which a client sharing the memfd reads and writes (dev.pwrite/pread with `buf`).
   */
  server_alloc(len: number): { addr: number; bytes: Uint8Array } {
    const srv = this.server;
    if (!srv) throw new KernelError('ENODEV', 'server_alloc: the device has no server (start_dev first)');
    const addr = srv.mm.alloc(len);
    const bytes = srv.mm.resolve(addr, len);
    if (!bytes) throw new KernelError('ENOMEM', `server_alloc: ${len} bytes`);
    return { addr, bytes };
  }

  /**
   * UBLK_U_CMD_QUIESCE_DEV (needs UBLK_F_QUIESCE, hence USER_RECOVERY): waits up to timeout_ms of virtual
   * time (0: forever) for every queue to have an idle I/O, aborts the idle FETCHes; the server exits and the
   * device is left QUIESCED (FAIL_IO with USER_RECOVERY_FAIL_IO) for recover(). EBUSY on timeout.
   */
  quiesce_dev(timeout_ms = 0): void {
    const m = this.machine;
    const ub = this.ub;
    if (ub.deleted) throw new KernelError('ENODEV', 'QUIESCE_DEV: the device was deleted');
    // msleep() in virtual time; a wait nothing can end (no event left), or a "forever" wait past 60 s of
    // virtual time, is ended as a signal would end it (-EINTR) instead of hanging the script
    let slept = 0;
    const sleep = (ms: number): boolean => {
      if (m.clock.pending === 0 || (timeout_ms === 0 && slept >= 60_000)) return false;
      m.clock.run(m.clock.now + ms * 1e6);
      slept += ms;
      return true;
    };
    const wasLive = ub.dev_info.state === UBLK_S_DEV_LIVE;
    m.drv.ublk_ctrl_quiesce_dev(ub, timeout_ms, sleep);
    if (!wasLive || !this.server) return;
    // the server got UBLK_IO_RES_ABORT on its idle tags and leaves once its target I/O is done
    m.clock.run(m.clock.now + 1e9, () => this.server!.exited);
    if (!this.server.exited) this.server.kill();
    else ub.ch_release(m.clock.now, this.server.threads[0]!.cpu);
  }

  /** UBLK_U_CMD_TRY_STOP_DEV: after 6.18 (UBLK_F_SAFE_STOP_DEV); the modelled 6.18 driver answers EOPNOTSUPP. */
  try_stop_dev(): void {
    this.machine.drv.ublk_ctrl_try_stop_dev(this.ub);
  }

  /** UBLK_U_CMD_DEL_DEV_ASYNC: DEL_DEV without waiting for the device id to be freed. */
  del_dev_async(): void {
    this.del_dev();
  }

  /** UBLK_U_CMD_DEL_DEV (stops first when needed); the descriptor pages go back to the mm engine. */
  del_dev(): void {
    if (!this.ub.deleted && this.ub.dev_info.state !== UBLK_S_DEV_DEAD) this.stop_dev();
    this.machine.drv.ublk_ctrl_del_dev(this.ub);
    for (const p of this.iodPages.splice(0)) this.machine.mm?.__free_pages(p, p.order);
  }

  /** Pages of the queues' descriptor areas (when an mm engine is attached). */
  iodPages: { pfn: number; order: number }[] = [];

  /** UBLK_U_CMD_GET_PARAMS. */
  get_params(): ReturnType<UblkDriver['ublk_ctrl_get_params']> {
    return this.machine.drv.ublk_ctrl_get_params(this.ub);
  }

  /** UBLK_U_CMD_GET_QUEUE_AFFINITY: CPU ids mapped to hw queue q. */
  get_queue_affinity(q: number): number[] {
    return this.machine.drv.ublk_ctrl_get_queue_affinity(this.ub, q);
  }

  /** UBLK_U_CMD_UPDATE_SIZE: resize the live disk (I/O beyond the new end gets EIO). */
  update_size(size: number | string): void {
    const bytes = parseSize(size, 'size');
    if (bytes % 512) throw new KernelError('EINVAL', `size ${bytes} is not a multiple of 512`);
    this.machine.drv.ublk_ctrl_set_size(this.ub, bytes / 512);
    (this as { dev_size: number }).dev_size = bytes;
  }

  /** UBLK_U_CMD_GET_DEV_INFO2: GET_DEV_INFO that also carries the char device path (for unprivileged devices). */
  get_dev_info2(): UblkDevInfo {
    return this.info();
  }

  /** UBLK_U_CMD_GET_DEV_INFO with names. */
  info(): UblkDevInfo {
    const i = this.machine.drv.ublk_ctrl_get_dev_info(this.ub);
    return {
      ...i,
      state_name: UBLK_STATE_NAMES[i.state] ?? String(i.state),
      flag_names: ublkFlagNames(i.flags),
      data_path: this.path,
      target: this.target.kind,
      dev_size: this.dev_size,
      char_dev: `/dev/ublkc${i.dev_id}`,
      block_dev: i.state === UBLK_S_DEV_LIVE ? `/dev/ublkb${i.dev_id}` : null,
    };
  }

  /** Consistency checks: no lost tag, no leaked buffer registration, nothing stuck after a stop. */
  invariants(): string[] {
    const out: string[] = [];
    const ts = this.ub.tagset;
    for (let q = 0; q < ts.nr_hw_queues; q++) {
      let used = 0;
      for (const rq of ts.rqs[q]!) if (rq.inUse) used++;
      if (used !== ts.inflight[q]) out.push(`queue ${q}: ${used} requests in use but ${ts.inflight[q]} tags accounted`);
      if (used + ts.free_tags(q) !== ts.queue_depth)
        out.push(`queue ${q}: lost tag (${used} used + ${ts.free_tags(q)} free != ${ts.queue_depth})`);
    }
    if (this.stopped) {
      const inflight = ts.inflight.reduce((a, b) => a + b, 0);
      if (inflight) out.push(`${inflight} requests still in flight after STOP_DEV`);
      if (this.server && this.server.registeredBuffers())
        out.push(`${this.server.registeredBuffers()} kernel buffers still registered`);
    }
    return out;
  }

  /**
   * Direct I/O helper: writes `data` at byte offset `off` and runs the simulation until it completes. `flags`:
   * REQ_* names the bio carries (REQ_FAILFAST_DEV/_TRANSPORT/_DRIVER, REQ_META, REQ_SWAP, REQ_FUA, REQ_PREFLUSH);
   * the server sees them as UBLK_IO_F_* (REQ_FUA and REQ_PREFLUSH are dropped: the disk has no volatile cache).
   */
  pwrite(data: Uint8Array, off: number, o: { flags?: readonly string[] } = {}): number {
    return this.io(REQ_OP_WRITE, data, off, this.bioFlags(o.flags, false));
  }

  /** Direct I/O helper: reads `len` bytes at `off` (with REQ_* `flags`, as pwrite); throws the kernel's errno on failure. */
  pread(len: number, off: number, o: { flags?: readonly string[]; buf?: Uint8Array } = {}): Uint8Array {
    // `buf`: read into these bytes (e.g. a server_alloc() region shared with the server) instead of a new buffer
    const buf = o.buf ? o.buf.subarray(0, len) : new Uint8Array(len);
    this.io(REQ_OP_READ, buf, off, this.bioFlags(o.flags, false));
    return buf;
  }

  /**
   * One REQ_OP_DISCARD bio for [off, off + len), as a kernel submitter sends it (not the BLKDISCARD ioctl): EINVAL
   * unless aligned to the logical block size, EIO past the end, EOPNOTSUPP unless add_dev set `discard` limits.
   */
  discard(off: number, len: number): void {
    this.io(REQ_OP_DISCARD, new Uint8Array(0), off, 0, len);
  }

  /**
   * blkdev_issue_zeroout() without fallback: a REQ_OP_WRITE_ZEROES bio (EOPNOTSUPP unless add_dev set
   * `discard.max_write_zeroes_sectors`); REQ_NOUNMAP in `flags` reaches the server as UBLK_IO_F_NOUNMAP.
   */
  write_zeroes(off: number, len: number, o: { flags?: readonly string[] } = {}): void {
    this.io(REQ_OP_WRITE_ZEROES, new Uint8Array(0), off, this.bioFlags(o.flags, true), len);
  }

  /** REQ_* names to the bio's flags; REQ_NOUNMAP belongs to REQ_OP_WRITE_ZEROES only (model: EINVAL elsewhere). */
  private bioFlags(names: readonly string[] | undefined, zeroes: boolean): number {
    const f = parseReqFlags(names);
    if (f & REQ_FLAGS.REQ_NOUNMAP && !zeroes)
      throw new KernelError('EINVAL', 'REQ_NOUNMAP is a flag of REQ_OP_WRITE_ZEROES only');
    return f;
  }

  private io(op: number, buf: Uint8Array, off: number, opf: number, rangeLen = 0): number {
    const m = this.machine;
    const lbs = this.logical_block_size;
    const range = op === REQ_OP_DISCARD || op === REQ_OP_WRITE_ZEROES;
    const len = range ? rangeLen : buf.length;
    // blkdev_read_iter()/blkdev_write_iter(): nothing to do (a range op is one bio, of at least one block)
    if (len === 0 && !range && off % lbs === 0 && this.ub.tagset.alive) return 0;
    if (!Number.isInteger(len) || !Number.isInteger(off) || len <= 0 || off < 0 || len % lbs || off % lbs)
      throw new KernelError(
        'EINVAL',
        `O_DIRECT I/O must be aligned to the ${lbs}-byte logical block size (len ${len}, offset ${off})`,
      );
    if (!this.ub.tagset.alive)
      throw new KernelError(
        'ENODEV',
        `/dev/ublkb${this.ub.dev_info.dev_id} does not exist (device not started or stopped)`,
      );
    let status: number | null = null;
    const cpu = m.appCpu(0);
    const ctx = { cpu, t: Math.max(m.clock.now, cpu.free) };
    const data = op === REQ_OP_DISCARD || op === REQ_OP_WRITE_ZEROES ? null : buf;
    this.ub.tagset.submit_bios(
      0,
      [
        {
          id: -1,
          op,
          sector: off / 512,
          nr_sectors: len / 512,
          data,
          opf,
          cpu,
          end_io: (st) => {
            status = st;
          },
        },
      ],
      ctx,
    );
    m.clock.run(m.clock.now + 1e9, () => status !== null);
    if (status === null) throw new KernelError('ETIMEDOUT', 'I/O did not complete within 1 s of virtual time');
    if (status < 0)
      throw new KernelError(
        errnoName(status),
        `${OP_NAMES[op] ?? 'I/O'} of ${len} bytes at ${off} failed: ${errnoName(status)}`,
      );
    return len;
  }

  /** The device as the zoned calls (zoned_api.ts) see it. */
  zctx(): ZonedDevCtx {
    return { ub: this.ub, clock: this.machine.clock, cpu: this.machine.appCpu(0) };
  }

  /**
   * BLKREPORTZONE (as `blkzone report`): up to `nr_zones` zones (default all) from `sector` on, each with start,
   * len, wp and capacity in sectors, type and condition (EMPTY, IMP_OPEN, EXP_OPEN, CLOSED, FULL...). The driver
   * asks the server with REQ_OP_DRV_IN requests of at most max_io_buf_bytes / 64 zones. ENOTTY off a zoned disk.
   */
  report_zones(o: { sector?: number; nr_zones?: number } = {}): ZoneReportEntry[] {
    return reportZones(this.zctx(), o.sector ?? 0, o.nr_zones ?? this.ub.tagset.zoned?.nr_zones ?? 1);
  }

  /**
   * BLKRESETZONE / BLKOPENZONE / BLKCLOSEZONE / BLKFINISHZONE on the zones of [sector, sector + nr_sectors) (default:
   * the zone at `sector`): EINVAL unless zone-aligned, then one REQ_OP_ZONE_* per zone (a reset of the whole disk is
   * one REQ_OP_ZONE_RESET_ALL); the server's answer, e.g. EIO for a full zone, ETOOMANYREFS past max_open_zones.
   */
  zone_mgmt(op: ZoneMgmtOp, sector: number, nr_sectors?: number): void {
    zoneMgmt(this.zctx(), op, sector, nr_sectors ?? this.ub.tagset.zoned?.chunk_sectors ?? 0);
  }

  /**
   * A REQ_OP_ZONE_APPEND bio (as btrfs or f2fs send one) of `data` to the zone starting at `sector`: returns the
   * sector the server wrote it at (its commit's zone_append_lba). EIO unless at a zone start and within
   * max_zone_append_size; EOPNOTSUPP off a zoned disk.
   */
  zone_append(data: Uint8Array, sector: number): number {
    return zoneAppend(this.zctx(), data, sector, this.logical_block_size);
  }

  /** The program of the eBPF data path attached at add_dev (null on the other paths). */
  get bpf_prog(): UblkBpfProgram | null {
    return this.ub.bpf_prog;
  }

  /** Driver counters. */
  stats(): Record<string, number> {
    return { ...this.ub.stats };
  }

  /** The ublk_io state machine of every (queue, tag), with the queue rings' counters. */
  snapshot(): UblkSnapshot {
    const names: [number, string][] = [
      [UBLK_IO_FLAG_ACTIVE, 'ACTIVE'],
      [UBLK_IO_FLAG_OWNED_BY_SRV, 'OWNED_BY_SRV'],
      [UBLK_IO_FLAG_NEED_GET_DATA, 'NEED_GET_DATA'],
      [UBLK_IO_FLAG_AUTO_BUF_REG, 'AUTO_BUF_REG'],
      [UBLK_IO_FLAG_CANCELED, 'CANCELED'],
    ];
    return {
      state: UBLK_STATE_NAMES[this.ub.dev_info.state] ?? String(this.ub.dev_info.state),
      recovering: this.ub.recovering,
      queues: this.ub.queues.map((q) => {
        const th = this.server?.threads[q.q_id];
        return {
          q_id: q.q_id,
          nr_io_ready: q.nr_io_ready,
          canceling: q.canceling,
          ring: th
            ? {
                ...th.ring.stats,
                registered_bvecs: th.ring.registered_bvecs(),
                sq_entries: th.ring.sq_entries,
                cq_entries: th.ring.cq_entries,
              }
            : null,
          tags: q.ios.map((io, tag) => {
            const rq = this.ub.tagset.tag_to_rq(q.q_id, tag);
            return {
              tag,
              flags: names.filter(([bit]) => (io.flags & bit) !== 0).map(([, n]) => n),
              request: rq
                ? {
                    op: rq.op === 0 ? ('read' as const) : rq.op === 1 ? ('write' as const) : ('other' as const),
                    sector: rq.sector,
                    nr_sectors: rq.nr_sectors,
                  }
                : null,
              batch: ublk_batch_tag_state(q, tag),
            };
          }),
        };
      }),
    };
  }
}

/** The errno name of a block request's status (blk_status_to_errno() leaves one of blk_errors[]'s errnos). */
const ERRNO_BY_NUMBER = new Map<number, Errno>((Object.keys(ERRNO) as Errno[]).map((k) => [-ERRNO[k], k]));
function errnoName(status: number): Errno {
  return ERRNO_BY_NUMBER.get(status) ?? 'EIO';
}

function costSource(over: Partial<CostModel> | 'default' | 'this_machine' | undefined): Ublk['cost_source'] {
  return over === undefined || over === 'default' ? 'default' : over === 'this_machine' ? 'this_machine' : 'custom';
}

/** The simulated machine's ublk side: clock, CPUs, memory bus, the driver. */
export class Ublk {
  readonly clock = new EventClock();
  readonly costs: CostModel;
  readonly bus: MemBus;
  readonly drv: UblkDriver;
  readonly prng: Prng;
  private readonly appCpus: Cpu[] = [];
  readonly mm: UblkMm | null;
  private readonly signalPending: () => boolean;
  private nextCpu = 0;
  readonly devs: UblkDev[] = [];
  /** Where the cost model's figures come from: the published defaults, §5.4's 'this_machine', a 'host' probe or 'custom' overrides. */
  cost_source: 'default' | 'this_machine' | 'host' | 'custom' = 'default';
  /** Subscribers to completed fio runs (onFio()). */
  private readonly fioListeners: ((o: FioOptions, result: FioResult) => void)[] = [];

  constructor(opts: UblkMachineOptions = {}) {
    this.signalPending = opts.signal_pending ?? (() => false);
    this.prng = opts.prng ?? new Prng(1);
    this.mm = opts.mm ?? null;
    this.costs = resolveCosts(opts.costs);
    this.cost_source = costSource(opts.costs);
    this.bus = new MemBus(this.costs);
    this.drv = new UblkDriver(this.clock, this.costs, this.bus, opts.nr_cpus ?? 64);
    this.drv.config_blk_dev_zoned = opts.config_blk_dev_zoned ?? true;
    ublk_batch_install(this.drv);
    ublk_shmem_install(this.drv);
  }

  /** Calls `fn` after every fio() that completes, with its options and result (engines/kernel.ts keeps k.fio_runs so). */
  onFio(fn: (o: FioOptions, result: FioResult) => void): void {
    this.fioListeners.push(fn);
  }

  /** Sets the cost model to the defaults plus these overrides, from now on (all components share one object). */
  set_costs(over: Partial<CostModel> | 'default' | 'this_machine'): CostModel {
    Object.assign(this.costs, resolveCosts(over));
    this.cost_source = costSource(over);
    return { ...this.costs };
  }

  /**
   * Calibrates the cost model to a host's io_uring figures (k.ublk.uring_probe() measures this machine's; any
   * machine's numbers will do): the published defaults with t_sqe_cqe, t_enter and t_backing_op from the probe.
   */
  calibrate(probe: UringProbeFigures): CostModel {
    Object.assign(this.costs, resolveCosts(calibrateCosts(probe)));
    this.cost_source = 'host';
    return { ...this.costs };
  }

  /**
   * k.ublk.calibrate_report(): every published figure of the model's notes run in the model (fresh machines with
   * this machine's costs, on the setup it was measured on) beside the published value, with the ratio; and every
   * cost constant with its meaning, basis and the figures it is held to.
   */
  calibrate_report(): CalibrationReport {
    const costs = { ...this.costs };
    const make = (c: CostModel): CalibrationMachine => new Ublk({ costs: c }) as unknown as CalibrationMachine;
    const figures = calibrationReport(make, costs);
    const constants = costConstants(costs);
    const within = figures.filter((f) => f.within_25pct).length;
    const pad = (x: string, n: number): string => (x.length >= n ? x : x + ' '.repeat(n - x.length));
    const num = (x: number): string => (x >= 1000 ? Math.round(x).toLocaleString('en-US') : x.toFixed(3));
    const lines = [
      `ublk cost model (${this.cost_source}) against the published figures: ${within}/${figures.length} within ±25 %`,
      '',
      `${pad('figure', 28)} ${pad('published', 12)} ${pad('model', 12)} ${pad('ratio', 6)}  ok  source`,
      ...figures.map(
        (f) =>
          `${pad(f.id, 28)} ${pad(num(f.published), 12)} ${pad(num(f.model), 12)} ${pad(f.ratio.toFixed(2), 6)}  ${f.within_25pct ? 'yes' : 'NO '} ${f.source}`,
      ),
      '',
      `${pad('constant', 30)} ${pad('value', 8)} source`,
      ...constants.map((c) => `${pad(c.name, 30)} ${pad(String(c.value), 8)} ${c.source}`),
    ];
    return {
      cost_source: this.cost_source,
      within: `${within}/${figures.length}`,
      figures,
      constants,
      text: lines.join('\n'),
    };
  }

  /** The simulated application CPU i (fio job i runs there). */
  appCpu(i: number): Cpu {
    while (this.appCpus.length <= i) this.appCpus.push(new Cpu(this.nextCpu++, `app${this.appCpus.length}`));
    return this.appCpus[i]!;
  }

  /** UBLK_U_CMD_GET_FEATURES: the driver's UBLK_F_ALL (Linux 6.18: bits 0-14), no device needed. */
  get_features(): { features: number; feature_names: string[] } {
    const f = this.drv.ublk_ctrl_get_features();
    return { features: f, feature_names: ublkFlagNames(f) };
  }

  /** k.ublk.add_dev(): ADD_DEV + SET_PARAMS with the chosen flags, data path and target (ublk add). */
  add_dev(o: AddDevOptions = {}): UblkDev {
    const nr_hw_queues = o.nr_hw_queues ?? 1;
    const queue_depth = o.queue_depth ?? 128;
    if (!Number.isInteger(nr_hw_queues) || !Number.isInteger(queue_depth))
      throw new KernelError('EINVAL', 'nr_hw_queues and queue_depth must be integers');
    const dev_size = parseSize(o.dev_size ?? '1G', 'dev_size');
    if (dev_size === 0 || dev_size % 512)
      throw new KernelError('EINVAL', `dev_size ${dev_size} is not a positive multiple of 512`);
    const max_io = parseSize(o.max_io_buf_bytes ?? '512K', 'max_io_buf_bytes');
    const lbs = o.logical_block_size ?? 512;
    const lbs_shift = Math.log2(lbs);
    if (!Number.isInteger(lbs_shift))
      throw new KernelError('EINVAL', `logical_block_size ${lbs} is not a power of two`);
    if (dev_size % lbs)
      throw new KernelError('EINVAL', `dev_size ${dev_size} is not a multiple of the logical block size ${lbs}`);
    if (o.server !== undefined && o.server !== 'kublk' && o.server !== 'ublksrv')
      throw new KernelError('EINVAL', `unknown server '${String(o.server)}' (kublk or ublksrv)`);
    let flags = parseUblkFlags(o.flags);
    let proposal: Proposal | null = null;
    const zoned = o.target === 'zoned' || o.zoned !== undefined ? zonedGeometry(o.zoned ?? {}) : null;
    if (zoned) {
      flags |= UBLK_F.UBLK_F_ZONED;
      // the zoned target's server reads and writes the requests by user copy
      if (o.target === 'zoned' && o.data_path === undefined && !(flags & PATH_FLAGS)) flags |= UBLK_F.UBLK_F_USER_COPY;
    }
    if (o.data_path !== undefined) {
      if (!DATA_PATHS.includes(o.data_path))
        throw new KernelError('EINVAL', `unknown data_path '${String(o.data_path)}' (one of ${DATA_PATHS.join(', ')})`);
      const want = MERGED_FLAG[o.data_path] ?? 0;
      const other = flags & PATH_FLAGS & ~want;
      const compatible = o.data_path === 'auto_buf_reg' ? other & ~UBLK_F.UBLK_F_SUPPORT_ZERO_COPY : other;
      if (compatible)
        throw new KernelError(
          'EINVAL',
          `data_path '${o.data_path}' conflicts with ${ublkFlagNames(compatible).join(', ')}`,
        );
      flags |= want;
      if (o.data_path === 'fused' || o.data_path === 'ebpf' || o.data_path === 'splice' || o.data_path === 'remap')
        proposal = o.data_path;
    }
    if (proposal && flags & UBLK_F.UBLK_F_BATCH_IO)
      throw new KernelError(
        'EINVAL',
        `data_path '${proposal}' (a 2023 proposal) predates UBLK_F_BATCH_IO and does not run with it`,
      );
    const cred = {
      privileged: o.privileged !== false,
      uid: o.privileged === false ? 1000 : 0,
      gid: o.privileged === false ? 1000 : 0,
    };
    const ub = this.drv.ublk_ctrl_add_dev(
      {
        nr_hw_queues,
        queue_depth,
        state: 0,
        max_io_buf_bytes: max_io,
        dev_id: o.dev_id ?? -1,
        ublksrv_pid: -1,
        flags,
        ublksrv_flags: 0,
        owner_uid: 0,
        owner_gid: 0,
      },
      cred,
      proposal,
    );
    try {
      const d = o.discard;
      this.drv.ublk_ctrl_set_params(ub, {
        types: UBLK_PARAM_TYPE_BASIC | (d ? UBLK_PARAM_TYPE_DISCARD : 0) | (zoned ? UBLK_PARAM_TYPE_ZONED : 0),
        ...(zoned ? { zoned: zoned.params } : {}),
        ...(d
          ? {
              discard: {
                discard_alignment: d.discard_alignment ?? 0,
                discard_granularity: d.discard_granularity ?? lbs,
                max_discard_sectors: d.max_discard_sectors ?? 0,
                max_write_zeroes_sectors: d.max_write_zeroes_sectors ?? 0,
                max_discard_segments: d.max_discard_segments ?? 1,
              },
            }
          : {}),
        basic: {
          attrs: 0,
          logical_bs_shift: lbs_shift,
          physical_bs_shift: Math.max(12, lbs_shift),
          io_opt_shift: 12,
          io_min_shift: 9,
          max_sectors: ub.dev_info.max_io_buf_bytes >> 9,
          chunk_sectors: zoned?.chunk_sectors ?? 0,
          dev_sectors: dev_size / 512,
          virt_boundary_mask: 0,
        },
      });
    } catch (e) {
      this.drv.ublk_ctrl_del_dev(ub);
      throw e;
    }
    const f = ub.dev_info.flags;
    const path: DataPath =
      proposal ??
      (o.data_path === 'batch'
        ? 'batch'
        : f & UBLK_F.UBLK_F_AUTO_BUF_REG
          ? 'auto_buf_reg'
          : f & UBLK_F.UBLK_F_SUPPORT_ZERO_COPY
            ? 'zero_copy'
            : f & UBLK_F.UBLK_F_USER_COPY
              ? 'user_copy'
              : f & UBLK_F.UBLK_F_NEED_GET_DATA
                ? 'need_get_data'
                : 'copy');
    let target: Target;
    try {
      target = this.makeTarget(o, dev_size);
      if (target.kind === 'zoned' && path !== 'user_copy')
        throw new KernelError('EINVAL', `the zoned target runs on the user_copy data path, not '${path}'`);
    } catch (e) {
      this.drv.ublk_ctrl_del_dev(ub);
      throw e;
    }
    if (proposal === 'ebpf') {
      if (target.kind === 'null' || target.kind === 'script') {
        this.drv.ublk_ctrl_del_dev(ub);
        throw new KernelError(
          'EINVAL',
          "the 'ebpf' data path needs a target with backing files (loop, stripe, mirror)",
        );
      }
      if (
        o.bpf_prog !== undefined &&
        (typeof o.bpf_prog !== 'object' ||
          o.bpf_prog === null ||
          typeof (o.bpf_prog as { run?: unknown }).run !== 'function')
      ) {
        this.drv.ublk_ctrl_del_dev(ub);
        throw new KernelError('EINVAL', 'bpf_prog: not a loaded program of the ublk program type');
      }
      ub.bpf_prog = o.bpf_prog ?? builtinLoopProgram((w, off, len, tag) => target.map(w, off, len, tag));
    }
    // Last, as ublk_add_dev() allocates the queues after every check: a refused device keeps no page.
    const pages = this.allocIodPages(ub);
    const cpus: Cpu[] = [];
    for (let q = 0; q < ub.dev_info.nr_hw_queues; q++)
      cpus.push(new Cpu(this.nextCpu++, `ublk${ub.dev_info.dev_id}-q${q}`));
    const dev = new UblkDev(this, ub, path, target, o, cpus);
    dev.iodPages = pages;
    this.devs.push(dev);
    return dev;
  }

  /** ublk_init_queue(): one zeroed page run per queue for its descriptor array, from the mm engine. */
  private allocIodPages(ub: UblkDevice): { pfn: number; order: number }[] {
    if (!this.mm) return [];
    const got: { pfn: number; order: number }[] = [];
    for (const q of ub.queues) {
      const order = Math.ceil(Math.log2(q.io_cmd_buf.length / 4096));
      const p = this.mm.alloc_pages('GFP_KERNEL|__GFP_ZERO', order);
      if (!p) {
        for (const g of got) this.mm.__free_pages(g, g.order);
        this.drv.ublk_ctrl_del_dev(ub);
        throw new KernelError('ENOMEM', `ADD_DEV: no memory for queue ${q.q_id}'s descriptor area (order ${order})`);
      }
      got.push(p);
    }
    return got;
  }

  private makeTarget(o: AddDevOptions, dev_size: number): Target {
    const t = o.target ?? 'null';
    const file = (name: string, size: number): BackingFile =>
      new BackingFile(name, size, this.costs, this.bus, this.clock);
    if (typeof t === 'object') return scriptTarget(t);
    switch (t) {
      case 'null':
        return nullTarget();
      case 'loop':
        return loopTarget(file('loop.img', dev_size));
      case 'stripe': {
        // kublk's ublk_stripe_tgt_init() refuses --auto_zc_fallback
        if (o.auto_buf_reg_fallback) throw new KernelError('EINVAL', 'stripe: not support auto_zc_fallback');
        const k = backFiles(o.nr_files);
        const chunk = parseSize(o.chunk ?? '64K', 'chunk');
        // kublk's ublk_stripe_tgt_init(): the chunk is a power of two from 4K to 512K.
        if (chunk < 4096 || chunk > 512 * 1024 || (chunk & (chunk - 1)) !== 0)
          throw new KernelError('EINVAL', `stripe: invalid chunk size ${chunk} (a power of two from 4K to 512K)`);
        const per = Math.ceil(dev_size / chunk / k) * chunk;
        return stripeTarget(
          Array.from({ length: k }, (_, i) => file(`stripe${i}.img`, per)),
          chunk,
        );
      }
      case 'fault_inject': {
        // kublk's ublk_fault_inject_tgt_init() refuses --auto_zc_fallback
        if (o.auto_buf_reg_fallback) throw new KernelError('EINVAL', 'fault_inject: not support auto_zc_fallback');
        const us = o.delay_us ?? 0;
        if (typeof us !== 'number' || !Number.isInteger(us) || us < 0 || us > 1e9)
          throw new KernelError(
            'EINVAL',
            `fault_inject: delay_us ${String(us)} must be a whole number of µs from 0 to 1e9`,
          );
        return faultInjectTarget({ delay_ns: us * 1000, die_during_fetch: !!o.die_during_fetch });
      }
      case 'zoned': {
        const g = zonedGeometry(o.zoned ?? {});
        return zonedTarget(
          dev_size / 512,
          {
            zone_sectors: g.chunk_sectors,
            zone_capacity: g.zone_capacity,
            nr_conv: g.nr_conv,
            max_open: g.params.max_open_zones,
            max_active: g.params.max_active_zones,
          },
          file('zoned.img', dev_size),
        );
      }
      case 'mirror': {
        const k = backFiles(o.nr_files);
        return mirrorTarget(Array.from({ length: k }, (_, i) => file(`mirror${i}.img`, dev_size)));
      }
      default:
        throw new KernelError(
          'EINVAL',
          `unknown target '${String(t)}' (null, loop, stripe, mirror, fault_inject, zoned, or a handler object)`,
        );
    }
  }

  /** k.ublk.fio(): runs the workload (and verify passes) and reports fio-like results. */
  fio(o: FioOptions): FioResult {
    const dev = o.dev;
    if (!(dev instanceof UblkDev)) throw new KernelError('EINVAL', 'fio: dev must be a device from add_dev()');
    if (!dev.ub.tagset.alive)
      throw new KernelError(
        'ENODEV',
        `fio: /dev/ublkb${dev.ub.dev_info.dev_id} does not exist (start_dev() first, or it was stopped)`,
      );
    const raw: Record<string, unknown> = { ...o };
    const spec0 = parseFioSpec(raw, dev.dev_size, dev.logical_block_size);
    if (o.zonemode !== undefined && o.zonemode !== 'none') {
      if (o.zonemode !== 'zbd')
        throw new KernelError('EINVAL', `fio: unknown zonemode '${String(o.zonemode)}' (none or zbd)`);
      fioZbdPrepare(dev.zctx(), spec0);
    }
    const readOnly = spec0.rw === 'read' || spec0.rw === 'randread';
    if (spec0.verify && readOnly && o.size === undefined) {
      // prefill only what the reads can touch
      const want = spec0.runtime
        ? spec0.bs * 4096
        : spec0.bs * Math.max(spec0.ios * spec0.numjobs, spec0.iodepth * spec0.numjobs * 2);
      spec0.size = Math.max(spec0.bs, Math.min(spec0.size, want - (want % spec0.bs)));
    }
    const timeout = o.timeout === undefined ? 1e9 : parseDurationSafe(o.timeout);
    const cpus = Array.from({ length: spec0.numjobs }, (_, i) => this.appCpu(i));
    const trace = o.trace_every ? new TraceRecorder(o.trace_every) : null;
    const runner = new FioRunner(
      spec0,
      { tagset: dev.ub.tagset, nr_hw_queues: dev.ub.dev_info.nr_hw_queues, dev_bytes: dev.dev_size },
      this.clock,
      this.costs,
      this.prng,
      cpus,
      trace,
      this.signalPending,
    );
    if (spec0.verify && readOnly) runner.prefill(timeout);
    const srv = dev.server!;
    const rec = trace
      ? (k: string, id: number, q: number, tag: number, t: number): void => trace.record(k, id, q, tag, t)
      : null;
    dev.ub.trace = rec;
    srv.setTrace(rec);
    const busy0 = { app: cpus.map((c) => c.busy), srv: dev.serverCpus.map((c) => c.busy) };
    const ops0 = srv.threads.reduce((a, t) => a + t.ring.stats.ops, 0);
    const ent0 = srv.threads.reduce((a, t) => a + t.ring.stats.enters, 0);
    const copied0 = dev.ub.stats.copied_bytes;
    let st: ReturnType<FioRunner['main']>;
    try {
      st = runner.main(timeout);
    } catch (e) {
      // A signal (EINTR) ends fio mid-run: the device keeps what is in flight, the trace hooks go.
      dev.ub.trace = null;
      srv.setTrace(null);
      throw e;
    }
    const ops = srv.threads.reduce((a, t) => a + t.ring.stats.ops, 0) - ops0;
    const enters = srv.threads.reduce((a, t) => a + t.ring.stats.enters, 0) - ent0;
    const copied = dev.ub.stats.copied_bytes - copied0;
    const elapsed = Math.max(1, st.t1 - st.t0);
    const cpu = {
      app: cpus.map((c, i) => round2(((c.busy - busy0.app[i]!) / elapsed) * 100)),
      server: dev.serverCpus.map((c, i) => round2(((c.busy - busy0.srv[i]!) / elapsed) * 100)),
    };
    dev.ub.trace = null;
    srv.setTrace(null);
    let verify: FioResult['verify'] = null;
    const errMsgs = [...st.error_messages, ...srv.cmdErrors.splice(0, 8)];
    let errors = st.errors;
    if (spec0.verify) {
      let checked = st.verified;
      let mism = st.mismatches;
      if (!readOnly) {
        const rb = runner.readback(timeout);
        checked += rb.verified;
        mism += rb.mismatches;
        errors += rb.errors;
        errMsgs.push(...rb.error_messages);
      }
      verify = { checked, mismatches: mism };
    }
    const lat = percentiles(st.lat_ns.subarray(0, st.nlat));
    const res: FioResult = {
      iops: (st.ios / elapsed) * 1e9,
      bw: (st.bytes / elapsed) * 1e9,
      lat,
      cpu,
      copied_bytes: copied,
      uring_ops_per_io: st.ios ? ops / st.ios : 0,
      syscalls_per_io: st.ios ? enters / st.ios : 0,
      errors,
      error_messages: errMsgs,
      ios: st.ios,
      reads: st.reads,
      writes: st.writes,
      runtime_ns: elapsed,
      verify,
      trace: trace ? trace.records : [],
      text: '',
    };
    res.text = fioText(spec0.rw, spec0.bs, spec0.iodepth, spec0.numjobs, dev.path, st, res);
    for (const fn of this.fioListeners) fn(o, res);
    return res;
  }
}

/** kublk's MAX_BACK_FILES (tools/testing/selftests/ublk/kublk.h): backing files a target may have. */
const MAX_BACK_FILES = 4;

function backFiles(n: number | undefined): number {
  const k = n ?? 2;
  if (!Number.isInteger(k) || k < 1 || k > MAX_BACK_FILES)
    throw new KernelError(
      'EINVAL',
      `nr_files ${String(k)}: a target has 1..${MAX_BACK_FILES} backing files (kublk's MAX_BACK_FILES)`,
    );
  return k;
}

function parseDurationSafe(v: number | string): number {
  if (typeof v === 'number') return v;
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ns|us|ms|s)\s*$/.exec(v);
  if (!m) throw new KernelError('EINVAL', `cannot parse duration '${v}'`);
  return Number(m[1]) * { ns: 1, us: 1e3, ms: 1e6, s: 1e9 }[m[2] as 'ns' | 'us' | 'ms' | 's'];
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}

function fmtK(x: number): string {
  if (x >= 1e6) return `${(x / 1e6).toFixed(2)}M`;
  if (x >= 1e3) return `${(x / 1e3).toFixed(1)}k`;
  return x.toFixed(0);
}

/** fio's familiar layout (abridged). */
function fioText(
  rw: string,
  bs: number,
  iodepth: number,
  numjobs: number,
  path: string,
  st: FioPhaseStats,
  r: FioResult,
): string {
  const mib = r.bw / 1048576;
  const dir = st.writes && !st.reads ? 'write' : 'read';
  const ms = (r.runtime_ns / 1e6).toFixed(3);
  const pct = r.lat.table.map(([p, v]) => `${p.toFixed(2).padStart(5, ' ')}th=[${v.toFixed(2)}]`);
  const rows: string[] = [];
  for (let i = 0; i < pct.length; i += 3)
    rows.push(`     | ${pct.slice(i, i + 3).join(', ')}${i + 3 < pct.length ? ',' : ''}`);
  const sumPct = (xs: number[]): string => xs.map((x) => x.toFixed(1) + '%').join(' ');
  const lines = [
    `ublk-sim: (g=0): rw=${rw}, bs=(R) ${bs}B-${bs}B, (W) ${bs}B-${bs}B, (T) ${bs}B-${bs}B, ioengine=libaio, iodepth=${iodepth}`,
    `ublk-sim: (groupid=0, jobs=${numjobs}): err=${r.errors ? 5 : 0}: data_path=${path}`,
    `  ${dir}: IOPS=${fmtK(r.iops)}, BW=${mib.toFixed(0)}MiB/s (${(r.bw / 1e6).toFixed(0)}MB/s)(${(st.bytes / 1048576).toFixed(1)}MiB/${ms}msec)`,
    `    clat (usec): min=${r.lat.min.toFixed(2)}, max=${r.lat.max.toFixed(2)}, avg=${r.lat.mean.toFixed(2)}, stdev=${r.lat.stdev.toFixed(2)}`,
    `    clat percentiles (usec):`,
    ...rows,
    `  cpu          : app=${sumPct(r.cpu.app)}, ublk server=${sumPct(r.cpu.server)}`,
    `  IO depths    : ${iodepth}=100.0%`,
    `     issued rwts: total=${st.reads},${st.writes},0,0 short=0,0,0,0 dropped=0,0,0,0`,
    `  ublk         : copied=${r.copied_bytes}B, io_uring ops/io=${r.uring_ops_per_io.toFixed(2)}, io_uring_enter/io=${r.syscalls_per_io.toFixed(3)}`,
  ];
  if (r.verify) lines.push(`  verify       : checked=${r.verify.checked}, mismatches=${r.verify.mismatches}`);
  if (r.errors) lines.push(`  errors       : ${r.errors} (${r.error_messages[0] ?? ''})`);
  lines.push('', 'Run status group 0 (all jobs):');
  lines.push(
    `  ${dir.toUpperCase()}: bw=${mib.toFixed(0)}MiB/s (${(r.bw / 1e6).toFixed(0)}MB/s), io=${(st.bytes / 1048576).toFixed(1)}MiB, run=${ms}msec`,
  );
  return lines.join('\n');
}

/** k.ublk: creates the ublk side of a machine. */
export function createUblk(opts: UblkMachineOptions = {}): Ublk {
  return new Ublk(opts);
}
