/**
 * The BPF engine: maps, program load (assemble or take instructions, check, prepare, JIT), run and test-run,
 * with the scripting names of the lab API (src-main/sandbox/lab-api.d.ts: `k.bpf.map_create`, `k.bpf.prog_load`, `prog.run`, `prog.disasm`,
 * `k.bpf.prog_test_run`, `k.bpf.verify`). prog_load runs the verifier (./verifier) unless `verify: false`; the
 * bounds-checked address space and the instruction budget still guard every run.
 */
import { KernelError } from '../common/errors';
import type { Errno } from '../common/errors';
import { Prng } from '../common/prng';
import { assembleKernel } from './asm-kernel';
import type { AsmResult } from './asm-error';
import { assembleUbpf } from './asm-ubpf';
import { disassemble as disasmInsns, printBpfInsn } from './disasm';
import { kernelHelpers, kernelKfuncs } from './helpers';
import { MODEL_BTF } from './vmlinux_btf';
import { BPF_COMPLEXITY_LIMIT_INSNS, decodeInsns } from './isa';
import type { BpfInsn } from './isa';
import { interpExec } from './interpreter';
import { jitCompile } from './jit';
import { wasmJitCompile } from './jit-wasm';
import { BPF_MAP_TYPE, RingbufMap, checkObjName, createMap } from './maps';
import type { BpfMapCreateAttr, BpfMap } from './maps';
import { AddressSpace, BpfRegion } from './memory';
import { prepareInsns } from './prog';
import { license_is_gpl_compatible } from './license';
import { checkProgFlags } from './prog_flags';
import { runProgram } from './vm';
import { XDP_BUFF, xdpConvertCtxAccesses, xdpTestRunSetup } from './test_run_xdp';
import type { BpfExecFn, BpfHelper, BpfRunResult, LoadedInsns } from './vm';
import { progTypeOf, verifierHook, verifyInsns } from './verifier';
import { BPF_F_SLEEPABLE, BpfObject, MODELLED_TYPES } from './bpf_object';
import type { BpfObjMap, BpfObjProgram, LinkedProgram } from './bpf_object';
import type { BpfVerifierHook, VerifyOptions, VerifyReport } from './verifier';
import type { BpfEngineOptions, BpfProgLoadAttr, BpfRunOpts, BpfTestRunAttr } from './bpf_attr';
import { annotateLog, checkBtfLine, sourceLineAt } from './line_info';
import type { BpfSourceLine } from './line_info';
import { checkInsnRecord } from './insn_record';
import { fdArrayEntry, resolve_pseudo_ldimm64 } from './ldimm64';

export { BpfAsmError } from './asm-error';
export type { AsmResult } from './asm-error';
export { BpfMap, RingbufMap, BPF_ANY, BPF_EXIST, BPF_NOEXIST, BPF_MAP_TYPE } from './maps';
export type { BpfMapCreateAttr, BpfBytesLike } from './maps';
export type { BpfInsn } from './isa';
export type { BpfHelper, BpfRunResult } from './vm';
export { KFUNC_BTF_ID } from './helpers';
export { KFUNC_NAMES, MODEL_BTF, modelBtfBlob } from './vmlinux_btf';
export type { KfuncName } from './vmlinux_btf';
export { printBpfInsn } from './disasm';
export type { BpfCompileDiagnostic, BpfCompileResult, BpfObjMap, BpfObjProgram, LinkedProgram } from './bpf_object';
// What the oracle, the sandbox, the clang driver and the scripts use: outside the engine, everything comes from here.
export { assembleKernel } from './asm-kernel';
export { BTF_KIND, BTF_MAGIC } from './btf';
export { caseInsns, judgeCase, parseConformanceFile, runConformanceCase, runConformanceProgram } from './conformance';
export type { ConformanceCase } from './conformance';
export { BPF_FUNC_NAMES, helperIdByName } from './helper-ids';
export { BPF_C_HEADERS } from './include/headers';
export { interpExec } from './interpreter';
export {
  BPF_COMPLEXITY_LIMIT_INSNS,
  BPF_PSEUDO_MAP_FD,
  BPF_PSEUDO_MAP_VALUE,
  decodeInsns,
  encodeInsns,
  insn,
  isLdImm64,
} from './isa';
export { jitExec } from './jit';
export { wasmJitExec, wasmJitUnsupported } from './jit-wasm';
export { license_is_gpl_compatible } from './license';
export { MAP_BTF_STRUCT, MAP_STRUCTS } from './map_btf';
export type { LayoutStruct, LayoutType } from './map_btf';
export { BPF_F } from './prog_flags';
export { kfuncProto, progTypeOf } from './verifier';
export type { BpfVerifierHook, VerifierResult } from './verifier';
export { BPF_LOG_BUF_SIZE } from './verifier/log';
export { ITER_SELFTESTS } from './verifier/selftests';
export { stackVariants } from './verifier/stack-variants';
export type { BpfExecFn, BpfVm } from './vm';
export type { BpfEngineOptions, BpfProgLoadAttr, BpfRunOpts, BpfTestRunAttr } from './bpf_attr';
export { sourceLineAt } from './line_info';
export type { BpfSourceInsn, BpfSourceLine } from './line_info';

/**
 * bpf_prog_test_run_syscall() and bpf_prog_test_run_raw_tp() (net/bpf/test_run.c, 6.18): the context passed in
 * must hold every byte the verifier let the program reach, and no more than the type takes (U16_MAX for syscall,
 * MAX_BPF_FUNC_ARGS u64s for a raw tracepoint); otherwise the run is refused before it starts.
 */
export function testRunCtxCheck(prog: BpfProgram, ctxSizeIn: number): void {
  const type = progTypeOf(prog.prog_type);
  if (type !== 'syscall' && type !== 'raw_tracepoint') return;
  const max = type === 'syscall' ? 0xffff : 12 * 8;
  if (ctxSizeIn < prog.max_ctx_offset || ctxSizeIn > max)
    throw new KernelError(
      'EINVAL',
      `BPF_PROG_TEST_RUN: ctx_size_in ${ctxSizeIn} ${ctxSizeIn > max ? `is over the ${max} bytes a ${type === 'syscall' ? 'BPF_PROG_TYPE_SYSCALL' : 'BPF_PROG_TYPE_RAW_TRACEPOINT'} program takes` : `is less than max_ctx_offset ${prog.max_ctx_offset} (the program reads or writes its context up to there)`}`,
    );
}

/** A loaded program (struct bpf_prog). */
export class BpfProgram {
  readonly id: number;
  readonly insns: readonly BpfInsn[];
  readonly prog_type: string;
  readonly name: string;
  /** True when the program runs as generated JavaScript (the JIT), false in the interpreter. */
  readonly jited: boolean;
  /** Source line of each instruction when it was assembled. */
  readonly lines?: readonly number[];
  /** The verifier's log of the load (absent when loaded with `verify: false`). */
  verifier_log?: string;
  /**
   * prog->aux->max_ctx_offset: one past the last context byte the verifier saw the program reach. A syscall or raw
   * tracepoint test run refuses a smaller ctx_in (EINVAL). 0 when loaded with `verify: false`.
   */
  max_ctx_offset = 0;
  /** A socket filter's loads of `__sk_buff.sk` (instruction indexes), which the model's test run cannot give. */
  sk_loads: readonly number[] = [];
  /** For a program loaded from an object with line_info: the C source line that starts at each listed instruction. */
  source?: (BpfSourceLine & { insn: number })[];
  /** @internal */
  readonly loaded: LoadedInsns;
  /** @internal */
  readonly exec: BpfExecFn;
  private readonly engine: BpfEngine;

  constructor(
    engine: BpfEngine,
    id: number,
    loaded: LoadedInsns,
    exec: BpfExecFn,
    jited: boolean,
    attr: BpfProgLoadAttr,
    lines?: number[],
  ) {
    this.engine = engine;
    this.id = id;
    this.loaded = loaded;
    this.insns = loaded.insns;
    this.exec = exec;
    this.jited = jited;
    this.prog_type = attr.prog_type ?? 'BPF_PROG_TYPE_RAW_TRACEPOINT';
    this.name = attr.prog_name ?? '';
    if (lines) this.lines = lines;
  }

  /** Runs the program once (bpf_prog_run()): r1 = the context (bytes, mapped read-write) or 0. */
  run(ctx?: Uint8Array, opts: { cpu?: number; budget?: number } = {}): BpfRunResult {
    return this.engine.runWith(this, ctx ? [ctx] : [], opts);
  }

  /** The program in the verifier log's style, one `pc: (code) insn` line per instruction. */
  disasm(): string {
    return this.engine.disassemble(this.insns);
  }
}

/**
 * An opened BPF object (struct bpf_object): `progs` and `maps` as libbpf found them, then `load()` creates the
 * maps (global data initialised from the object), relocates each program and loads it through the verifier.
 * `set_autoload()` chooses the programs load() loads, as bpf_program__set_autoload() does.
 */
export class BpfObjectFile {
  /** The object's name (libbpf's: the file name up to its first '.'). */
  readonly name: string;
  /** The `license` section's string. */
  readonly license: string;
  /** The maps: `.maps` definitions and `.data`/`.rodata`/`.bss` global data. */
  readonly maps: readonly BpfObjMap[];
  /** @internal */
  readonly object: BpfObject;
  private readonly engine: BpfEngine;
  private readonly programs: BpfObjProgram[];
  /** libbpf's obj->state >= OBJ_LOADED: set by the first load(), whether it succeeded or not. */
  private attempted = false;

  constructor(engine: BpfEngine, object: BpfObject) {
    this.engine = engine;
    this.object = object;
    this.name = object.name;
    this.license = object.license;
    this.programs = object.programs.map((p) => ({ ...p }));
    this.maps = object.mapDefs.map(({ initial, ...m }) => ({
      ...m,
      ...(initial ? { initial: Uint8Array.from(initial) } : {}),
    }));
  }

  /** The programs: name, section, BPF_PROG_TYPE_* (undefined when libbpf knows no such section), autoload, instruction count. */
  get progs(): readonly BpfObjProgram[] {
    return this.programs.map((p) => ({ ...p }));
  }

  /**
   * bpf_program__set_autoload(): whether load() loads the program `prog` (found as
   * bpf_object__find_program_by_name() finds it: a program, not a .text subprogram). A program load() skips is
   * neither relocated nor verified. EINVAL once the object's load was attempted; ENOENT for no such program.
   */
  set_autoload(prog: string, autoload: boolean): void {
    const p = this.programs.find((x) => x.name === prog);
    if (!p)
      throw new KernelError(
        'ENOENT',
        `object '${this.name}': no program '${prog}' (it has ${this.programs.map((x) => x.name).join(', ') || 'none'})`,
      );
    if (this.attempted)
      throw new KernelError('EINVAL', `prog '${prog}': autoload can't be changed after the object's load`);
    p.autoload = !!autoload;
  }

  /**
   * bpf_object__load(): creates the maps, relocates every program whose autoload is on and loads it with the
   * verifier. A program the verifier rejects fails the load with its errno and log (detail.log), and, as libbpf's
   * bpf_object_unload() does, the programs this load created are gone again (its maps stay). An object is loaded once:
   * a second load() is EINVAL, whether the first succeeded or not.
   */
  load(opts: { log_level?: number } = {}): { progs: Record<string, BpfProgram>; maps: Record<string, BpfMap> } {
    if (this.attempted) throw new KernelError('EINVAL', `object '${this.name}': load can't be attempted twice`);
    this.attempted = true;
    this.object.resolveExterns(this.kfuncId());
    const maps: Record<string, BpfMap> = {};
    const progs: Record<string, BpfProgram> = {};
    try {
      const fds: number[] = [];
      for (const d of this.object.mapDefs) {
        const m = this.engine.map_create({
          map_type: Object.hasOwn(BPF_MAP_TYPE, d.map_type)
            ? (d.map_type as BpfMapCreateAttr['map_type'])
            : Number(d.map_type),
          key_size: d.key_size,
          value_size: d.value_size,
          max_entries: d.max_entries,
          map_flags: d.map_flags,
          map_name: d.name.slice(0, 15),
        });
        maps[d.name] = m;
        if (d.initial) m.update(0, d.initial);
        fds.push(m.id);
      }
      for (const p of this.programs) {
        if (!p.autoload) continue;
        progs[p.name] = this.loadProgram(p, fds, opts);
      }
    } catch (e) {
      // Departure (libbpf 1.5's bpf_object_unload() closes the maps too): the maps stay, so that the BPF panel can
      // replay the rejected walk and the kernel check can recreate the maps its instructions name.
      this.engine.release(Object.values(progs), []);
      throw e;
    }
    return { progs, maps };
  }

  /** bpf_object_load_prog(): one program relocated and loaded, a rejection named after the program. */
  private loadProgram(p: BpfObjProgram, fds: readonly number[], opts: { log_level?: number }): BpfProgram {
    const linked = this.link(p.name, fds);
    const type = p.prog_type;
    if (type === undefined)
      throw new KernelError(
        'EINVAL',
        `prog '${p.name}': unrecognized ELF section name '${p.section}' (no program type)`,
      );
    // Departure: the model has only the program types of verifier/prog-types.ts.
    if (!MODELLED_TYPES.has(type.replace('BPF_PROG_TYPE_', '')))
      throw new KernelError('EINVAL', `prog '${p.name}': ${type} (section '${p.section}') is not modelled`);
    const lines: number[] = [];
    let li = 0;
    for (let pc = 0; pc < linked.insns.length; pc++) {
      while (li + 1 < linked.line_info.length && linked.line_info[li + 1]!.insn_idx <= pc) li++;
      const l = linked.line_info[li];
      lines.push(l && l.insn_idx <= pc ? l.line : 0);
    }
    const line_info = linked.line_info.map((l) => ({
      insn: l.insn_idx,
      file: l.file,
      line: l.line,
      col: l.col,
      text: l.text,
    }));
    try {
      return this.engine.prog_load({
        insns: linked.insns,
        prog_type: type,
        prog_name: p.name.slice(0, 15),
        ...(p.sleepable ? { prog_flags: BPF_F_SLEEPABLE } : {}),
        ...(opts.log_level !== undefined ? { log_level: opts.log_level } : {}),
        lines,
        line_info,
        license: this.license,
      } as BpfProgLoadAttr);
    } catch (e) {
      if (e instanceof KernelError)
        throw new KernelError(e.errno, `prog '${p.name}': BPF program load failed: ${e.message}`, {
          ...e.detail,
          prog: p.name,
        });
      throw e;
    }
  }

  /** The program relocated as load() loads it: instructions, func_info and line_info (map fds as given). */
  link(prog: string, fds: readonly number[]): LinkedProgram {
    return this.object.link(prog, fds, this.kfuncId());
  }

  /** The engine's kfunc BTF id by name (what libbpf finds in vmlinux BTF). */
  private kfuncId(): (name: string) => number | undefined {
    const byName = new Map([...this.engine.kfuncs.values()].map((k) => [k.name, k.id]));
    return (n) => byName.get(n);
  }
}

/** The BPF subsystem of one simulated machine. */
export class BpfEngine {
  readonly space = new AddressSpace();
  /** Helper table by enum bpf_func_id (extensible: register_helper). */
  readonly helpers: Map<number, BpfHelper> = kernelHelpers();
  /** kfunc table by BTF id (extensible: register_kfunc). */
  readonly kfuncs: Map<number, BpfHelper>;
  readonly maps = new Map<number, BpfMap>();
  readonly progs = new Map<number, BpfProgram>();
  readonly nr_cpus: number;
  /** bpf_check(): prog_load calls it unless `verify: false`. */
  verifier?: BpfVerifierHook = verifierHook;
  private readonly prng: Prng;
  private readonly log: (line: string) => void;
  private readonly jitEnabled: boolean;
  private readonly budget: number;
  private readonly clock?: () => bigint;
  private readonly signalPending: () => boolean;
  private virtualNs = 0n;
  private nextMapId = 1;
  private nextProgId = 1;
  /** boot({ btf: 'host' }): the kfuncs carry the host's BTF ids, not the model's own BTF (vmlinux_btf.ts). */
  private readonly hostKfuncIds: boolean;

  constructor(opts: BpfEngineOptions = {}) {
    this.prng = opts.prng ?? new Prng(1);
    this.log = opts.log ?? (() => {});
    this.nr_cpus = opts.nr_cpus ?? 4;
    this.jitEnabled = opts.jit ?? true;
    this.budget = opts.budget ?? 100_000_000;
    this.kfuncs = kernelKfuncs(opts.kfunc_ids);
    this.hostKfuncIds = opts.kfunc_ids !== undefined;
    if (opts.now) this.clock = opts.now;
    this.signalPending = opts.signal_pending ?? (() => false);
  }

  /**
   * What closing the last fds of programs and maps does (bpf_object_unload() after a failed load): they leave the
   * machine's tables, and the maps' memory stops being addressable.
   */
  release(progs: readonly BpfProgram[], maps: readonly BpfMap[]): void {
    for (const p of progs) this.progs.delete(p.id);
    for (const m of maps) {
      this.maps.delete(m.id);
      this.space.unmap(m.values);
      this.space.unmap(m.object);
    }
  }

  /** Adds or replaces a helper (bpf_func_proto) by id. */
  register_helper(h: BpfHelper): void {
    this.helpers.set(h.id, h);
  }

  /** Adds or replaces a kfunc by BTF id. */
  register_kfunc(h: BpfHelper): void {
    this.kfuncs.set(h.id, h);
  }

  /** BPF_MAP_CREATE. Map ids double as fds (departure: the kernel's fds are per process). */
  map_create(attr: BpfMapCreateAttr): BpfMap {
    // The id is handed out only when the map exists (bpf_map_alloc_id() comes after map_alloc()).
    const map = createMap(this.nextMapId, attr, this.space, this.nr_cpus);
    this.nextMapId++;
    if (map instanceof RingbufMap) {
      map.onRecord = (data) =>
        this.log(
          `ringbuf ${map.name || `map${map.id}`}: ${[...data].map((b) => b.toString(16).padStart(2, '0')).join(' ')}`,
        );
    }
    this.maps.set(map.id, map);
    return map;
  }

  /** Assembles source in either syntax (auto-detected unless given). Throws BpfAsmError with line:column. */
  assemble(src: string, opts: { syntax?: 'kernel' | 'ubpf' | 'auto'; maps?: Record<string, BpfMap> } = {}): AsmResult {
    if (opts.syntax !== undefined && !['kernel', 'ubpf', 'auto'].includes(opts.syntax))
      throw new KernelError('EINVAL', `assemble: unknown syntax '${String(opts.syntax)}' (kernel, ubpf, auto)`);
    const syntax = opts.syntax && opts.syntax !== 'auto' ? opts.syntax : /%r\d/.test(src) ? 'ubpf' : 'kernel';
    if (syntax === 'ubpf') return assembleUbpf(src);
    const kfuncByName = new Map([...this.kfuncs.values()].map((k) => [k.name, k.id]));
    const helperByName = new Map([...this.helpers.values()].map((h) => [h.name, h.id]));
    return assembleKernel(src, {
      helperId: (n) => helperByName.get(n) ?? helperByName.get(`bpf_${n}`),
      kfuncId: (n) => kfuncByName.get(n),
      mapFd: (n) => opts.maps?.[n]?.id,
    });
  }

  /** Verifier-log style listing of instructions. */
  disassemble(insns: readonly BpfInsn[]): string {
    return disasmInsns(insns, {
      kfuncName: (id) => this.kfuncs.get(id)?.name,
      helperName: (id) => this.helpers.get(id)?.name,
    });
  }

  /**
   * bpf_object__open_mem(): parses a BPF object file (clang --target=bpf -O2 -g -c) and gives its programs and
   * maps; nothing is created until `load()`. A malformed object is a KernelError naming the section and offset.
   */
  obj_open(bytes: Uint8Array, opts: { name?: string } = {}): BpfObjectFile {
    return new BpfObjectFile(this, new BpfObject(bytes, opts));
  }

  /**
   * prog_load({ obj }): the object opened and its program named prog_name (or its only autoload one) loaded alone,
   * the others' autoload turned off as bpf_program__set_autoload() does, so another program's rejection is not its.
   */
  private progFromObject(attr: BpfProgLoadAttr): BpfProgram {
    const { obj, prog_name, log_level, filename, ...rest } = attr;
    const extra = Object.entries(rest)
      .filter(([, v]) => v !== undefined)
      .map(([k]) => k);
    if (extra.length)
      throw new KernelError(
        'EINVAL',
        `prog_load: an object brings its own program: give prog_name and log_level with { obj }, not ${extra.join(', ')}`,
      );
    const file = this.obj_open(obj!, { name: (filename ?? 'prog.bpf.c').replace(/\.c$/, '.o') });
    const all = file.progs.map((p) => p.name);
    const names = file.progs.filter((p) => p.autoload).map((p) => p.name);
    const want = prog_name ?? (names.length === 1 ? names[0] : undefined);
    if (want === undefined)
      throw new KernelError(
        'EINVAL',
        names.length
          ? `prog_load: the object has ${names.length} programs (${names.join(', ')}): name one with prog_name`
          : 'prog_load: the object has no program to load',
      );
    if (!all.includes(want))
      throw new KernelError(
        'ENOENT',
        `prog_load: the object has no program '${want}'${all.length ? ` (it has ${all.join(', ')})` : ''}`,
      );
    for (const n of all) file.set_autoload(n, n === want);
    const { progs } = file.load(log_level !== undefined ? { log_level } : {});
    return progs[want]!;
  }

  /** BPF_PROG_LOAD. Throws KernelError (EACCES, EINVAL, E2BIG with detail.log when the verifier rejects) or BpfAsmError. */
  prog_load(attr: BpfProgLoadAttr): BpfProgram {
    if (attr.c !== undefined)
      throw new KernelError(
        'EOPNOTSUPP',
        "prog_load: C source is compiled by a script's run (the host's clang); give the object as { obj }",
      );
    if (attr.obj !== undefined) return this.progFromObject(attr);
    if (attr.prog_name !== undefined) checkObjName(String(attr.prog_name), 'prog_load: prog_name');
    const lineInfo = attr.line_info?.length ? attr.line_info : undefined;
    let loaded: LoadedInsns;
    let lines: number[] | undefined;
    let verdict: ReturnType<BpfVerifierHook>;
    try {
      ({ lines, loaded } = this.loadInsns(attr, attr.verify !== false && !!this.verifier));
      if (lineInfo) checkBtfLine(lineInfo, loaded.insns);
      verdict =
        attr.verify !== false && this.verifier
          ? this.verifier(loaded.insns, lines ? ({ ...attr, lines } as BpfProgLoadAttr) : attr, this)
          : undefined;
    } catch (e) {
      if (!lineInfo || !(e instanceof KernelError)) throw e;
      // With line_info the log shows the C lines, and the rejection names the C line of its instruction.
      const d: Record<string, unknown> = { ...e.detail };
      if (typeof d['log'] === 'string') d['log'] = annotateLog(d['log'], lineInfo);
      const at = typeof d['insn'] === 'number' ? sourceLineAt(lineInfo, d['insn']) : undefined;
      if (at) Object.assign(d, { file: at.file, line: at.line, col: at.col, text: at.text });
      throw new KernelError(e.errno, e.message, d);
    }
    // convert_ctx_accesses(): an XDP program's xdp_md loads become loads from the xdp_buff a run passes.
    if (verdict?.ctx_loads && progTypeOf(String(attr.prog_type ?? '')) === 'xdp')
      loaded = xdpConvertCtxAccesses(loaded, verdict.ctx_loads);
    // The WebAssembly JIT where it compiles the program, the JS JIT for the rest (jit-wasm.ts).
    const js = (attr.jit ?? this.jitEnabled) ? jitCompile(loaded) : undefined;
    const compiled = js && (wasmJitCompile(loaded, js) ?? js);
    const prog = new BpfProgram(
      this,
      this.nextProgId++,
      loaded,
      compiled ?? interpExec,
      compiled !== undefined,
      attr,
      lines,
    );
    if (verdict) prog.verifier_log = lineInfo ? annotateLog(verdict.log, lineInfo) : verdict.log;
    if (verdict?.max_ctx_offset) prog.max_ctx_offset = verdict.max_ctx_offset;
    if (verdict?.ctx_loads && progTypeOf(String(attr.prog_type ?? '')) === 'socket_filter')
      prog.sk_loads = [...verdict.ctx_loads.keys()].sort((a, b) => a - b);
    if (lineInfo)
      prog.source = lineInfo.map((l) => ({ insn: l.insn, file: l.file, line: l.line, col: l.col, text: l.text }));
    this.progs.set(prog.id, prog);
    return prog;
  }

  /** The verifier alone (bpf_check() without loading): `{ ok, log, errors }`; assembler and load-time errors are reported the same way. */
  verify(src: string | (BpfProgLoadAttr & VerifyOptions)): {
    ok: boolean;
    log: string;
    errors: VerifyReport['errors'];
    result?: VerifyReport['result'];
  } {
    const attr: BpfProgLoadAttr & VerifyOptions = typeof src === 'string' ? { asm: src } : src;
    try {
      const { lines, loaded } = this.loadInsns(attr, true);
      return verifyInsns(this, loaded.insns, attr, lines);
    } catch (e) {
      if (e instanceof KernelError || (e instanceof Error && e.name === 'BpfAsmError')) {
        const d = (e as KernelError).detail;
        const err: VerifyReport['errors'][number] = {
          message: e.message,
          errno: e instanceof KernelError ? e.errno : 'EINVAL',
        };
        if (typeof d?.['insn'] === 'number') err.insn = d['insn'];
        if (typeof d?.['line'] === 'number') err.line = d['line'];
        return { ok: false, log: typeof d?.['log'] === 'string' ? d['log'] : `${e.message}\n`, errors: [err] };
      }
      throw e;
    }
  }

  /**
   * Assembles or decodes the program and runs the load-time checks (prepareInsns()). With `verifier` (the verifier
   * runs next) only the checks bpf_check() makes before its walk run, and a rejection's log is the kernel's: the
   * message and the closing line, no instruction (log_level 0: no log).
   */
  private loadInsns(
    attr: BpfProgLoadAttr & { log_level?: number },
    verifier = false,
  ): { insns: readonly BpfInsn[]; lines: number[] | undefined; loaded: LoadedInsns } {
    if (attr.prog_flags !== undefined) checkProgFlags(attr.prog_flags); // also for a load without the verifier
    // find_prog_type(): a type the kernel does not know is EINVAL, verified or not.
    if (attr.prog_type !== undefined && typeof progTypeOf(String(attr.prog_type)) !== 'string')
      throw new KernelError('EINVAL', `prog_load: unknown prog_type '${String(attr.prog_type)}'`);
    let insns: readonly BpfInsn[];
    let lines: number[] | undefined;
    if (attr.asm !== undefined) {
      const res = this.assemble(attr.asm, { syntax: attr.syntax ?? 'auto', ...(attr.maps ? { maps: attr.maps } : {}) });
      insns = res.insns;
      lines = res.lines;
    } else if (attr.insns instanceof Uint8Array) {
      if (attr.insns.length % 8 !== 0)
        throw new KernelError('EINVAL', `program of ${attr.insns.length} bytes is not a whole number of instructions`);
      if (attr.insns.length / 8 > BPF_COMPLEXITY_LIMIT_INSNS)
        throw new KernelError(
          'E2BIG',
          `prog_load: ${attr.insns.length / 8} instructions (insn_cnt must be 1..${BPF_COMPLEXITY_LIMIT_INSNS}, BPF_COMPLEXITY_LIMIT_INSNS)`,
        );
      insns = decodeInsns(attr.insns);
    } else if (attr.insns) {
      insns = attr.insns.map((i, pc) => checkInsnRecord(i, pc));
    } else {
      throw new KernelError('EINVAL', 'prog_load: give insns or asm');
    }
    // bpf_prog_load(): insn_cnt 0, or more than BPF_COMPLEXITY_LIMIT_INSNS (a bpf_capable() loader's limit), is E2BIG.
    if (insns.length === 0 || insns.length > BPF_COMPLEXITY_LIMIT_INSNS) {
      throw new KernelError(
        'E2BIG',
        `prog_load: ${insns.length} instructions (insn_cnt must be 1..${BPF_COMPLEXITY_LIMIT_INSNS}, BPF_COMPLEXITY_LIMIT_INSNS)`,
      );
    }
    let loaded: LoadedInsns;
    try {
      loaded = prepareInsns(
        insns,
        resolve_pseudo_ldimm64(this.maps, attr.fd_array, (imm, btfFd, fail) => this.resolveBtfId(imm, btfFd, fail)),
        verifier,
        (id) => this.kfuncs.has(id),
        (idx, pc) => this.moduleBtf(attr.fd_array, idx, pc),
        license_is_gpl_compatible(attr.license ?? 'GPL'),
      );
    } catch (e) {
      if (e instanceof KernelError && typeof e.detail?.['insn'] === 'number') {
        const pc = e.detail['insn'] as number;
        const level = attr.log_level ?? 1;
        // Without the verifier, like its log: the offending instruction, then the reason.
        const at = insns[pc] ? `${pc}: ${printBpfInsn(insns[pc]!, insns[pc + 1])}\n` : '';
        const log = !verifier ? `${at}${e.message}\n` : level ? `${e.message}\n${PROCESSED_NONE}` : '';
        throw new KernelError(e.errno, e.message, { insn: pc, log, ...(lines?.[pc] ? { line: lines[pc] } : {}) });
      }
      throw e;
    }
    return { insns, lines, loaded };
  }

  /**
   * BPF_PROG_TEST_RUN: runs `repeat` times; retval is r0 as a u32, duration the mean virtual ns (1 ns per insn).
   * As net/bpf/test_run.c (6.18): repeat is a u32 and 0 means one run; bpf_prog_test_run_raw_tp() and
   * bpf_prog_test_run_syscall() refuse any repeat with EINVAL; between repeats bpf_test_timer_continue() ends the
   * run with EINTR when a signal is pending (here: the run's Stop or deadline), so no repeat count is unbounded work.
   */
  prog_test_run(
    prog: BpfProgram,
    attr: BpfTestRunAttr = {},
  ): { retval: number; duration: number; insns: number; data_out?: Uint8Array } {
    const asked = attr.repeat ?? 0;
    if (!Number.isInteger(asked) || asked < 0 || asked > 0xffffffff)
      throw new KernelError(
        'EINVAL',
        `BPF_PROG_TEST_RUN: repeat must be a u32 (0 to 4294967295), not ${String(asked)}`,
      );
    const type = progTypeOf(prog.prog_type);
    if (asked !== 0 && (type === 'raw_tracepoint' || type === 'syscall'))
      throw new KernelError(
        'EINVAL',
        `BPF_PROG_TEST_RUN: a ${type === 'syscall' ? 'BPF_PROG_TYPE_SYSCALL' : 'BPF_PROG_TYPE_RAW_TRACEPOINT'} program runs once: repeat must be 0, not ${asked}`,
      );
    const repeat = Math.max(1, asked);
    testRunCtxCheck(prog, attr.ctx_in?.length ?? 0);
    if (type === 'xdp') return this.xdpTestRun(prog, attr, repeat);
    const data = attr.data_in ? Uint8Array.from(attr.data_in) : undefined;
    const args: Uint8Array[] = [];
    if (attr.ctx_in) args.push(attr.ctx_in);
    else if (data) args.push(data); // departure: no skb/xdp_md yet, r1 points at the data and r2 holds its length
    let res: BpfRunResult = { retval: 0n, insns: 0 };
    let total = 0;
    for (let i = 0; i < repeat; i++) {
      res = this.runWith(prog, args, { cpu: attr.cpu ?? 0, lengthArg: !attr.ctx_in && !!data });
      total += res.insns;
      if (i + 1 < repeat && this.signalPending())
        throw new KernelError(
          'EINTR',
          `BPF_PROG_TEST_RUN: interrupted by a signal after ${i + 1} of ${repeat} repeats`,
        );
    }
    const out: { retval: number; duration: number; insns: number; data_out?: Uint8Array } = {
      retval: Number(res.retval & 0xffffffffn),
      duration: Math.round(total / repeat),
      insns: res.insns,
    };
    if (data) out.data_out = data;
    return out;
  }

  /**
   * bpf_prog_test_run_xdp() (net/bpf/test_run.c, 6.18, without live frames): the program runs on an xdp_buff over
   * a copy of data_in; data_out is the bytes from data_meta to data_end. Each repeat starts from the same bytes only
   * in that the program's writes persist, as the kernel's repeats share one page.
   */
  private xdpTestRun(
    prog: BpfProgram,
    attr: BpfTestRunAttr,
    repeat: number,
  ): { retval: number; duration: number; insns: number; data_out?: Uint8Array } {
    const x = xdpTestRunSetup(attr.data_in, attr.ctx_in);
    let res: BpfRunResult = { retval: 0n, insns: 0 };
    let total = 0;
    for (let i = 0; i < repeat; i++) {
      res = this.runWith(prog, [x.ctx, x.page], {
        cpu: attr.cpu ?? 0,
        setup: ([ctx, page]) => {
          const dv = new DataView(x.ctx.buffer);
          dv.setBigUint64(XDP_BUFF.data, AddressSpace.addr(page!, x.data), true);
          dv.setBigUint64(XDP_BUFF.data_end, AddressSpace.addr(page!, x.end), true);
          dv.setBigUint64(XDP_BUFF.data_meta, AddressSpace.addr(page!, x.meta), true);
          void ctx;
        },
      });
      total += res.insns;
      if (i + 1 < repeat && this.signalPending())
        throw new KernelError(
          'EINTR',
          `BPF_PROG_TEST_RUN: interrupted by a signal after ${i + 1} of ${repeat} repeats`,
        );
    }
    return {
      retval: Number(res.retval & 0xffffffffn),
      duration: Math.round(total / repeat),
      insns: res.insns,
      data_out: x.page.slice(x.meta, x.end),
    };
  }

  /** @internal Runs a program with byte buffers mapped as r1 (and r2 = its length when lengthArg). */
  runWith(
    prog: BpfProgram,
    bufs: Uint8Array[],
    opts: BpfRunOpts & { lengthArg?: boolean; setup?: (regions: BpfRegion[]) => void },
  ): BpfRunResult {
    // bpf_prog_test_run_raw_tp(): a CPU past nr_cpu_ids is ENXIO.
    const cpu = opts.cpu ?? 0;
    if (!Number.isInteger(cpu) || cpu < 0 || cpu >= this.nr_cpus)
      throw new KernelError('ENXIO', `test run on CPU ${String(cpu)}: the machine has CPUs 0..${this.nr_cpus - 1}`);
    // Departure from Linux 6.18: bpf_prog_test_run_skb() gives skb->sk a dummy sock (sk_alloc() of AF_UNSPEC,
    // sock_init_data(), addresses from the packet); the model's run has no __sk_buff, so it refuses the program.
    if (prog.sk_loads.length)
      throw new KernelError(
        'EOPNOTSUPP',
        `run: __sk_buff.sk (loaded at insn ${prog.sk_loads.join(', ')}) is not modelled at run time: Linux 6.18's test run gives a dummy sock, the model's run has no __sk_buff`,
      );
    const regions = bufs.map((b, i) => new BpfRegion(b, { name: i === 0 ? 'ctx' : `buf${i}` }));
    regions.forEach((r) => this.space.map(r));
    try {
      opts.setup?.(regions);
      const args: bigint[] = [];
      if (regions[0]) args.push(AddressSpace.addr(regions[0]));
      if (opts.lengthArg && bufs[0]) args.push(BigInt(bufs[0].length));
      const res = runProgram(
        prog.loaded,
        opts.exec ?? prog.exec,
        {
          space: this.space,
          helpers: this.helpers,
          kfuncs: this.kfuncs,
          budget: opts.budget ?? this.budget,
          log: this.log,
          now: this.clock ?? (() => this.virtualNs),
          cpu: opts.cpu ?? 0,
          prandom: () => this.prng.nextU32(),
          ...(opts.poison === undefined ? {} : { poison: opts.poison }),
        },
        args,
      );
      this.virtualNs += BigInt(res.insns);
      return res;
    } finally {
      regions.forEach((r) => this.space.unmap(r));
    }
  }

  /**
   * find_kfunc_desc_btf() for a kfunc call with an off: the module BTF whose fd is fd_array[off]. The model has
   * no BTF objects, so the fd is never one: EBADF for no open fd, EINVAL for another object (a map).
   */
  private moduleBtf(fdArray: readonly number[] | undefined, idx: number, pc: number): never {
    if (!fdArray) throw new KernelError('EPROTO', 'kfunc offset > 0 without fd_array is invalid', { insn: pc });
    const fd = fdArrayEntry(fdArray, idx);
    throw new KernelError(this.maps.has(fd) ? 'EINVAL' : 'EBADF', 'invalid module BTF fd specified', { insn: pc });
  }

  /**
   * check_pseudo_btf_id(): ld_imm64 of a kernel BTF VAR or FUNC (src 3) by type id, in vmlinux's BTF when the
   * second imm (a module BTF's fd) is 0. The model's BTF has FUNCs and no VARs (vmlinux_btf.ts); a FUNC loads
   * its kernel text address.
   */
  private resolveBtfId(imm: number, btfFd: number, fail: (errno: Errno, msg: string) => never): [number, number] {
    // The model has no BTF objects a program could name by fd.
    if (btfFd !== 0) fail('EINVAL', 'invalid module BTF object FD specified.');
    const id = imm >>> 0;
    let kind: string | undefined;
    if (id === 0) kind = 'VOID';
    else if (this.kfuncs.has(id)) kind = 'FUNC';
    // Departure: with the host's kfunc ids (boot({ btf: 'host' })) the model knows no other type of that BTF.
    else if (!this.hostKfuncIds) kind = MODEL_BTF[id - 1]?.kind;
    if (kind === undefined) fail('ENOENT', `ldimm64 insn specifies invalid btf_id ${imm}.`);
    if (kind !== 'FUNC') fail('EINVAL', `pseudo btf_id ${imm} in ldimm64 isn't KIND_VAR or KIND_FUNC`);
    // kallsyms_lookup_name() of the function: the model's kernel text, 16 bytes a type id.
    return [-1, (0x81000000 + id * 16) | 0];
  }
}

/** The verifier log's closing line when bpf_check() stops before its walk. */
const PROCESSED_NONE =
  'processed 0 insns (limit 1000000) max_states_per_insn 0 total_states 0 peak_states 0 mark_read 0\n';

/** Creates the BPF engine of a simulated machine. */
export function createBpf(opts: BpfEngineOptions = {}): BpfEngine {
  return new BpfEngine(opts);
}
