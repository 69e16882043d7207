/**
 * The attributes of the bpf() commands the engine takes (union bpf_attr, include/uapi/linux/bpf.h, Linux 6.18):
 * BPF_PROG_LOAD's and BPF_PROG_TEST_RUN's, in the lab's scripting names, and the engine's own options.
 */
import type { Prng } from '../common/prng';
import type { KfuncName } from './vmlinux_btf';
import type { BpfInsn } from './isa';
import type { BpfMap } from './maps';
import type { BpfExecFn } from './vm';
import type { BpfSourceInsn } from './line_info';

/** Options of the engine: the seeded PRNG and the virtual clock of the lab, the console, the CPU count. */
export interface BpfEngineOptions {
  prng?: Prng;
  /** Virtual time in ns for bpf_ktime_get_ns (default: a clock advancing 1 ns per executed instruction). */
  now?: () => bigint;
  /** Console sink (bpf_trace_printk output, ring-buffer records). */
  log?: (line: string) => void;
  /** Number of possible CPUs (per-CPU maps). */
  nr_cpus?: number;
  /** bpf_jit_enable: compile programs to JavaScript (default true). */
  jit?: boolean;
  /** Instructions a single run may execute before it is stopped (default 100M). */
  budget?: number;
  /** BTF ids of the kernel kfuncs (default: the model's own BTF, KFUNC_BTF_ID); boot({ btf: 'host' }) gives the host's. */
  kfunc_ids?: Readonly<Record<KfuncName, number>>;
  /**
   * signal_pending(current): whether the caller was told to stop (the run's Stop or deadline). Long calls ask it
   * where the kernel does (prog_test_run between repeats, as bpf_test_timer_continue()) and end with EINTR.
   */
  signal_pending?: () => boolean;
}

/** Options of one run of a loaded program. */
export interface BpfRunOpts {
  cpu?: number;
  budget?: number;
  /** The engine to run it on instead of the one it was loaded for (soundness runs use both). */
  exec?: BpfExecFn;
  /** Seed of the garbage a soundness run fills unwritten memory with (BpfVmOptions.poison). */
  poison?: number;
}

/** What prog_load takes: instructions (records or raw bytes) or assembly, and load attributes. */
export interface BpfProgLoadAttr {
  insns?: readonly BpfInsn[] | Uint8Array;
  asm?: string;
  /** Assembly syntax; 'auto' picks uBPF when it sees %rN registers. */
  syntax?: 'kernel' | 'ubpf' | 'auto';
  prog_type?: string;
  prog_name?: string;
  /** Maps the assembly may name (`r1 = my_map ll`). */
  maps?: Record<string, BpfMap>;
  /** Run the verifier (default true); `false` loads without it. */
  verify?: boolean;
  /** Verifier log level: 0, 1 (default: the failing path) or 2 (every instruction). */
  log_level?: number;
  /** The verifier log's buffer in bytes (default 16 MiB, libbpf's): a longer log keeps its tail and the load fails with ENOSPC. */
  log_size?: number;
  /** BPF_F_TEST_STATE_FREQ: a verifier checkpoint at every prune point (also prog_flags bit 1 << 3). */
  test_state_freq?: boolean;
  /** BPF_PROG_LOAD's prog_flags: BPF_F_TEST_STATE_FREQ (8) and BPF_F_SLEEPABLE (16) act; unknown bits are EINVAL. */
  prog_flags?: number;
  /** Override the engine's JIT setting for this program. */
  jit?: boolean;
  /** BPF_PROG_LOAD's fd_array: the map fds an ld_imm64 with BPF_PSEUDO_MAP_IDX / _IDX_VALUE (src 5/6) names by index. */
  fd_array?: readonly number[];
  /**
   * BTF func_info given with the program (default true: libbpf passes clang's for every function). Without it
   * (`false`, a raw load) Linux refuses a callback's address (ld_imm64 src 4) with `missing btf func_info`.
   */
  func_info?: boolean;
  /**
   * BPF_PROG_LOAD's license string; only a GPL-compatible one (license_is_gpl_compatible()) may call kfuncs.
   * Departure (6.18): the kernel has no default; here a load without one is "GPL", as the lab's assembly is.
   */
  license?: string;
  /**
   * BPF_PROG_LOAD's line_info (struct bpf_line_info, its strings resolved from the BTF): the C line that starts at
   * each listed instruction. The verifier's log then shows them (verbose_linfo()), a rejection names its C line,
   * and the program keeps them as `source`.
   */
  line_info?: readonly BpfSourceInsn[];
  /**
   * A BPF object file (ELF, as clang writes it): opened and loaded as bpf_object__open_mem() and __load() do (its
   * maps created, every program relocated and verified), and its program named `prog_name` (or its only one)
   * returned. The object brings its own instructions, maps and BTF: only prog_name and log_level go with it.
   */
  obj?: Uint8Array;
  /**
   * C source, compiled by this machine's clang (as compile() does) and loaded as `obj`; `filename` names it in
   * diagnostics and line_info. Only a script's run compiles (the engine alone refuses it).
   */
  c?: string;
  /** The C source's file name (default prog.bpf.c). */
  filename?: string;
}

/** What prog_test_run takes (BPF_PROG_TEST_RUN's attributes). */
export interface BpfTestRunAttr {
  ctx_in?: Uint8Array;
  data_in?: Uint8Array;
  repeat?: number;
  cpu?: number;
}
