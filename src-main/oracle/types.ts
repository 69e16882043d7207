/**
 * The kernel oracle's types: what a load, a test run and the probes return, and the KernelOracle interface itself.
 * Kept apart from index.ts so the modules index.ts re-exports (the differential harnesses, log-compare) can name
 * them without importing index.ts back.
 */
import type { BpfInsn } from '../engines/bpf';
import type { CostModel } from '../engines/ublk';
import type { Btf } from './btf';
import type { DirectMapSnapshot } from './direct-map';
import type { SimulatedSecretProbe } from './secret-sim';

/** Whether the oracle can run here, or the one-line reason it cannot. */
export type OracleAvailability = { ok: true } | { ok: false; why: string };

/** A map to create before the program loads (BPF_MAP_CREATE attributes). */
export interface KernelMapSpec {
  map_type: string | number;
  key_size: number;
  value_size: number;
  max_entries: number;
  map_flags?: number;
  /** Elements to store before the program loads (BPF_MAP_UPDATE_ELEM, BPF_ANY): key and value bytes. */
  entries?: readonly (readonly [Uint8Array, Uint8Array])[];
  /**
   * Keys to read back (BPF_MAP_LOOKUP_ELEM) after a test run, to see what the program wrote: a hash, array, LRU
   * hash or LPM trie map only. The values come back in KernelTestRun's maps_after.
   */
  read_after?: readonly Uint8Array[];
}

/** A program for the kernel: raw instruction bytes, instruction records, or assembly (kernel or uBPF syntax, auto-detected). */
export type KernelProgram = Uint8Array | readonly BpfInsn[] | string;

/** BPF_PROG_LOAD attributes. */
export interface KernelLoadOpts {
  /** `socket_filter`, `BPF_PROG_TYPE_SYSCALL`, or the enum number (default socket_filter). */
  prog_type?: string | number;
  /** Verifier log level (default 1; 2 is verbose). */
  log_level?: number;
  /** Log buffer size in bytes (default and maximum 16 MiB). */
  log_size?: number;
  prog_flags?: number;
  expected_attach_type?: number;
  prog_name?: string;
  /** BPF_PROG_LOAD's license string (default "GPL"); kfuncs and GPL-only helpers need a GPL-compatible one. */
  license?: string;
  /** Maps by the fd the program's `ld_imm64` names (BPF_PSEUDO_MAP_FD / _VALUE); created first, passed as fd_array. */
  maps?: Record<number, KernelMapSpec>;
  /** kfunc names by the imm the program's kfunc calls carry (default: the BPF engine's KFUNC_BTF_ID table). */
  kfuncs?: Record<number, string>;
  /** Also report bpf_prog_info's jited_prog_len / xlated_prog_len of an accepted load. */
  jited_len?: boolean;
}

/** What the kernel's verifier said. */
export interface KernelVerdict {
  /** True when BPF_PROG_LOAD returned a program fd. */
  ok: boolean;
  /** The errno of a rejection (0 when accepted). */
  errno: number;
  errno_name: string;
  /** The verifier log as the kernel wrote it. */
  log: string;
  /** The first line of the log that is not a trace of the walk: the kernel's reason for a rejection. */
  first_error?: string;
  /** `processed N insns` from the closing line. */
  processed?: number;
  /** The log overflowed log_size (it holds the tail); the verdict is that of a second load without a log. */
  log_truncated?: boolean;
  /** The kernel oracle's allow-list refused the load (errno EPERM): nothing reached the kernel. */
  refused?: string;
  /** bpf_prog_info.jited_prog_len and xlated_prog_len of the loaded program (when the load asked for them). */
  jited_prog_len?: number;
  xlated_prog_len?: number;
}

/** BPF_PROG_TEST_RUN attributes. */
export interface KernelTestRunOpts extends KernelLoadOpts {
  ctx_in?: Uint8Array;
  data_in?: Uint8Array;
  /** Runs (default: the kernel's one run; SYSCALL and RAW_TRACEPOINT programs refuse a repeat with EINVAL). */
  repeat?: number;
  data_size_out?: number;
  ctx_size_out?: number;
}

/** What BPF_PROG_TEST_RUN returned (or why it did not run). */
export type KernelTestRun =
  | {
      ok: true;
      verdict: KernelVerdict;
      /** r0 as the kernel reports it: a u32. */
      retval: bigint;
      /** Mean ns per run, as the kernel measured it (0 for SYSCALL programs). */
      duration: number;
      data_out: Uint8Array;
      ctx_out: Uint8Array;
      /** The context after the run (SYSCALL programs write it back into ctx_in). */
      ctx_after: Uint8Array;
      /** By map fd: the values of its read_after keys after the run, in their order (undefined: no such element). */
      maps_after: Record<number, (Uint8Array | undefined)[]>;
    }
  | {
      ok: false;
      verdict: KernelVerdict;
      errno: number;
      errno_name: string;
      why: string;
      /** The kernel oracle's allow-list refused the load or the run (errno EPERM). */
      refused?: string;
    };

/** How a test run may be cut short: an abort (Stop) or a time limit kill the native helper with SIGKILL. */
export interface KernelCallControl {
  signal?: AbortSignal;
  timeoutMs?: number;
}

/** The argument of the scripting names (k.bpf.verify's shape): source text, or insns / asm plus load attributes. */
export type KernelVerifyArg = string | (KernelLoadOpts & { insns?: Uint8Array | readonly BpfInsn[]; asm?: string });

/** A program and what to do with it, for batches. */
export interface KernelJob {
  prog: KernelProgram;
  opts?: KernelTestRunOpts;
  /** Test-run the program after loading it. */
  run?: boolean;
}

/** Result of faulting memfd_secret pages. */
export interface SecretProbe {
  pages: number;
  before: DirectMapSnapshot;
  /** After the pages were faulted (mapped in the process, removed from the direct map). */
  touched: DirectMapSnapshot;
  /** After munmap and close (pages freed, direct map entries restored). */
  after: DirectMapSnapshot;
  /** touched − before: the splits faulting the pages caused. */
  faulted: DirectMapSnapshot;
  /** after − touched: what freeing them changed (collapses, where the kernel does them). */
  released: DirectMapSnapshot;
  /** The memory engine's prediction for the same pages on a fresh, 2M-mapped simulated machine (baseline policy). */
  simulated: SimulatedSecretProbe;
  /**
   * The pages' frame numbers from /proc/self/pagemap (the first 4096 pages), or undefined when the kernel hid them
   * (it reads 0 without CAP_SYS_ADMIN).
   */
  pfns?: number[];
}

/** Result of the io_uring probe: ns of CPU time per operation measured on this machine (least of several runs). */
export interface UringProbe {
  /** One NOP SQE submitted and reaped per io_uring_enter. */
  nop_ns: number;
  /** NOPs `batch` per io_uring_enter, per op. */
  nop_batched_ns: number;
  /** One 4 KiB IORING_OP_READ of a tmpfs (memfd) file per io_uring_enter. */
  read_4k_ns: number;
  /** 4 KiB reads `batch` per io_uring_enter, per op. */
  read_4k_batched_ns: number;
  /** The same read with pread(2). */
  pread_4k_ns: number;
  batch: number;
  count: number;
  /** Runs of each figure; each figure is the least of them, in process CPU time. */
  samples: number;
  /** The ublk cost model's figures these imply (the published defaults stay the default). */
  calibration: Partial<CostModel>;
}

/** The kernel oracle of this machine. */
export interface KernelOracle {
  /** Whether the oracle can run here (Linux, root or CAP_BPF+CAP_PERFMON, cc, BTF, bpf() permitted). */
  available(): OracleAvailability;
  /** The running kernel's BTF (throws OracleUnavailableError when missing). */
  btf(): Btf;
  /** The FUNC BTF id of a kfunc on this kernel, or undefined when the kernel has no such function. */
  kfunc_id(name: string): number | undefined;
  /** BPF_PROG_LOAD through the kernel's verifier (bpf_check()): verdict, errno and log. Throws BpfAsmError for bad assembly. */
  verify(prog: KernelProgram, opts?: KernelLoadOpts): KernelVerdict;
  /** k.bpf.kernel_verify(src | { insns | asm, prog_type, log_level, maps }): verify() in the scripting shape. */
  kernel_verify(arg: KernelVerifyArg): KernelVerdict;
  /** k.bpf.kernel_test_run(src | { insns | asm, prog_type, ... }, { ctx_in, data_in, repeat }): testRun() in the scripting shape. */
  kernel_test_run(
    arg: KernelVerifyArg,
    opts?: Pick<KernelTestRunOpts, 'ctx_in' | 'data_in' | 'repeat' | 'data_size_out' | 'ctx_size_out'>,
  ): KernelTestRun;
  /** BPF_PROG_LOAD then BPF_PROG_TEST_RUN (bpf_prog_test_run()). */
  testRun(prog: KernelProgram, opts?: KernelTestRunOpts): KernelTestRun;
  /** Many loads (and test runs) in one helper process; one result per job. */
  batch(jobs: readonly KernelJob[]): KernelTestRun[];
  /** verify / testRun / batch without blocking the event loop (for the app's main process). */
  verifyAsync(prog: KernelProgram, opts?: KernelLoadOpts, control?: KernelCallControl): Promise<KernelVerdict>;
  testRunAsync(prog: KernelProgram, opts?: KernelTestRunOpts, control?: KernelCallControl): Promise<KernelTestRun>;
  batchAsync(jobs: readonly KernelJob[], control?: KernelCallControl): Promise<KernelTestRun[]>;
  /** kernel_verify() without blocking; throws KernelPolicyError (EPERM) when the allow-list refuses the load. */
  kernelVerifyAsync(arg: KernelVerifyArg, control?: KernelCallControl): Promise<KernelVerdict>;
  /** kernel_test_run() without blocking, killed on control.signal; throws KernelPolicyError when refused. */
  kernelTestRunAsync(
    arg: KernelVerifyArg,
    opts?: Pick<KernelTestRunOpts, 'ctx_in' | 'data_in' | 'repeat' | 'data_size_out' | 'ctx_size_out'>,
    control?: KernelCallControl,
  ): Promise<KernelTestRun>;
  /** This machine's DirectMap lines (/proc/meminfo) and direct_map_* counters (/proc/vmstat); read-only, any Linux. */
  directMap(): ({ ok: true } & DirectMapSnapshot) | { ok: false; why: string };
  /** Opt-in (it splits this machine's direct map; no privileges needed): faults `pages` memfd_secret pages (secretmem_fault() -> set_direct_map_invalid_noflush()) and reports the real deltas. */
  secretProbe(pages?: number): SecretProbe;
  /**
   * Measures this machine's io_uring NOP and 4 KiB tmpfs read (raw io_uring_setup/enter, no liburing) in process CPU
   * time, each figure the least of `samples` runs (default 5).
   */
  uringProbe(opts?: { count?: number; batch?: number; samples?: number }): UringProbe;
}
