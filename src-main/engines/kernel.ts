/**
 * boot(): one simulated machine that owns the three engines, as docs/architecture.md describes.
 * The engines share the machine's seed (each its own PRNG stream) and its virtual clock.
 */
import { KernelError } from './common/errors';
import { bool, either, finite, obj, opt, show, size, str } from './common/args';
import { Prng } from './common/prng';
import { createBpf, KFUNC_NAMES, type BpfEngine, type KfuncName } from './bpf/index';
import { createMm, type MmEngine } from './mm/index';
import type { Policy } from './mm/index';
import { createUblk, type FioResult, type Ublk, type UringProbeFigures } from './ublk/index';
import { BpfProgPack, type JitImage } from './bpf_prog_pack';
import { jitImageSize } from './bpf_jit_comp';
import { BpfProgram } from './bpf/index';
import type { BpfProgLoadAttr } from './bpf/index';
import { linkUblkBpf } from './ublk_bpf';
import { linkPageblockIter } from './bpf_iter_pageblock';
import { linkUblkReqIter } from './bpf_iter_ublk_req';

export interface BootOptions {
  /** Physical memory: bytes or '8G' (default 4G). */
  memory?: string | number;
  /** 1 GiB direct-map pages (default true). */
  gbpages?: boolean;
  /** Possible CPUs (per-CPU maps, application CPUs of fio). Default 4. */
  cpus?: number;
  /** The machine's seed (default: the run's lab.seed). */
  seed?: number;
  mm?: {
    policy?: Policy;
    collapse?: boolean;
    debug?: boolean;
    execmem?: { rox_cache?: boolean };
    /** Pages kswapd reclaims per allocation while awake (default 32, SWAP_CLUSTER_MAX); 0: kswapd never gets a CPU. */
    kswapd_rate?: number;
    /** /proc/sys/vm/min_free_kbytes written after boot (the watermarks are recomputed). */
    min_free_kbytes?: number;
    /** /proc/sys/vm/watermark_scale_factor (1 … 3000, default 10). */
    watermark_scale_factor?: number;
    /** Transparent hugepages on (default): khugepaged raises min_free_kbytes as Debian's kernels boot. */
    thp?: boolean;
    /**
     * How the machine boots: 'clean' (default; no holes, no kernel image, no splits) or a profile with an e820 map
     * and a kernel image — 'firecracker-24g' (this lab's CI machine), 'q35-8g' — which sets the memory.
     */
    machine?: 'clean' | 'firecracker-24g' | 'q35-8g';
  };
  /** `prog_pack: false` gives each JIT image its own execmem area, as before Linux 5.18. */
  bpf?: { jit?: boolean; prog_pack?: boolean };
  /**
   * The ublk cost model: the published defaults, §5.4's 'this_machine' profile, overrides, or 'host': calibrated
   * to the machine the lab runs on by its io_uring probe (where there is none, one line says why and the defaults stay).
   */
  ublk?: {
    costs?: 'default' | 'this_machine' | 'host' | Record<string, number>;
    /** CONFIG_BLK_DEV_ZONED (default true, as Debian and Fedora build it); false: ADD_DEV with UBLK_F_ZONED is EINVAL. */
    config_blk_dev_zoned?: boolean;
  };
  /**
   * Whose BTF ids the kernel kfuncs carry: 'model' (default), the model's own vmlinux BTF as any kernel build has
   * its own; or 'host', the ids of the kernel the lab runs on (read by name from its /sys/kernel/btf/vmlinux),
   * so that a verifier log shows `call bpf_iter_num_new#ID` as that kernel's does. Where the host has no BTF,
   * boot() throws ENOENT saying why.
   */
  btf?: 'model' | 'host';
}

const BOOT_KEYS = ['memory', 'gbpages', 'cpus', 'seed', 'mm', 'bpf', 'ublk', 'btf'];
/** The types of boot()'s options (their ranges are checked where they are used). */
const BOOT_ARGS = obj({
  memory: opt(size),
  gbpages: opt(bool), // cpus and seed: checked below
  mm: opt(
    obj({
      policy: opt(str),
      collapse: opt(bool),
      debug: opt(bool),
      literal_np: opt(bool),
      execmem: opt(obj({ rox_cache: opt(bool) })),
      kswapd_rate: opt(finite),
      min_free_kbytes: opt(finite),
      watermark_scale_factor: opt(finite),
      thp: opt(bool), // ranges: checked by Mm
      machine: opt(str), // a profile name: checked by Mm
    }),
  ),
  bpf: opt(obj({ jit: opt(bool), prog_pack: opt(bool) })),
  ublk: opt(
    obj({
      costs: opt(either(str, obj({}), "'default', 'this_machine', 'host' or cost overrides")),
      config_blk_dev_zoned: opt(bool),
    }),
  ),
  btf: opt(str), // 'model' or 'host': checked where it is used
});
const FIO_HISTORY = 16;
const BPF_LOAD_HISTORY = 32;

/** One BPF_PROG_LOAD of the machine, accepted or rejected: what the BPF panel steps through. */
export interface BpfLoadRecord {
  /** The nth prog_load of the machine (from 0). */
  seq: number;
  /** The load's attributes, as given. */
  attr: BpfProgLoadAttr;
  /** The program, when the load succeeded. */
  prog?: BpfProgram;
  /** Why it failed (a KernelError with detail.log / insn / line from the verifier, or an assembler error). */
  error?: Error;
}

/** Where the machine writes its console (bpf_trace_printk, ring-buffer records): the script's output. */
export interface KernelEnv {
  log(line: string): void;
  /** The run's seed, used when boot() names none. */
  seed: number;
  /** The host's io_uring figures for `ublk: { costs: 'host' }`, or why there are none (the sandbox measures; the engines stay pure). */
  uringProbe?: () => UringProbeFigures | { why: string };
  /** The host kernel's BTF ids of the named functions for `btf: 'host'` (undefined for one it lacks), or why it has none. */
  hostBtfIds?: (names: readonly string[]) => Record<string, number | undefined> | { why: string };
  /**
   * signal_pending(current) for the machine's long calls (a test run's repeats, fio): true once the run must end
   * (its Stop, its deadline, its memory budget); the call then ends with EINTR as the kernel's does.
   */
  signal_pending?: () => boolean;
}

/** One simulated machine. */
export class Kernel {
  readonly mm: MmEngine;
  readonly bpf: BpfEngine;
  readonly ublk: Ublk;
  readonly seed: number;
  readonly cpus: number;
  /** Where the BPF JIT's images live (execmem from the memory engine). */
  readonly prog_pack: BpfProgPack;
  /** Each JIT-compiled program's image. */
  readonly jit_images = new Map<BpfProgram, JitImage>();
  /** The fio runs of this machine, newest last (at most FIO_HISTORY), for the panels' timeline and charts. */
  readonly fio_runs: { dev_id: number; options: Record<string, unknown>; result: FioResult }[] = [];
  /** The machine's program loads, newest last (at most BPF_LOAD_HISTORY), rejected ones included, for the BPF panel. */
  readonly bpf_loads: BpfLoadRecord[] = [];
  private bpfLoadSeq = 0;

  constructor(opts: BootOptions, env: KernelEnv) {
    if (opts === null || typeof opts !== 'object' || Array.isArray(opts))
      throw new KernelError('EINVAL', 'boot(): options must be an object');
    for (const k of Object.keys(opts)) {
      if (!BOOT_KEYS.includes(k))
        throw new KernelError('EINVAL', `boot(): unknown option '${k}' (known: ${BOOT_KEYS.join(', ')})`);
    }
    opts = BOOT_ARGS(opts, 'boot(): options') as BootOptions;
    const seed = opts.seed === undefined ? env.seed : opts.seed;
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff)
      throw new KernelError('EINVAL', `boot(): seed must be a whole number from 0 to 4294967295, not ${show(seed)}`);
    const cpus = opts.cpus === undefined ? 4 : opts.cpus;
    if (!Number.isInteger(cpus) || cpus < 1 || cpus > 256)
      throw new KernelError('EINVAL', `boot(): cpus must be from 1 to 256, not ${show(cpus)}`);
    this.seed = seed;
    this.cpus = cpus;
    this.mm = createMm({
      ...(opts.memory !== undefined ? { memory: opts.memory } : {}),
      ...(opts.gbpages !== undefined ? { gbpages: opts.gbpages } : {}),
      ...(opts.mm ?? {}),
      cpus,
      seed,
    });
    this.ublk = createUblk({
      prng: new Prng(seed ^ 0x75626c6b),
      nr_cpus: cpus,
      ...(opts.ublk?.costs !== undefined && opts.ublk.costs !== 'host' ? { costs: opts.ublk.costs } : {}),
      mm: this.mm,
      ...(env.signal_pending ? { signal_pending: env.signal_pending } : {}),
      ...(opts.ublk?.config_blk_dev_zoned !== undefined
        ? { config_blk_dev_zoned: opts.ublk.config_blk_dev_zoned }
        : {}),
    });
    if (opts.ublk?.costs === 'host') {
      const probe = env.uringProbe?.() ?? { why: 'this host offers no io_uring probe' };
      if ('why' in probe) env.log(`boot(): ublk costs 'host' unavailable (${probe.why}); the published defaults stay`);
      else this.ublk.calibrate(probe);
    }
    const kfuncIds = opts.btf === undefined || opts.btf === 'model' ? undefined : hostKfuncIds(opts.btf, env);
    // bpf_ktime_get_ns reads the machine's virtual clock (the ublk event clock drives it).
    this.bpf = createBpf({
      prng: new Prng(seed ^ 0x62706600),
      nr_cpus: cpus,
      log: env.log,
      now: () => BigInt(Math.round(this.ublk.clock.now)),
      ...(opts.bpf?.jit !== undefined ? { jit: opts.bpf.jit } : {}),
      ...(kfuncIds ? { kfunc_ids: kfuncIds } : {}),
      ...(env.signal_pending ? { signal_pending: env.signal_pending } : {}),
    });
    // JIT images come from the memory engine's execmem, so that loading programs fragments the direct map as in
    // Linux: the link is made here, the engines know nothing of each other.
    this.prog_pack = new BpfProgPack(this.mm, opts.bpf?.prog_pack ?? true);
    const load = this.bpf.prog_load.bind(this.bpf);
    this.bpf.prog_load = (attr) => {
      const rec: BpfLoadRecord = { seq: this.bpfLoadSeq++, attr: { ...attr } };
      this.bpf_loads.push(rec);
      if (this.bpf_loads.length > BPF_LOAD_HISTORY) this.bpf_loads.shift();
      try {
        rec.prog = load(attr);
      } catch (e) {
        rec.error = e as Error;
        throw e;
      }
      if (rec.prog.jited) this.jit_images.set(rec.prog, this.prog_pack.alloc(jitImageSize(rec.prog.insns)));
      return rec.prog;
    };
    // BPF programs iterate over the memory engine's pageblocks (bpf_iter_pageblock_{new,next,destroy}).
    linkPageblockIter(this.bpf, this.mm);
    // ... and over a ublk device's in-flight requests (bpf_iter_ublk_req_{new,next,destroy}).
    linkUblkReqIter(this.bpf, this.ublk);
    // The ublk eBPF data path runs programs of the BPF engine: add_dev takes a loaded program as bpf_prog.
    const ublkProgram = linkUblkBpf(this.bpf);
    const addDev = this.ublk.add_dev.bind(this.ublk);
    this.ublk.add_dev = (o = {}) =>
      addDev(o.bpf_prog instanceof BpfProgram ? { ...o, bpf_prog: ublkProgram(o.bpf_prog) } : o);
    this.ublk.onFio((o, result) => {
      const { dev, ...options } = o;
      this.fio_runs.push({ dev_id: dev.info().dev_id, options, result });
      if (this.fio_runs.length > FIO_HISTORY) this.fio_runs.shift();
    });
  }

  /** The machine's virtual time in nanoseconds since boot. */
  now_ns(): number {
    return this.ublk.clock.now;
  }
}

/** The host's ids of the kfuncs the BPF engine models, for boot({ btf: 'host' }). */
function hostKfuncIds(btf: unknown, env: KernelEnv): Record<KfuncName, number> {
  if (btf !== 'host')
    throw new KernelError('EINVAL', `boot(): btf must be 'model' or 'host', not ${JSON.stringify(btf) ?? String(btf)}`);
  const got = env.hostBtfIds?.(KFUNC_NAMES) ?? { why: 'this host offers no kernel BTF' };
  if ('why' in got) throw new KernelError('ENOENT', `boot(): btf 'host': ${got.why}`);
  const ids = {} as Record<KfuncName, number>;
  for (const name of KFUNC_NAMES) {
    const id = got[name];
    if (id === undefined)
      throw new KernelError('ENOENT', `boot(): btf 'host': the host kernel's BTF has no function ${name}`);
    ids[name] = id;
  }
  return ids;
}

export function boot(opts: BootOptions, env: KernelEnv): Kernel {
  return new Kernel(opts, env);
}
