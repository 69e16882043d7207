/**
 * Kernel Lab scripting API: the globals a lab script sees. Monaco shows these typings. This first part is
 * lab-globals.d.ts (the prelude's globals, checked against the sandbox by a test); the rest is generated
 * from the bindings by scripts/gen-lab-api.ts (`npm run gen:api`; a test fails when it is out of date).
 */

/** Prints its arguments, formatted like Node's util.inspect, followed by a newline. */
declare function print(...values: unknown[]): void;

/** The console of the lab: log/info/debug print to the output, warn/error to the error stream. */
declare const console: {
  log(...values: unknown[]): void;
  info(...values: unknown[]): void;
  debug(...values: unknown[]): void;
  warn(...values: unknown[]): void;
  error(...values: unknown[]): void;
  table(rows: unknown): void;
};

/** An error of the simulated kernel, with the Linux errno name (for example 'ENOMEM', 'EINVAL'). */
declare class KernelError extends Error {
  constructor(errno: string, message: string);
  readonly errno: string;
  /** For a program the verifier rejected: the verifier's log, the failing instruction and its source line. */
  readonly log?: string;
  readonly insn?: number;
  readonly line?: number;
}

/** Helpers of the laboratory. */
declare const lab: {
  /** The run's seed: every PRNG of the run (Math.random, the engines) is seeded from it. */
  readonly seed: number;
  /** A seeded lab's parameters, drawn from the seed (lab.json `params`): this student's own numbers; {} otherwise. */
  readonly params: Readonly<Record<string, number | string>>;
  /** Sets the run's structured result (JSON-serialisable; bigints become strings), read by checkers and --json. */
  result(value: unknown): void;
  /**
   * Reports progress of a long run (fraction in 0..1) to the workbench. The message counts against the run's
   * output cap like printed text and is cut to 1024 characters; reports are coalesced (at most one every 50 ms,
   * the latest winning, the last one always shown).
   */
  progress(fraction: number, message?: string): void;
  /**
   * Draws a chart in the workbench: `series` is an array of numbers, or an object of named series, each an
   * array of numbers, of [x, y] pairs, or { x: [...], y: [...] }.
   */
  chart(
    name: string,
    series: number[] | Record<string, number[] | [number, number][] | { x: number[]; y: number[] }>,
    options?: { xlabel?: string; ylabel?: string; kind?: 'line' | 'bar' | 'scatter' },
  ): void;
  /** Shows rows (objects, or arrays) as a table in the workbench, and as text in the output. */
  table(rows: object[], name?: string): void;
  /** Throws an AssertionError with `message` when `cond` is falsy. */
  assert(cond: unknown, message?: string): asserts cond;
};

/**
 * Boots one simulated machine: the memory, BPF and ublk engines sharing one seed and one virtual clock. Every
 * machine counts against the run's memory budget (512 MiB by default) until the run ends: a boot past it throws
 * a KernelError ENOMEM.
 */
declare function boot(options?: BootOptions): Kernel;

// ---- generated from src-main/sandbox/bindings.ts by scripts/gen-lab-api.ts: do not edit below ----

/** One simulated machine. */
interface Kernel {
  readonly mm: Mm;
  readonly bpf: Bpf;
  readonly ublk: Ublk;
  readonly seed: number;
  readonly cpus: number;
  /** The machine's virtual time in nanoseconds since boot. */
  now_ns(): number;
}

/** The memory engine as scripts see it (k.mm): the page allocator, the direct map, set_memory_*, vmalloc,
 * execmem, memfd_secret, /proc text, a TLB model, snapshots and seeded workloads. */
interface Mm {
  readonly policy: Policy;
  /** Frames of physical memory (the node's span). */
  readonly nframes: number;
  /** Frames given to the buddy at boot (zone_managed_pages, totalram_pages): nframes less the memmap. */
  readonly managed_pages: number;
  /** min_free_kbytes as the boot (and THP) left it, or as written. */
  readonly min_free_kbytes: number;
  readonly watermark_scale_factor: number;
  /** Lab-only seeded workloads. */
  readonly workloads: { churn: (opts?: ChurnOptions) => Churn; secretmemChurn: (opts?: SecretmemChurnOptions) => WorkloadResult & { open: SecretFile[]; }; execmemChurn: (opts?: ExecmemChurnOptions) => WorkloadResult & { loaded: VmRegion[]; }; bpfLoadUnload: (opts?: BpfLoadUnloadOptions) => WorkloadResult & { loaded: VmRegion[]; }; moduleLoadUnload: (opts?: ModuleLoadUnloadOptions) => WorkloadResult & { loaded: VmRegion[]; }; secretmemTrials: (opts?: { pages?: number; trials?: number; noise?: boolean | NoiseOptions; }) => SecretmemTrial[]; };
  /** alloc_pages(gfp, order): a block of 2^order pages, or null. */
  alloc_pages(gfp: string | number, order?: number): Page | null;
  /** __free_pages(page, order): give a block back (order defaults to page.order). */
  __free_pages(page: PageRef, order?: number): void;
  /** drain_all_pages(): return every per-cpu page to the buddy lists. */
  drain_all_pages(): void;
  /** set_memory_ro(): clear RW and DIRTY. */
  set_memory_ro(target: VmRegion | PageRef, numpages?: number): void;
  /** set_memory_rw(): set RW. */
  set_memory_rw(target: VmRegion | PageRef, numpages?: number): void;
  /** set_memory_x(): clear NX. */
  set_memory_x(target: VmRegion | PageRef, numpages?: number): void;
  /** set_memory_nx(): set NX. */
  set_memory_nx(target: VmRegion | PageRef, numpages?: number): void;
  /** set_memory_np(): clear PRESENT. */
  set_memory_np(target: VmRegion | PageRef, numpages?: number): void;
  /** set_memory_p(): set PRESENT. */
  set_memory_p(target: VmRegion | PageRef, numpages?: number): void;
  /** set_memory_rox(): clear RW, DIRTY and NX; with the 2025 code also CPA_COLLAPSE. */
  set_memory_rox(target: VmRegion | PageRef, numpages?: number): void;
  /** set_memory_4k(): force 4K PTEs (with the 2025 code also _PAGE_KERNEL_4K). */
  set_memory_4k(target: VmRegion | PageRef, numpages?: number): void;
  /** set_direct_map_invalid_noflush(page): clear PRESENT and RW on the direct map, no alias, no flush. */
  set_direct_map_invalid_noflush(page: PageRef): void;
  /** set_direct_map_default_noflush(page): set PRESENT and RW (_PAGE_GLOBAL stays cleared), no flush. */
  set_direct_map_default_noflush(page: PageRef): void;
  /** flush_tlb_kernel_range(): counted. */
  flush_tlb_kernel_range(): void;
  /** lookup_address() of a page's direct-map address. */
  lookup_address(page: PageRef): { level: LevelName; present: boolean; rw: boolean; nx: boolean; global: boolean; };
  /** page_address(): the direct-map virtual address of a page, hex (PAGE_OFFSET 0xffff888000000000, no KASLR). */
  page_address(page: PageRef): string;
  /** vmalloc(size, { flags: ['VM_FLUSH_RESET_PERMS'] }): order-0 GFP_KERNEL pages mapped in the vmalloc range. */
  vmalloc(size: string | number, opts?: { flags?: string[]; gfp?: string; }): VmRegion | null;
  /** vfree(); with VM_FLUSH_RESET_PERMS, vm_reset_perms() first. */
  vfree(r: VmRegion): void;
  /** execmem_alloc(size): module / BPF JIT text, ROX (classic, or from the ROX cache). */
  execmem_alloc(size: string | number): VmRegion | null;
  /** execmem_free(): back to the ROX cache, or vfree() of the text area. */
  execmem_free(r: VmRegion): void;
  /** memfd_secret(2): a file whose pages leave the direct map while they exist. */
  memfd_secret(): SecretFile;
  /** /proc/meminfo as an object (kB; HugePages_* are counts). */
  meminfo(): Record<string, number>;
  /** /proc/vmstat as an object (the lines the model keeps). */
  vmstat(): Record<string, number>;
  /** /proc/pagetypeinfo as an object. */
  pagetypeinfo(): { free: Record<string, number[]>; blocks: Record<string, number>; zones: { zone: string; free: Record<string, number[]>; blocks: Record<string, number>; }[]; };
  /** /proc/buddyinfo's counts per order. */
  buddyinfo(): number[];
  /** /proc/<name> (meminfo, buddyinfo, pagetypeinfo, vmstat, zoneinfo) or debugfs (unmapped_alloc, cpa_stats, extfrag_index, unusable_index) text. */
  procfs(name: string): string;
  /** TLB flushes and page-table pages: flush_tlb_all() and ranged flushes counted, DM tables in use. */
  stats(): { flush_tlb_all: number; flush_tlb_kernel_range: number; page_table_pages: number; cpa_stats: Record<string, number>; };
  /** A TLB model over the direct map (Skylake-like by default). */
  tlb(opts?: { cpu?: string | TlbConfig; seed?: number; }): Tlb;
  /** Per-pageblock typed arrays for the memory-map panel. */
  snapshot(): MmSnapshot;
  /** The 2023 shrinker's scan_objects(nr_to_scan): maps cache blocks back at 4K and frees them; pages freed. */
  unmapped_alloc_shrink(nr_to_scan: number): number;
  /** The shrinker's count_objects(): Σ nr_free[order] << order. */
  unmapped_alloc_count(): number;
  /** set_memory_np_noalias(): clear PRESENT on the given mapping only (CPA_NO_CHECK_ALIAS). */
  set_memory_np_noalias(target: VmRegion | PageRef, numpages?: number): void;
  /** set_direct_map_valid_noflush(page, nr, valid): the multi-page form (valid: set / clear PRESENT and RW). */
  set_direct_map_valid_noflush(page: PageRef, nr: number, valid: boolean): void;
  /** Fragmentation metrics: mixed pageblocks, and extfrag / unusable indexes per order (×1000). */
  fragmentation(): { mixed_pageblocks: number; extfrag_index: number[]; unusable_index: number[]; };
  /** alloc_pages_bulk(gfp, nr_pages, order): nr_pages calls of alloc_pages(gfp, order) in one crossing (lab-only;
   * the kernel's alloc_pages_bulk is order 0 only). Returns the pfns allocated, stopping at the first failure. */
  alloc_pages_bulk(gfp: string, nr_pages: number, order?: number): Float64Array;
  /** __free_pages_bulk(pfns, order): __free_pages() of every pfn (lab-only), in one crossing. */
  __free_pages_bulk(pfns: number[] | Float64Array | Uint32Array, order?: number): void;
  /** /proc/zoneinfo as objects: each zone's span, managed pages, free pages, watermarks and protection. */
  zoneinfo(): { zone: string; start_pfn: number; spanned: number; present: number; managed: number; free: number; min: number; low: number; high: number; promo: number; protection: number[]; }[];
  /** filemap_read(): reads `pages` pages of `file` (from index `start`) through the page cache. Returns pages cached. */
  filemap_read(file: string, pages: number, start?: number): number;
  /** truncate(file, 0): truncate_inode_pages() drops its page cache (ENOENT for a file never read). Returns pages freed. */
  truncate(file: string): number;
  /** Anonymous memory faulted in (no swap: it cannot be reclaimed). Returns pages added. */
  anon_fault(pages: number): number;
  /** munmap() of the oldest `pages` anonymous pages. Returns pages freed. */
  anon_unmap(pages: number): number;
  /** echo mode > /proc/sys/vm/drop_caches (1 page cache, 2 slab, 3 both, 4 silence; default 1). Returns page-cache pages freed. */
  drop_caches(mode?: number): number;
  /** Lets kswapd run until it sleeps (balanced, or nothing left to reclaim). Returns pages it reclaimed. */
  kswapd_run(): number;
  /** echo 1 > /proc/sys/vm/compact_memory: compact_node() over every zone. Returns pages migrated. */
  compact(): number;
}

/** A vmalloc / execmem area (struct vm_struct): its address, backing pfns and flags. */
interface VmRegion {
  /** 'vmalloc' (vmalloc range) or 'execmem' (module range). */
  readonly kind: "vmalloc" | "execmem";
  /** Start address, hex (VMALLOC_START / MODULES_VADDR based). */
  readonly addr: string;
  /** Requested size in bytes. */
  readonly size: number;
  /** Number of 4 KiB pages mapped. */
  readonly nr_pages: number;
  /** Backing pfns, one per page. */
  readonly pages: number[];
  /** VM_* flags (and EXECMEM_ROX_CACHE for pieces of the ROX cache). */
  readonly flags: string[];
  /** Set once vfree() / execmem_free() ran. */
  readonly freed: boolean;
}

/** An open memfd_secret file: pages appear on fault and leave with close(). */
interface SecretFile {
  /** Pages currently faulted in. */
  readonly nr_pages: number;
  /** A page fault at page index `index` of the mapping: allocates and unmaps the page once. */
  fault(index: number): Page;
  /** The last close: every page is freed (and, in mainline, mapped back). */
  close(): void;
}

/** A data-TLB model over the direct map: L1 per page size, a shared STLB, LRU sets. Translations are tagged by
 * the leaf that maps the address now; every flush_tlb_all() since the last replay empties it. */
interface Tlb {
  /** Replays a seeded access pattern and reports accesses, L1 misses and page walks. */
  access(pattern: AccessPattern): TlbResult;
}

/** Background churn (lab-only): keeps up to `live` blocks of `gfp` allocated, and on each op frees a random live
 * block or allocates a new one (order 0 … maxOrder). Seeded. Call release() to free everything. */
interface Churn {
  /** Runs `ops` seeded operations (each frees a random live block or allocates one); returns the totals. */
  run(ops: number): WorkloadResult;
  /** Frees every block the churn still holds. */
  release(): void;
}

/** The BPF subsystem of one simulated machine. */
interface Bpf {
  readonly nr_cpus: number;
  /** BPF_MAP_CREATE. Map ids double as fds (departure: the kernel's fds are per process). */
  map_create(attr: BpfMapCreateAttr): BpfMap;
  /** BPF_PROG_LOAD. Throws KernelError (EACCES, EINVAL, E2BIG with detail.log when the verifier rejects) or BpfAsmError. */
  prog_load(attr: BpfProgLoadAttr): Program;
  /** The verifier alone (bpf_check() without loading): `{ ok, log, errors }`; assembler and load-time errors are reported the same way. */
  verify(src: string | (BpfProgLoadAttr & VerifyOptions)): { ok: boolean; log: string; errors: VerifyReport["errors"]; result?: VerifyReport["result"]; };
  /** BPF_PROG_TEST_RUN: runs `repeat` times; retval is r0 as a u32, duration the mean virtual ns (1 ns per insn).
   * As net/bpf/test_run.c (6.18): repeat is a u32 and 0 means one run; bpf_prog_test_run_raw_tp() and
   * bpf_prog_test_run_syscall() refuse any repeat with EINVAL; between repeats bpf_test_timer_continue() ends the
   * run with EINTR when a signal is pending (here: the run's Stop or deadline), so no repeat count is unbounded work. */
  prog_test_run(prog: Program, attr?: BpfTestRunAttr): { retval: number; duration: number; insns: number; data_out?: Uint8Array; };
  /** Assembles source in either syntax (auto-detected unless given). Throws BpfAsmError with line:column. */
  assemble(src: string, opts?: { syntax?: "kernel" | "ubpf" | "auto"; maps?: Record<string, BpfMap>; }): AsmResult;
  /** Verifier-log style listing of instructions. */
  disassemble(insns: readonly BpfInsn[]): string;
  /** bpf_object__open_mem(): parses a BPF object file (clang --target=bpf -O2 -g -c) and gives its programs and
   * maps; nothing is created until `load()`. A malformed object is a KernelError naming the section and offset. */
  obj_open(bytes: Uint8Array, opts?: { name?: string; }): BpfObject;
  /** kernel_verify(src | { insns | asm, prog_type, log_level, maps }): BPF_PROG_LOAD of the program in this
   * machine's Linux kernel: its verdict, errno and verifier log (root or CAP_BPF needed). */
  kernel_verify(arg: KernelVerifyArg): KernelVerdict;
  /** kernel_test_run(src | {...}, { ctx_in, data_in, repeat }): BPF_PROG_TEST_RUN in this machine's kernel. */
  kernel_test_run(arg: KernelVerifyArg, opts?: { ctx_in?: Uint8Array; data_in?: Uint8Array; repeat?: number; }): KernelTestRun;
  /** compile({ c, filename }): the C source compiled by this machine's clang (--target=bpf -O2 -g) into an object for
   * obj_open(): `{ ok, object, diagnostics }`, or `{ ok: false, why, diagnostics }` with the errors at their C lines.
   * EOPNOTSUPP saying what to install where there is no clang. */
  compile(arg: { c: string; filename?: string; }): BpfCompileResult;
}

/** BPF_MAP_TYPE_RINGBUF: a power-of-two data area shared by producers (programs) and one consumer (the script).
 * Records are 8-byte aligned with an 8-byte header; a reservation fails when the consumer has not made room.
 * The kernel maps the data pages twice so a record never wraps; here the region is twice the size and the
 * part of a record that spills past the end is folded back on submit. */
interface RingbufMap {
  readonly id: number;
  readonly name: string;
  readonly type_name: "BPF_MAP_TYPE_HASH" | "BPF_MAP_TYPE_ARRAY" | "BPF_MAP_TYPE_PERCPU_ARRAY" | "BPF_MAP_TYPE_LRU_HASH" | "BPF_MAP_TYPE_RINGBUF";
  readonly max_entries: number;
  /** ring_buffer__consume(): the committed records in order, advancing the consumer position (stops at a busy one). */
  consume(): Uint8Array[];
}

/** struct bpf_map: what every map type shares. */
interface BpfMap {
  readonly id: number;
  readonly name: string;
  readonly type_name: "BPF_MAP_TYPE_HASH" | "BPF_MAP_TYPE_ARRAY" | "BPF_MAP_TYPE_PERCPU_ARRAY" | "BPF_MAP_TYPE_LRU_HASH" | "BPF_MAP_TYPE_RINGBUF";
  readonly key_size: number;
  readonly value_size: number;
  readonly max_entries: number;
  /** BPF_MAP_LOOKUP_ELEM. */
  lookup(key: BpfBytesLike): Uint8Array | undefined;
  /** BPF_MAP_UPDATE_ELEM; throws KernelError on failure. */
  update(key: BpfBytesLike, value: BpfBytesLike, flags?: number): void;
  /** BPF_MAP_DELETE_ELEM; throws KernelError on failure. */
  delete(key: BpfBytesLike): void;
  /** All [key, value] pairs (BPF_MAP_GET_NEXT_KEY + lookup). */
  entries(): [Uint8Array, Uint8Array][];
}

/** An opened BPF object (struct bpf_object): `progs` and `maps` as libbpf found them, then `load()` creates the
 * maps (global data initialised from the object), relocates each program and loads it through the verifier.
 * `set_autoload()` chooses the programs load() loads, as bpf_program__set_autoload() does. */
interface BpfObject {
  /** The object's name (libbpf's: the file name up to its first '.'). */
  readonly name: string;
  /** The `license` section's string. */
  readonly license: string;
  /** The maps: `.maps` definitions and `.data`/`.rodata`/`.bss` global data. */
  readonly maps: readonly BpfObjMap[];
  /** The programs: name, section, BPF_PROG_TYPE_* (undefined when libbpf knows no such section), autoload, instruction count. */
  readonly progs: readonly BpfObjProgram[];
  /** bpf_object__load(): creates the maps, relocates every program whose autoload is on and loads it with the
   * verifier. A program the verifier rejects fails the load with its errno and log (detail.log), and, as libbpf's
   * bpf_object_unload() does, the programs this load created are gone again (its maps stay). An object is loaded once:
   * a second load() is EINVAL, whether the first succeeded or not. */
  load(opts?: { log_level?: number; }): { progs: Record<string, Program>; maps: Record<string, BpfMap>; };
  /** bpf_program__set_autoload(): whether load() loads the program `prog` (found as
   * bpf_object__find_program_by_name() finds it: a program, not a .text subprogram). A program load() skips is
   * neither relocated nor verified. EINVAL once the object's load was attempted; ENOENT for no such program. */
  set_autoload(prog: string, autoload: boolean): void;
}

/** A loaded program (struct bpf_prog). */
interface Program {
  /** True when the program runs as generated JavaScript (the JIT), false in the interpreter. */
  readonly jited: boolean;
  readonly id: number;
  readonly name: string;
  readonly prog_type: string;
  /** The verifier's log of the load (absent when loaded with `verify: false`). */
  readonly verifier_log: string | undefined;
  /** For a program loaded from an object with line_info: the C source line that starts at each listed instruction. */
  readonly source: (BpfSourceLine & { insn: number; })[] | undefined;
  /** Runs the program once (bpf_prog_run()): r1 = the context (bytes, mapped read-write) or 0. */
  run(ctx?: Uint8Array, opts?: { cpu?: number; budget?: number; }): BpfRunResult;
  /** The program in the verifier log's style, one `pc: (code) insn` line per instruction. */
  disasm(): string;
}

/** The simulated machine's ublk side: clock, CPUs, memory bus, the driver. */
interface Ublk {
  /** Where the cost model's figures come from: the published defaults, §5.4's 'this_machine', a 'host' probe or 'custom' overrides. */
  readonly cost_source: "default" | "this_machine" | "host" | "custom";
  /** k.ublk.add_dev(): ADD_DEV + SET_PARAMS with the chosen flags, data path and target (ublk add). */
  add_dev(o?: AddDevOptions): UblkDev;
  /** k.ublk.fio(): runs the workload (and verify passes) and reports fio-like results. */
  fio(o: FioOptions): FioResult;
  /** Sets the cost model to the defaults plus these overrides, from now on (all components share one object). */
  set_costs(over: "default" | "this_machine" | Partial<CostModel>): CostModel;
  /** Calibrates the cost model to a host's io_uring figures (k.ublk.uring_probe() measures this machine's; any
   * machine's numbers will do): the published defaults with t_sqe_cqe, t_enter and t_backing_op from the probe. */
  calibrate(probe: UringProbeFigures): CostModel;
  /** k.ublk.calibrate_report(): every published figure of the model's notes run in the model (fresh machines with
   * this machine's costs, on the setup it was measured on) beside the published value, with the ratio; and every
   * cost constant with its meaning, basis and the figures it is held to. */
  calibrate_report(): CalibrationReport;
  /** uring_probe(): this machine's cost of an io_uring NOP (alone and batched) and of a 4 KiB tmpfs read, in ns per
   * op, with the cost-model figures they imply; pass it to k.ublk.calibrate(). Throws EOPNOTSUPP saying why where
   * the host cannot be measured. */
  uring_probe(): UringProbe;
  /** UBLK_U_CMD_GET_FEATURES: the driver's UBLK_F_ALL (Linux 6.18: bits 0-14), no device needed. */
  get_features(): { features: number; feature_names: string[]; };
}

/** A ublk device handle: /dev/ublkcN and, once started, /dev/ublkbN with its server. */
interface UblkDev {
  /** UBLK_U_CMD_START_DEV: starts the server (it opens /dev/ublkcN and FETCHes every tag), then adds
   * /dev/ublkbN. `ublksrv_pid` (default: the new server's pid) must be that server's (EINVAL otherwise). */
  start_dev(o?: { ublksrv_pid?: number; }): void;
  /** UBLK_U_CMD_STOP_DEV: waits (in virtual time) for in-flight I/O, removes the disk and cancels the
   * pending FETCHes with -ENODEV; the server threads exit. If the target never completes some I/O, the
   * server is killed and /dev/ublkcN's release fails those requests with -EIO (what del_gendisk waits for). */
  stop_dev(): void;
  /** UBLK_U_CMD_DEL_DEV (stops first when needed); the descriptor pages go back to the mm engine. */
  del_dev(): void;
  /** UBLK_U_CMD_GET_DEV_INFO with names. */
  info(): UblkDevInfo;
  /** UBLK_U_CMD_GET_PARAMS. */
  get_params(): UblkParams & { devt: { char_major: number; char_minor: number; disk_major: number; disk_minor: number; }; };
  /** UBLK_U_CMD_GET_QUEUE_AFFINITY: CPU ids mapped to hw queue q. */
  get_queue_affinity(q: number): number[];
  /** UBLK_U_CMD_UPDATE_SIZE: resize the live disk (I/O beyond the new end gets EIO). */
  update_size(size: string | number): void;
  /** The server process crashes (SIGKILL): its rings go away, then /dev/ublkcN's release handles its I/O. */
  kill_server(): void;
  /** User recovery (UBLK_F_USER_RECOVERY) as ublksrv's `recover` runs it: START_USER_RECOVERY, a new server
   * FETCHes every tag, END_USER_RECOVERY. Requests queued meanwhile were requeued and now reach the new server. */
  recover(o?: { die_during_fetch?: boolean; }): void;
  /** The ublk_io state machine of every (queue, tag), with the queue rings' counters. */
  snapshot(): UblkSnapshot;
  /** Driver counters. */
  stats(): Record<string, number>;
  /** Consistency checks: no lost tag, no leaked buffer registration, nothing stuck after a stop. */
  invariants(): string[];
  /** Direct I/O helper: reads `len` bytes at `off` (with REQ_* `flags`, as pwrite); throws the kernel's errno on failure. */
  pread(len: number, off: number, o?: { flags?: readonly string[]; buf?: Uint8Array; }): Uint8Array;
  /** Direct I/O helper: writes `data` at byte offset `off` and runs the simulation until it completes. `flags`:
   * REQ_* names the bio carries (REQ_FAILFAST_DEV/_TRANSPORT/_DRIVER, REQ_META, REQ_SWAP, REQ_FUA, REQ_PREFLUSH);
   * the server sees them as UBLK_IO_F_* (REQ_FUA and REQ_PREFLUSH are dropped: the disk has no volatile cache). */
  pwrite(data: Uint8Array, off: number, o?: { flags?: readonly string[]; }): number;
  /** UBLK_U_CMD_GET_DEV_INFO2: GET_DEV_INFO that also carries the char device path (for unprivileged devices). */
  get_dev_info2(): UblkDevInfo;
  /** UBLK_U_CMD_DEL_DEV_ASYNC: DEL_DEV without waiting for the device id to be freed. */
  del_dev_async(): void;
  /** UBLK_U_CMD_QUIESCE_DEV (needs UBLK_F_QUIESCE, hence USER_RECOVERY): waits up to timeout_ms of virtual
   * time (0: forever) for every queue to have an idle I/O, aborts the idle FETCHes; the server exits and the
   * device is left QUIESCED (FAIL_IO with USER_RECOVERY_FAIL_IO) for recover(). EBUSY on timeout. */
  quiesce_dev(timeout_ms?: number): void;
  /** UBLK_U_CMD_TRY_STOP_DEV: after 6.18 (UBLK_F_SAFE_STOP_DEV); the modelled 6.18 driver answers EOPNOTSUPP. */
  try_stop_dev(): void;
  /** UBLK_U_CMD_START_USER_RECOVERY: EINVAL without UBLK_F_USER_RECOVERY, EBUSY while a server holds
   * /dev/ublkcN open or the device is neither QUIESCED nor FAIL_IO. I/O sent until END_USER_RECOVERY waits
   * (QUIESCED) or fails with EREMOTEIO (FAIL_IO). */
  start_user_recovery(): void;
  /** A new server opens /dev/ublkcN and FETCHes every tag (EBUSY while the old one holds it), then
   * UBLK_U_CMD_END_USER_RECOVERY: `ublksrv_pid` (default: the new server's pid) must be that server's
   * (EINVAL), the device needs UBLK_F_USER_RECOVERY (EINVAL) and must be QUIESCED or FAIL_IO (EBUSY); it is
   * LIVE again and the requeued I/O reaches the new server. Linux 6.18 does not require START_USER_RECOVERY first. */
  end_user_recovery(o?: { die_during_fetch?: boolean; ublksrv_pid?: number; }): void;
  /** One REQ_OP_DISCARD bio for [off, off + len), as a kernel submitter sends it (not the BLKDISCARD ioctl): EINVAL
   * unless aligned to the logical block size, EIO past the end, EOPNOTSUPP unless add_dev set `discard` limits. */
  discard(off: number, len: number): void;
  /** blkdev_issue_zeroout() without fallback: a REQ_OP_WRITE_ZEROES bio (EOPNOTSUPP unless add_dev set
   * `discard.max_write_zeroes_sectors`); REQ_NOUNMAP in `flags` reaches the server as UBLK_IO_F_NOUNMAP. */
  write_zeroes(off: number, len: number, o?: { flags?: readonly string[]; }): void;
  /** BLKREPORTZONE (as `blkzone report`): up to `nr_zones` zones (default all) from `sector` on, each with start,
   * len, wp and capacity in sectors, type and condition (EMPTY, IMP_OPEN, EXP_OPEN, CLOSED, FULL...). The driver
   * asks the server with REQ_OP_DRV_IN requests of at most max_io_buf_bytes / 64 zones. ENOTTY off a zoned disk. */
  report_zones(o?: { sector?: number; nr_zones?: number; }): ZoneReportEntry[];
  /** BLKRESETZONE / BLKOPENZONE / BLKCLOSEZONE / BLKFINISHZONE on the zones of [sector, sector + nr_sectors) (default:
   * the zone at `sector`): EINVAL unless zone-aligned, then one REQ_OP_ZONE_* per zone (a reset of the whole disk is
   * one REQ_OP_ZONE_RESET_ALL); the server's answer, e.g. EIO for a full zone, ETOOMANYREFS past max_open_zones. */
  zone_mgmt(op: "reset" | "open" | "close" | "finish", sector: number, nr_sectors?: number): void;
  /** A REQ_OP_ZONE_APPEND bio (as btrfs or f2fs send one) of `data` to the zone starting at `sector`: returns the
   * sector the server wrote it at (its commit's zone_append_lba). EIO unless at a zone start and within
   * max_zone_append_size; EOPNOTSUPP off a zoned disk. */
  zone_append(data: Uint8Array, sector: number): number;
}

type Policy = 'baseline' | 'migratetype' | 'cache' | 'freetype';

/** Options of the background churn: gfp of its blocks, how many stay live, their largest order, the share of ops that free. */
interface ChurnOptions {
  gfp?: string;
  live?: number;
  maxOrder?: number;
  freeRatio?: number;
  seed?: number;
}

/** Options of secretmemChurn: files open at once, pages faulted per file, rounds of close-and-reopen. */
interface SecretmemChurnOptions {
  files?: number;
  pages?: number;
  rounds?: number;
  seed?: number;
}

/** Summary of a workload run. */
interface WorkloadResult {
  ops: number;
  allocs: number;
  frees: number;
  failures: number;
  live: number;
}

/** Options of execmemChurn: areas per round, their size (bytes, '8K', or a [min, max] range), rounds, areas kept. */
interface ExecmemChurnOptions {
  count?: number;
  size?: number | string | [number, number];
  rounds?: number;
  keep?: number;
  seed?: number;
}

/** Options of bpfLoadUnload: programs per round, rounds, programs kept loaded. */
interface BpfLoadUnloadOptions {
  progs?: number;
  rounds?: number;
  keep?: number;
  seed?: number;
}

/** Options of moduleLoadUnload: modules per round, rounds, modules kept, their text size range. */
interface ModuleLoadUnloadOptions {
  modules?: number;
  rounds?: number;
  keep?: number;
  seed?: number;
  size?: [number, number];
}

/** Options of the background noise: pages the rest of the system holds, operations between two trials, seed. */
interface NoiseOptions {
  pool?: number;
  ops?: number;
  seed?: number;
}

/** One trial: the pages faulted, the distinct 2M regions they lie in, the splits the faults caused, reuse. */
interface SecretmemTrial {
  pfns: number[];
  /** Distinct 2M regions (pfn >> 9) of the pages. */
  regions: number;
  /** direct_map_level2_splits and _level3_splits during the faults. */
  level2_splits: number;
  level3_splits: number;
  /** Some page of this trial was a page of the previous trial. */
  reused: boolean;
}

/** struct page * for scripts: the head pfn and the order it was allocated with. */
interface Page {
  /** Page frame number of the first page. */
  pfn: number;
  /** The block holds 2^order pages. */
  order: number;
}

type PageRef = Page | number;

type LevelName = '4K' | '2M' | '1G';

/** A CPU's data-TLB geometry (brief §6). */
interface TlbConfig {
  name: string;
  l1_4k: TlbArrayConfig;
  l1_2m: TlbArrayConfig;
  l1_1g: TlbArrayConfig | null;
  /** Second-level TLB shared by 4K and 2M translations (or 4K only when stlbHolds2M is false). */
  stlb: TlbArrayConfig;
  stlbHolds2M: boolean;
  stlb_1g: TlbArrayConfig | null;
}

/** Per-pageblock typed arrays for the memory-map panel. */
interface MmSnapshot {
  pageblocks: number;
  pagesPerBlock: number;
  /** Migratetype names, indexed by the values in `migratetype`. */
  migratetypes: string[];
  migratetype: Uint8Array;
  /** Free pages in the zone buddy. */
  free: Uint16Array;
  /** Free pages on the per-cpu lists. */
  pcp: Uint16Array;
  /** Free pages in the 2023 unmapped cache. */
  cacheFree: Uint16Array;
  /** Pages handed out (including page tables and cache pages in use; not per-cpu pages). */
  allocated: Uint16Array;
  /** Direct-map leaf covering the block: 1 = 4K PTEs, 2 = a 2M leaf, 3 = inside a 1G leaf. */
  level: Uint8Array;
  /** 4K pages of the block absent from the direct map. */
  unmapped: Uint16Array;
  /** PB_unmapped / FREETYPE_UNMAPPED flag. */
  unmappedBlock: Uint8Array;
}

/** An access pattern over the direct map (lab-only helper). */
interface AccessPattern {
  /** 'uniform' over the range, 'hotset' (a hot subset takes most accesses), 'sequential' with a stride. */
  type: 'uniform' | 'hotset' | 'sequential';
  accesses: number;
  /** First pfn and page count of the range accessed; default all memory. */
  start?: number;
  pages?: number;
  /** hotset: pages in the hot set (default 1/64 of the range) and the probability of hitting it (default 0.9). */
  hotPages?: number;
  hotProbability?: number;
  /** sequential: bytes between accesses (default 64). */
  stride?: number;
  seed?: number;
}

interface TlbResult {
  accesses: number;
  /** L1 DTLB misses. */
  misses: number;
  /** STLB misses = page walks. */
  walks: number;
  /** Accesses that hit a non-present direct-map entry (a kernel oops in real life); not counted as TLB traffic. */
  faults: number;
  /** Accesses by the level of the leaf that maps them. */
  byLevel: { '4K': number; '2M': number; '1G': number };
}

/** `union bpf_attr` for BPF_MAP_CREATE (the fields modelled). */
interface BpfMapCreateAttr {
  map_type: BpfMapTypeName | number;
  key_size?: number;
  value_size?: number;
  max_entries: number;
  map_flags?: number;
  map_name?: string;
}

/** What prog_load takes: instructions (records or raw bytes) or assembly, and load attributes. */
interface BpfProgLoadAttr {
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

/** Options of a verification beyond BPF_PROG_LOAD's attributes. */
interface VerifyOptions {
  /** log_level: 0 none, 1 (default) the failing path, 2 every instruction. */
  log_level?: number;
  /** BPF_F_TEST_STATE_FREQ. */
  test_state_freq?: boolean;
  /** Per-instruction states and the exploration tree (for the UI). */
  trace?: boolean;
  /** A processed-instruction budget below the kernel's 1,000,000. */
  insn_limit?: number;
  /** log_size: the log buffer's size in bytes (default 16 MiB, libbpf's); a longer log keeps its tail and fails the load with ENOSPC. */
  log_size?: number;
}

/** One rejection, for the UI: message, instruction and its source line. */
interface VerifyError {
  message: string;
  errno: string;
  insn?: number;
  line?: number;
}

/** The verdict (bpf_check()). */
interface VerifierResult {
  ok: boolean;
  log: string;
  errno?: VerifierErrno;
  /** The message of a rejection (its first line). */
  error?: string;
  /** Instruction being verified when it was rejected. */
  insn?: number;
  insn_processed: number;
  max_states_per_insn: number;
  total_states: number;
  peak_states: number;
  /** Stack depth of each function (by first instruction). */
  stack_depth: Map<number, number>;
  /** The context loads (instruction -> struct offset) that convert_ctx_accesses() rewrites (XDP's xdp_md; a socket filter's __sk_buff.sk). */
  ctx_loads: Map<number, number>;
  /** prog->aux->max_ctx_offset: one past the last context byte any access reaches (a test run's ctx must hold it). */
  max_ctx_offset: number;
  steps?: VerifierStep[];
  paths?: VerifierPath[];
}

/** What prog_test_run takes (BPF_PROG_TEST_RUN's attributes). */
interface BpfTestRunAttr {
  ctx_in?: Uint8Array;
  data_in?: Uint8Array;
  repeat?: number;
  cpu?: number;
}

/** What an assembler produces: instructions, plus the 1-based source line of each slot (0 for an lddw's 2nd slot). */
interface AsmResult {
  insns: BpfInsn[];
  lines: number[];
  /** Label name -> instruction index. */
  labels: Map<string, number>;
}

/** `struct bpf_insn` (include/uapi/linux/bpf.h). imm is a signed 32-bit integer, off a signed 16-bit one. */
interface BpfInsn {
  code: number;
  dst_reg: number;
  src_reg: number;
  off: number;
  imm: number;
}

/** The argument of the scripting names (k.bpf.verify's shape): source text, or insns / asm plus load attributes. */
type KernelVerifyArg = string | (KernelLoadOpts & { insns?: Uint8Array | readonly BpfInsn[]; asm?: string });

/** What the kernel's verifier said. */
interface KernelVerdict {
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

/** What BPF_PROG_TEST_RUN returned (or why it did not run). */
type KernelTestRun =
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

/** What a C compile gives (the host's clang in the main process, src-main/clang/bpf-clang.ts): an object for BpfObject. */
type BpfCompileResult =
  | { ok: true; object: Uint8Array; diagnostics: BpfCompileDiagnostic[]; log: string }
  | { ok: false; diagnostics: BpfCompileDiagnostic[]; log: string; why: string };

/** A key or value as scripts pass it: bytes, or a number/bigint written little-endian in key_size/value_size bytes. */
type BpfBytesLike = Uint8Array | number | bigint | readonly number[];

/** A map of the object (struct bpf_map before creation). */
interface BpfObjMap {
  name: string;
  /** `.maps` for BTF-defined maps, or the data section of a global-data map. */
  section: string;
  map_type: string;
  key_size: number;
  value_size: number;
  max_entries: number;
  map_flags: number;
  /** Global data: the section's initial bytes (absent for .bss, whose map starts zeroed). */
  initial?: Uint8Array;
}

/** A program of the object (struct bpf_program before load). */
interface BpfObjProgram {
  /** The function's name (the program's name, truncated to 15 characters at load as the kernel keeps it). */
  name: string;
  /** The ELF section (SEC()) it came from. */
  section: string;
  /** BPF_PROG_TYPE_* from the section name, or undefined when libbpf would not recognise it. */
  prog_type: string | undefined;
  /** Whether load() loads it (a `?` before the section name turns autoload off). */
  autoload: boolean;
  /** BPF_F_SLEEPABLE for `syscall`, `*.s` sections. */
  sleepable: boolean;
  /** Instructions in the section (before relocation). */
  insn_cnt: number;
}

/** A loaded C program's source line for each instruction (from .BTF.ext line_info). */
interface BpfSourceLine {
  file: string;
  line: number;
  col: number;
  text: string;
}

/** The outcome of one run: r0 and the number of instructions executed. */
interface BpfRunResult {
  retval: bigint;
  insns: number;
}

interface AddDevOptions {
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

interface FioOptions {
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

interface FioResult {
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

interface CostModel {
  /** B_copy: single-core memcpy of payload, bytes/ns (10 GB/s; §5.1 8–13 GB/s). */
  B_copy: number;
  /**
   * Shared memory bandwidth of the machine for copies, bytes/ns of copied payload (copies queue behind each
   * other above it). Default 8: PR116's null target, copy mode, 64 KiB rw moved ≈7.5 GB/s at low CPU use.
   */
  B_mem: number;
  /** t_pin_page: GUP-fast pin of one present user page (driver copy path), ns (§5.1 20–50). */
  t_pin_page: number;
  /** t_sqe_cqe: one io_uring op (prep, issue, CQE post), ns (§5.1 0.26–0.39 µs). */
  t_sqe_cqe: number;
  /** t_enter: one io_uring_enter syscall, ns (§5.1 0.2–0.5 µs), paid once per batch. */
  t_enter: number;
  /** t_tw: running a task_work batch in the server task (io_uring_cmd_complete_in_task hop), ns. */
  t_tw: number;
  /**
   * ublk_dispatch_req() per request: iod already set, start_io, io_uring_cmd_done of the FETCH, ns. With t_ublk_cmd,
   * t_rq_end, t_srv_cqe and the ops and copies of one I/O it makes up the server thread's cost per loop I/O, which
   * ublksrv PR #203 puts at about 2.2 µs (450K 4 KiB IOPS per thread): the model's is 2.7 µs.
   */
  t_dispatch: number;
  /** ublk uring_cmd handler (COMMIT_AND_FETCH / REGISTER / UNREGISTER / NEED_GET_DATA): checks and io state, ns. */
  t_ublk_cmd: number;
  /**
   * UBLK_F_BATCH_IO per element: one element of a PREP/COMMIT_IO_CMDS array walked (copy_from_user share, io lock,
   * state, completion bookkeeping), or one tag of a fetch batch prepared, ns. No published per-element figure:
   * fitted to the cover letter's +12 % (copy) / +3.7 % (zero copy) at 16 jobs; the command itself costs
   * t_sqe_cqe + t_ublk_cmd once per batch.
   */
  t_batch_elem: number;
  /**
   * __ublk_complete_rq(): ending one block request (blk_update_request, __blk_mq_end_request, the bio's end_io up
   * to the application's aio completion), ns; paid by whoever drops the request's last reference.
   */
  t_rq_end: number;
  /**
   * Server userspace per CQE: reap, read the 24-byte iod, target logic, prepare SQEs, ns. The whole of one batched
   * io_uring NOP (prep, submit, complete, reap) is 0.099 µs on §5.4's machine, so the userspace share is well under it;
   * the rest is the target's logic and the descriptor read.
   */
  t_srv_cqe: number;
  /** io_buffer_register_bvec()/unregister: kernel bvec node in the fixed-buffer table, ns each. */
  t_reg_bvec: number;
  /** Wake-up latency of a sleeping thread (not CPU time), ns (§5.4 measured 2–9 µs in a VM). */
  t_wakeup: number;
  /** Application (fio job) per I/O: submission path (fio, libaio/io_uring, bio + blk-mq alloc), ns. */
  t_app_io: number;
  /** Application per completion: reap + fio accounting, ns. */
  t_app_complete: number;
  /** Application syscall (io_submit / io_getevents / io_uring_enter), ns. */
  t_app_syscall: number;
  /** ublk_queue_rq()/ublk_queue_rqs() per request: setup iod, blk_mq_start_request, ns. */
  t_queue_rq: number;
  /** io_uring_cmd_complete_in_task(): task_work_add + notify, per batch handed to a daemon, ns. */
  t_tw_add: number;
  /** Backing file (tmpfs/page cache) op fixed cost on top of t_sqe_cqe, ns; its data copy is paid at B_copy. */
  t_backing_op: number;
  /** Backing device latency before completion (0 = page cache, completes inline), ns. */
  t_backing_latency: number;
  /** t_bpf_prog: one run of the ublk BPF program at queue_rq (eBPF proposal), ns (§5.1 0.1–0.3 µs). */
  t_bpf_prog: number;
  /** Kernel-side SQE issued by the BPF kfunc (no userspace round trip), ns. */
  t_sqe_kernel: number;
  /** Splice proposal: pipe setup per I/O, ns. */
  t_pipe: number;
  /** Splice proposal: io-wq punt latency (do_splice_direct was not async), ns (latency, not CPU). */
  t_iowq: number;
  /** Remap (prior art): install one PTE of a request page into the server, ns. */
  t_pte: number;
  /** TLB shootdown base cost on unmap, ns (§5.1 ~1 µs). */
  t_tlb_shootdown: number;
  /** TLB shootdown extra per other CPU in mm_cpumask, ns (§5.1 ~0.2 µs). */
  t_tlb_per_cpu: number;
  /** tlb_single_page_flush_ceiling: above this many pages Linux flushes the whole TLB. */
  tlb_single_page_flush_ceiling: number;
  /** Full TLB flush cost (above the ceiling), ns. */
  t_tlb_full_flush: number;
  /** Fused command: secondary op overhead factor ε on t_sqe_cqe (§5.2). */
  fused_epsilon: number;
}

/**
 * What oracle/'s io_uring probe measures on the host, in ns per op (the engine only takes the numbers: the
 * sandbox measures). Raw io_uring_setup/io_uring_enter, no liburing.
 */
interface UringProbeFigures {
  /** One IORING_OP_NOP submitted and reaped per io_uring_enter. */
  nop_ns: number;
  /** NOPs `batch` per io_uring_enter, per op. */
  nop_batched_ns: number;
  /** 4 KiB IORING_OP_READs of a tmpfs (memfd) file, `batch` per io_uring_enter, per op. */
  read_4k_batched_ns: number;
  /** SQEs per io_uring_enter of the batched runs. */
  batch: number;
}

/** k.ublk.calibrate_report(). */
interface CalibrationReport {
  cost_source: string;
  /** Figures within ±25 % of the published value, as "n/total". */
  within: string;
  figures: CalibrationRow[];
  constants: CostConstantRow[];
  text: string;
}

/** Result of the io_uring probe: ns of CPU time per operation measured on this machine (least of several runs). */
interface UringProbe {
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

/** dev.info(): GET_DEV_INFO plus the model's view. */
interface UblkDevInfo extends UblksrvCtrlDevInfo {
  state_name: string;
  flag_names: string[];
  data_path: DataPath;
  target: string;
  dev_size: number;
  char_dev: string;
  block_dev: string | null;
}

/** struct ublk_params (the parts SET_PARAMS takes; devt is read-only). */
interface UblkParams {
  types: number;
  basic?: UblkParamBasic;
  discard?: UblkParamDiscard;
  zoned?: UblkParamZoned;
  dma?: UblkParamDmaAlign;
  seg?: UblkParamSegment;
}

/** dev.snapshot(): the per-(queue, tag) state machine and ring counters, for the ublk panel. */
interface UblkSnapshot {
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

/** One zone of a report, as `blkzone report` prints it: sectors, the type and condition by name. */
interface ZoneReportEntry {
  start: number;
  len: number;
  wp: number;
  capacity: number;
  type: 'CONVENTIONAL' | 'SEQ_WRITE_REQUIRED' | 'SEQ_WRITE_PREFERRED';
  cond: string;
}

interface BootOptions {
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

/** One TLB array: sets × ways, LRU within a set. */
interface TlbArrayConfig {
  entries: number;
  ways: number;
}

type BpfMapTypeName = "BPF_MAP_TYPE_HASH" | "BPF_MAP_TYPE_ARRAY" | "BPF_MAP_TYPE_PERCPU_ARRAY" | "BPF_MAP_TYPE_LRU_HASH" | "BPF_MAP_TYPE_RINGBUF";

/** One line_info record: the source line that starts at instruction `insn`. */
type BpfSourceInsn = BpfSourceLine & { insn: number };

/** The errnos bpf_check() returns. */
type VerifierErrno = 'EACCES' | 'EINVAL' | 'E2BIG' | 'EFAULT' | 'ENOTSUPP' | 'ENOSPC';

/** One processed instruction, for a panel that steps through verification. */
interface VerifierStep {
  insn: number;
  frame: number;
  /** The path (exploration-tree node) it belongs to. */
  path: number;
  /** Registers and stack after the instruction, in log notation. */
  state: string;
}

/** A node of the exploration tree: a path popped from the branch stack. */
interface VerifierPath {
  id: number;
  parent: number;
  /** Instruction the path starts at and the branch it came from. */
  from: number;
  to: number;
  /** How it ended: exit, pruned (safe), or the error. */
  end?: string;
  /** The instruction it ended at (the exit, the pruned instruction, the rejected one). */
  at?: number;
}

/** BPF_PROG_LOAD attributes. */
interface KernelLoadOpts {
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

/** One compiler diagnostic at its file, line and column. */
interface BpfCompileDiagnostic {
  file: string;
  line: number;
  col: number;
  severity: 'error' | 'warning' | 'note' | 'fatal error';
  message: string;
}

/** 'batch': UBLK_F_BATCH_IO (after 6.18) on the copy path; the batch commands also run under user_copy etc. with the flag. */
type DataPath =
  | 'copy'
  | 'need_get_data'
  | 'user_copy'
  | 'zero_copy'
  | 'auto_buf_reg'
  | 'fused'
  | 'ebpf'
  | 'splice'
  | 'remap'
  | 'batch';

/**
 * A loaded program of the lab's ublk program type. run() returns 0 when the program took the request
 * (it queued its backing I/O) or 1 to hand the request to the userspace server as usual.
 */
interface UblkBpfProgram {
  readonly name: string;
  /** True for a program the BPF engine verified; the built-in stand-in says false. */
  readonly verified: boolean;
  /** The BPF engine's loaded program this runs (absent for the built-in stand-in): what checkers and panels name. */
  readonly source?: object;
  /** Instructions executed by the last run (for cost accounting when the BPF engine reports it). */
  run(ctx: UblkBpfCtx, kfuncs: UblkBpfKfuncs): number;
}

/** A target written in the script: handlers return the result, or call io.done() themselves. */
interface TargetHandler {
  name?: string;
  read?(io: ScriptIo): number | void;
  write?(io: ScriptIo): number | void;
  flush?(io: ScriptIo): number | void;
  /** UBLK_IO_OP_DISCARD (needs add_dev's `discard` limits); without it the server answers -EOPNOTSUPP. */
  discard?(io: ScriptIo): number | void;
  /** UBLK_IO_OP_WRITE_ZEROES (UBLK_IO_F_NOUNMAP in io.flags: keep the blocks allocated). */
  write_zeroes?(io: ScriptIo): number | void;
  /** UBLK_IO_OP_ZONE_APPEND (UBLK_F_ZONED): write at the zone's write pointer, set io.zone_append_lba. */
  zone_append?(io: ScriptIo): number | void;
  /** UBLK_IO_OP_REPORT_ZONES (UBLK_F_ZONED): fill io.data with io.nr_zones struct blk_zone entries, return the bytes. */
  report_zones?(io: ScriptIo): number | void;
  /** UBLK_IO_OP_ZONE_OPEN/CLOSE/FINISH/RESET/RESET_ALL (io.op names which); without it the server answers -EOPNOTSUPP. */
  zone_mgmt?(io: ScriptIo): number | void;
}

/** add_dev's `zoned` options (sizes in bytes or '4M'). */
interface ZonedOptions {
  /** Zone size (basic.chunk_sectors), a power of two; default 4M. */
  zone_size?: number | string;
  /** Writable bytes per zone (the zoned target's zone capacity); default the zone size. */
  zone_capacity?: number | string;
  /** Conventional zones at the start (zoned target); default 0. */
  nr_conv?: number;
  /** ublk_param_zoned.max_open_zones / max_active_zones (0: no limit). */
  max_open_zones?: number;
  max_active_zones?: number;
  /** ublk_param_zoned.max_zone_append_sectors, in bytes; default the zone size (0 is refused by SET_PARAMS). */
  max_zone_append_size?: number | string;
}

/** Latency statistics of a fio run (nearest-rank percentiles, as fio's clat percentiles), in µs. */
interface LatencyPercentiles {
  p50: number;
  p99: number;
  p999: number;
  mean: number;
  max: number;
  min: number;
  stdev: number;
  /** fio's default percentile list: [percent, µs]. */
  table: [number, number][];
}

interface TraceRecord {
  /** I/O number (fio's submission order). */
  id: number;
  kind: TraceKind;
  q: number;
  tag: number;
  /** Virtual time, ns. */
  t: number;
}

/** One published figure, as the model reproduces it. */
interface CalibrationRow {
  id: string;
  /** What was measured. */
  figure: string;
  /** Where it was published (the engine notes' source tag and its location). */
  source: string;
  /** The setup the model runs. */
  setup: string;
  /** The published value (a range's midpoint; `published_text` gives it as published). */
  published: number;
  published_text: string;
  model: number;
  /** model / published. */
  ratio: number;
  /** |ratio - 1| <= 0.25. */
  within_25pct: boolean;
  /** Where the model's setup departs from the published one, or '' when it is the same. */
  note: string;
}

/** One cost constant: its value, meaning, basis and the figure(s) it is held to. */
interface CostConstantRow {
  name: keyof CostModel;
  value: number;
  unit: string;
  what: string;
  source: string;
  reproduces: string;
}

/** struct ublksrv_ctrl_dev_info. */
interface UblksrvCtrlDevInfo {
  nr_hw_queues: number;
  queue_depth: number;
  state: number;
  max_io_buf_bytes: number;
  dev_id: number;
  ublksrv_pid: number;
  flags: number;
  ublksrv_flags: number;
  owner_uid: number;
  owner_gid: number;
}

/** struct ublk_param_basic. */
interface UblkParamBasic {
  attrs: number;
  logical_bs_shift: number;
  physical_bs_shift: number;
  io_opt_shift: number;
  io_min_shift: number;
  max_sectors: number;
  chunk_sectors: number;
  dev_sectors: number;
  virt_boundary_mask: number;
}

/** struct ublk_param_discard. */
interface UblkParamDiscard {
  discard_alignment: number;
  discard_granularity: number;
  max_discard_sectors: number;
  max_write_zeroes_sectors: number;
  max_discard_segments: number;
}

/** struct ublk_param_zoned. */
interface UblkParamZoned {
  max_open_zones: number;
  max_active_zones: number;
  max_zone_append_sectors: number;
}

/** struct ublk_param_dma_align. */
interface UblkParamDmaAlign {
  alignment: number;
}

/** struct ublk_param_segment. */
interface UblkParamSegment {
  seg_boundary_mask: number;
  max_segment_size: number;
  max_segments: number;
}

/** One tag's state for the UI (struct ublk_io flags and whether a request holds the tag). */
interface UblkTagSnapshot {
  tag: number;
  flags: string[];
  request: { op: 'read' | 'write' | 'other'; sector: number; nr_sectors: number } | null;
  /** UBLK_F_BATCH_IO (after 6.18): prepared, queued for a fetch, fetched in a batch, committed in a batch; null otherwise. */
  batch: BatchTagState;
}

/** A map to create before the program loads (BPF_MAP_CREATE attributes). */
interface KernelMapSpec {
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

/** The program's context (struct ublk_bpf_ctx of the RFC, reduced): what queue_rq knows about the request. */
interface UblkBpfCtx {
  q_id: number;
  tag: number;
  /** UBLK_IO_OP_* */
  op: number;
  start_sector: number;
  nr_sectors: number;
}

/** kfuncs available to a ublk BPF program. */
interface UblkBpfKfuncs {
  /** bpf_ublk_queue_sqe(): queues one backing SQE on the request's pages; returns 0 or -errno. */
  bpf_ublk_queue_sqe(ctx: UblkBpfCtx, sqe: UblkBpfSqe): number;
}

/** What a script target's handler sees of one request. `data` is null where the server cannot see the data (zero-copy paths). */
interface ScriptIo {
  q_id: number;
  tag: number;
  op:
    | 'read'
    | 'write'
    | 'flush'
    | 'discard'
    | 'write_zeroes'
    | 'zone_append'
    | 'report_zones'
    | 'zone_open'
    | 'zone_close'
    | 'zone_finish'
    | 'zone_reset'
    | 'zone_reset_all';
  offset: number;
  len: number;
  data: Uint8Array | null;
  /** The request's UBLK_IO_F_* flags from iod->op_flags (ublk_req_build_flags(), e.g. UBLK_IO_F_FAILFAST_DEV). */
  flags: string[];
  /** Completes the request with a byte count or -errno (call once). */
  done(res: number): void;
  /** UBLK_IO_OP_REPORT_ZONES: iod->nr_zones, the entries wanted from `offset` on (struct blk_zone, 64 bytes each). */
  nr_zones?: number;
  /** UBLK_IO_OP_ZONE_APPEND: the handler sets the sector it wrote at; the commit carries it as zone_append_lba. */
  zone_append_lba?: number;
}

/**
 * Per-I/O event records for the UI: submit, queue_rq, task_work, server_cqe, backend, commit, complete.
 * Sampled by I/O number (every `every`-th I/O is traced) and capped at `max` records.
 */
type TraceKind = 'submit' | 'queue_rq' | 'task_work' | 'server_cqe' | 'backend' | 'commit' | 'complete' | 'reap';

/** Tag states for the panel: 'prepared' (fetch slot armed), 'fetched' (delivered in a batch), 'committed'. */
type BatchTagState = 'prepared' | 'queued' | 'fetched' | 'committed' | null;

/** The SQE a program may queue through the kfunc (the RFC's bpf_ublk_queue_sqe(ctx, sqe, sqe_len, fd)). */
interface UblkBpfSqe {
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

/** What `k.bpf.verify` returns. */
interface VerifyReport {
  ok: boolean;
  log: string;
  errors: VerifyError[];
  result: VerifierResult;
}
