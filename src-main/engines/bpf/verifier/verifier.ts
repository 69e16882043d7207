/**
 * do_check(): the verifier's path exploration (kernel/bpf/verifier.c). Each path is simulated instruction by
 * instruction on an abstract state; branches are pushed and explored depth first; at prune points the state is
 * compared with stored checkpoints (is_state_visited()); loops end when states converge, with the iterator,
 * bpf_loop and may_goto rules; every rejection carries the kernel's message and errno, and the log is printed in
 * the kernel's format at log_level 1 and 2.
 */
import { KernelError } from '../../common/errors';
import { branchTarget, checkInsn, condJmpReserved } from '../check';
import { printBpfInsn } from '../disasm';
import { BPF_FUNC_NAMES } from '../helper-ids';
import {
  BPF_ADD, BPF_ALU, BPF_ALU64, BPF_IND, BPF_ARSH, BPF_LSH, BPF_RSH, BPF_ATOMIC, BPF_CALL, BPF_CLASS, BPF_CMPXCHG, BPF_LOAD_ACQ, BPF_STORE_REL, BPF_DIV, BPF_DW, BPF_END, BPF_EXIT, BPF_K, BPF_MOD,
  BPF_FETCH, BPF_JA, BPF_JCOND, BPF_JEQ, BPF_JMP, BPF_JMP32, BPF_JNE, BPF_LD, BPF_LDX, BPF_MEMSX, BPF_MODE, BPF_MOV,
  BPF_NEG, BPF_OP, BPF_PSEUDO_CALL, BPF_PSEUDO_FUNC, BPF_PSEUDO_KFUNC_CALL, BPF_PSEUDO_BTF_ID, BPF_PSEUDO_MAP_FD, BPF_PSEUDO_MAP_IDX, BPF_PSEUDO_MAP_IDX_VALUE, BPF_PSEUDO_MAP_VALUE,
  BPF_SIZE, BPF_SRC, BPF_ST, BPF_STX, BPF_TO_BE, BPF_X, BPF_XCHG, MAX_BPF_STACK, MAX_CALL_FRAMES, bpfSizeBytes, isLdImm64,
} from '../isa';
import type { BpfInsn } from '../isa';
import type { BpfMap } from '../maps';
import { BPF_MAP_TYPE } from '../maps';
import type { BpfMapTypeName } from '../maps';
import { MAP_BTF_STRUCT, MAP_STRUCTS, btfStructAccess } from '../map_btf';
import { ALU_NAME, ptrAlu, scalarAlu } from './alu';
import { isBranchTaken, regIsEmpty, regSetMinMax } from './branch';
import { isPktPointerAny, isPktPtrBranchTaken, tryMatchPktPointers } from './pkt-pointers';
import { VerifierError, reject } from './error';
import type { VerifierErrno } from './error';
import { computeLiveRegisters } from './liveness';
import { computeScc } from './scc';
import { CTX_ACCESS, ctxPointerField, helperCallRefusal, progTypeOf, sockCommonAccess } from './prog-types';
import type { ProgType } from './prog-types';
import { VerifierLog } from './log';
import { HELPER_PROTOS, kfuncProto } from './protos';
import type { ArgType, HelperProto, KfuncProto } from './protos';
import {
  coerceRegToSize, coerceRegToSizeSx, copyReg, isNull, isPktPointer, mark32Unbounded, mark64Unbounded, notInit, pointer, regBoundsSync, regTypeStr,
  scalarConst, scalarUnknown, zext32to64,
} from './reg';
import type { Reg } from './reg';
import {
  EXACT, NOT_EXACT, RANGE_WITHIN, STACK_INVALID, STACK_ITER, STACK_MISC, STACK_SPILL, STACK_ZERO, copyState, curFrame, histDecode, histEncode, histIdx, makeState, HIST_LINKED_MAX,
  isSpilledReg, isSpilledScalar, iterActiveDepthsDiffer, newFrame, newSlot, printState, sameCallsites, statesEqual, statesMaybeLooping,
  widenImpreciseScalars,
} from './state';
import type { FuncState, HistEntry, StackSlot, VerifierState } from './state';
import { S64_MAX, S64_MIN, TNUM_UNKNOWN, U32_MAX, tnumConst, tnumIsConst, tnumIsAligned, tnumStr, tnumAdd, u32, s64 } from './tnum';

/** BPF_COMPLEXITY_LIMIT_INSNS. */
export const BPF_COMPLEXITY_LIMIT_INSNS = 1_000_000;
/** BPF_COMPLEXITY_LIMIT_JMP_SEQ. */
export const BPF_COMPLEXITY_LIMIT_JMP_SEQ = 8192;
const BPF_MAX_VAR_OFF = 1n << 29n;
const BPF_MAX_VAR_SIZ = 1n << 29n;
/** bpf_ringbuf_output, _reserve, _submit, _discard, _query, _reserve_dynptr, _submit_dynptr, _discard_dynptr. */
const RINGBUF_HELPERS = new Set([130, 131, 132, 133, 134, 198, 199, 200]);
/** BPF_FUNC_tail_call. */
const BPF_FUNC_TAIL_CALL = 12;

/** What the verifier needs from its surroundings. */
export interface VerifierEnv {
  prog_type?: string;
  log_level?: number;
  /** Maps by the fd/id an lddw names. */
  mapById: (id: number) => BpfMap | undefined;
  /** BPF_PROG_LOAD's fd_array: map fds by the index an lddw with src 5/6 names. */
  fd_array?: readonly number[];
  /** BTF func_info came with the program (a callback's address needs it); default true. */
  func_info?: boolean;
  kfuncName: (id: number) => string | undefined;
  helperName: (id: number) => string | undefined;
  /** Helper prototypes registered by other engines (BpfHelper.proto), by id. */
  helperProto?: (id: number) => HelperProto | undefined;
  /** kfunc prototype data registered by other engines (BpfHelper.proto: iterator slots, record size), by id. */
  kfuncProto?: (id: number) => Record<string, unknown> | undefined;
  /** Prototypes of kfuncs registered by other engines (BpfHelper.proto: args 'PTR_TO_CTX', 'PTR_TO_MEM(n)', 'scalar'), by BTF id. */
  kfuncArgs?: (id: number) => { args: readonly string[]; prog_types?: readonly string[] } | undefined;
  nr_cpus?: number;
  /** BPF_F_TEST_STATE_FREQ: a checkpoint at every prune point. */
  test_state_freq?: boolean;
  /** BPF_F_SLEEPABLE. */
  sleepable?: boolean;
  /** The license is GPL-compatible (license_is_gpl_compatible()); default true. A gpl_only helper needs it. */
  gpl_compatible?: boolean;
  /** Record per-instruction states and the exploration tree for the UI. */
  trace?: boolean;
  /** Lower processed-instruction budget (tests and demos; the kernel's is BPF_COMPLEXITY_LIMIT_INSNS). */
  insn_limit?: number;
  /** The log buffer's size (BPF_PROG_LOAD's log_size; default libbpf's 16 MiB): a longer log keeps its tail (ENOSPC). */
  log_size?: number;
}

/** One processed instruction, for a panel that steps through verification. */
export interface VerifierStep {
  insn: number;
  frame: number;
  /** The path (exploration-tree node) it belongs to. */
  path: number;
  /** Registers and stack after the instruction, in log notation. */
  state: string;
}

/** A node of the exploration tree: a path popped from the branch stack. */
export interface VerifierPath {
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

/** The verdict (bpf_check()). */
export interface VerifierResult {
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

interface StateListEntry {
  st: VerifierState;
  miss: number;
  hit: number;
}

interface Pending {
  st: VerifierState;
  insn: number;
  prev: number;
  logLen: number;
  path: number;
}

/** Backtracking state for precision (struct backtrack_state), per frame: register masks and stack slot sets. */
interface Bt {
  regs: number[];
  slots: Set<number>[];
  /** The frame backtracking is in (bt->frame): it moves into a callee at its exit and back out at the call. */
  frame: number;
}

/** The scratch sets at log_level 0: nothing is printed, so nothing is recorded. */
class NoScratch extends Set<number> {
  override add(): this {
    return this;
  }
}

// Bit helpers of backtrackInsn(), at module level: closures made per call cost a defineProperty each under keepNames.
const btHas = (bt: Bt, f: number, r: number): boolean => !!(bt.regs[f]! & (1 << r));
function btSet(bt: Bt, f: number, r: number): void {
  if (r !== 10) bt.regs[f]! |= 1 << r;
}
function btClr(bt: Bt, f: number, r: number): void {
  bt.regs[f]! &= ~(1 << r);
}

const REG_NAMES = (mask: number): string => {
  const out: string[] = [];
  for (let r = 0; r < 11; r++) if (mask & (1 << r)) out.push(`r${r}`);
  return out.join(',');
};

/** bpf_fmt_stack_mask(): the slots as fp offsets, lowest slot (-8) first. */
const STACK_NAMES = (slots: Set<number>): string => [...slots].sort((a, b) => a - b).map((spi) => `-${(spi + 1) * 8}`).join(',');

/** atomic_ptr_type_ok(): no atomic access through a ctx or packet pointer (the model has no flow_key, sk or arena). */
// is_ctx_reg(), is_pkt_reg(), is_sk_reg() (type_is_sk_pointer(): PTR_TO_SOCK_COMMON without PTR_MAYBE_NULL).
const atomicPtrTypeOk = (r: Reg): boolean => r.type !== 'ctx' && !isPktPointer(r) && !(r.type === 'sock_common' && !r.maybeNull);

export class Verifier {
  private readonly insns: readonly BpfInsn[];
  private readonly env: VerifierEnv;
  private readonly n: number;
  private readonly level: number;
  /** BPF_F_TEST_STATE_FREQ and the processed-instruction budget, read on every instruction. */
  private readonly testStateFreq: boolean;
  private readonly insnLimit: number;
  /** env.trace: the steps and the exploration tree are recorded only then. */
  private readonly trace: boolean;
  private readonly progType: ProgType;
  private readonly pruneP: Uint8Array;
  private readonly forceCkpt: Uint8Array;
  private readonly callsCallback: Uint8Array;
  private readonly iterNext: Uint8Array;
  /** is_jmp_point(): where the kernel records jump history (branch targets, call returns). */
  private readonly jmpP: Uint8Array;
  private readonly live: Uint16Array;
  private readonly scc: Int32Array;
  /** struct bpf_scc_visit by SCC and call chain: the entry checkpoint and the back edges recorded meanwhile. */
  private readonly sccVisits = new Map<string, { entry: VerifierState; backedges: { st: VerifierState; old: VerifierState }[] }>();
  private readonly funcStarts: number[];
  /** explored_states by instruction: checkpoints, newest first. */
  private readonly explored: (StateListEntry[] | undefined)[] = [];
  private readonly stack: Pending[] = [];
  private cur!: VerifierState;
  private insnIdx = 0;
  /** XDP context loads by instruction (insn_aux_data's ptr_type == PTR_TO_CTX, for convert_ctx_accesses()). */
  private readonly ctxLoads = new Map<number, number>();
  private maxCtxOffset = 0;
  private prevInsnIdx = -1;
  private idGen = 0;
  private uidGen = 0;
  private insnProcessed = 0;
  private jmpsProcessed = 0;
  private prevJmps = 0;
  private prevInsns = 0;
  private totalStates = 0;
  private exploredSize = 0;
  /** env->free_list: checkpoints dropped from the explored lists but still referenced (branches or pending loop). */
  private readonly freeList = new Set<VerifierState>();
  /** env->num_backedges: back edges held by SCC visits until the loop is left. */
  private numBackedges = 0;
  private peakStates = 0;
  private maxStatesPerInsn = 0;
  private readonly stackDepth = new Map<number, number>();
  // Log.
  private readonly buf: VerifierLog;
  private prevLogPos = 0;
  private prevInsnPrintPos = 0;
  /** Registers and slots the log prints after the instruction (not kept at log_level 0, where nothing is printed). */
  private readonly scratchRegs: Set<number>;
  private readonly scratchSlots: Set<number>;
  private scratchAll = true;
  private doPrintState = false;
  private readonly steps: VerifierStep[] = [];
  private readonly paths: VerifierPath[] = [];
  private pathId = 0;

  constructor(insns: readonly BpfInsn[], env: VerifierEnv) {
    this.insnChecked = new Uint8Array(insns.length);
    this.insns = insns;
    this.env = env;
    this.n = insns.length;
    this.level = env.log_level ?? 1;
    this.testStateFreq = !!env.test_state_freq;
    this.insnLimit = env.insn_limit ?? BPF_COMPLEXITY_LIMIT_INSNS;
    this.trace = !!env.trace;
    this.buf = new VerifierLog(env.log_size);
    this.scratchRegs = this.level ? new Set<number>() : new NoScratch();
    this.scratchSlots = this.level ? new Set<number>() : new NoScratch();
    const pt = progTypeOf(env.prog_type);
    if (!pt) throw new VerifierError(`unknown program type ${env.prog_type}`, 'EINVAL');
    this.progType = pt;
    this.pruneP = new Uint8Array(this.n + 1);
    this.forceCkpt = new Uint8Array(this.n + 1);
    this.callsCallback = new Uint8Array(this.n + 1);
    this.iterNext = new Uint8Array(this.n + 1);
    this.jmpP = new Uint8Array(this.n + 1);
    const starts = new Set([0]);
    for (let pc = 0; pc < this.n; pc++) {
      const i = insns[pc]!;
      this.visitInsn(pc, i, starts);
      if (isLdImm64(i)) pc++;
    }
    this.funcStarts = [...starts].sort((a, b) => a - b);
    this.live = computeLiveRegisters(insns, (call) => {
      if (call.src_reg === BPF_PSEUDO_KFUNC_CALL) {
        const kp = kfuncProto(this.env.kfuncName(call.imm) ?? '');
        return kp?.iter ? 1 + (kp.scalarArgs ?? 0) : undefined;
      }
      const p = this.helperProto(call.imm);
      return p?.unimplemented ? undefined : p?.args.length;
    });
    this.scc = computeScc(insns);
  }

  private sccKey(st: VerifierState): string | undefined {
    const id = this.scc[st.insn_idx]!;
    if (!id) return undefined;
    let key = `${id}:`;
    for (let i = 0; i < st.frames.length; i++) key += i ? `,${st.frames[i]!.callsite}` : `${st.frames[i]!.callsite}`;
    return key;
  }

  /** incomplete_read_marks(): the state is in a loop whose exploration has pending back edges. */
  private incompleteReadMarks(st: VerifierState): boolean {
    const key = this.sccKey(st);
    if (!key) return false;
    const v = this.sccVisits.get(key);
    return !!v && v.backedges.length > 0;
  }

  /** update_peak_states(): explored checkpoints, the free list and pending back edges all hold states. */
  private updatePeakStates(): void {
    this.peakStates = Math.max(this.peakStates, this.exploredSize + this.freeList.size + this.numBackedges);
  }

  /** maybe_free_verifier_state(): a dropped checkpoint is freed once nothing refers to it. */
  private maybeFreeState(st: VerifierState): void {
    if (st.branches !== 0 || !this.freeList.has(st) || this.incompleteReadMarks(st)) return;
    this.freeList.delete(st);
  }

  /** maybe_exit_scc(): the loop's entry checkpoint is fully explored; complete precision from the back edges. */
  private maybeExitScc(st: VerifierState): void {
    const key = this.sccKey(st);
    if (!key) return;
    const v = this.sccVisits.get(key);
    if (!v || v.entry !== st) return;
    this.sccVisits.delete(key);
    this.numBackedges -= v.backedges.length;
    if (this.level >= 2) this.verbose(`SCC exit (${this.scc[st.insn_idx]})\n`);
    const saved = this.cur;
    for (let iter = 0; iter < 64; iter++) {
      let changed = false;
      for (const be of v.backedges) {
        this.cur = be.st;
        if (this.propagatePrecision(be.old)) changed = true;
      }
      if (!changed) break;
    }
    this.cur = saved;
  }

  /** visit_insn() of check_cfg(): prune points, forced checkpoints, function starts. */
  private visitInsn(pc: number, i: BpfInsn, starts: Set<number>): void {
    const cls = BPF_CLASS(i.code);
    if (isLdImm64(i)) {
      if (i.src_reg === BPF_PSEUDO_FUNC) {
        const t = branchTarget(this.insns, pc);
        starts.add(t);
        this.pruneP[pc + 2] = 1;
        this.pruneP[pc] = 1;
        this.pruneP[t] = 1;
      }
      return;
    }
    if (cls !== BPF_JMP && cls !== BPF_JMP32) return;
    const op = BPF_OP(i.code);
    if (op === BPF_EXIT) return;
    if (op === BPF_CALL) {
      if (i.src_reg === BPF_PSEUDO_KFUNC_CALL) {
        const name = this.env.kfuncName(i.imm);
        if (name && kfuncProto(name, this.env.kfuncProto?.(i.imm))?.iter === 'next') {
          this.pruneP[pc] = 1;
          this.forceCkpt[pc] = 1;
          this.iterNext[pc] = 1;
        }
      }
      if (i.src_reg === 0 && this.helperProto(i.imm)?.callback) {
        this.callsCallback[pc] = 1;
        this.forceCkpt[pc] = 1;
        this.pruneP[pc] = 1;
      }
      this.pruneP[pc + 1] = 1;
      this.jmpP[pc + 1] = 1;
      if (this.callsCallback[pc]) this.jmpP[pc] = 1;
      if (i.src_reg === BPF_PSEUDO_CALL) {
        this.pruneP[pc] = 1;
        this.pruneP[pc + i.imm + 1] = 1;
        starts.add(pc + i.imm + 1);
      }
      return;
    }
    if (op === BPF_JA) {
      this.pruneP[branchTarget(this.insns, pc)] = 1;
      this.jmpP[branchTarget(this.insns, pc)] = 1;
      return;
    }
    this.pruneP[pc] = 1;
    this.pruneP[branchTarget(this.insns, pc)] = 1;
    this.jmpP[branchTarget(this.insns, pc)] = 1;
    if (i.code === (BPF_JMP | BPF_JCOND) && i.src_reg === 0) this.forceCkpt[pc] = 1;
  }

  private helperProto(id: number): HelperProto | undefined {
    return HELPER_PROTOS.get(id) ?? this.env.helperProto?.(id);
  }

  // ---------------------------------------------------------------- log

  private verbose(s: string): void {
    if (this.level) this.buf.append(s);
  }

  private printInsnState(): void {
    if (!this.level) return;
    const frame = curFrame(this.cur);
    const only = this.scratchAll ? undefined : { regs: this.scratchRegs, slots: this.scratchSlots };
    const st = printState(this.cur, frame, only);
    this.resetScratch();
    if (this.prevLogPos && this.prevLogPos === this.buf.len) {
      this.buf.truncate(this.buf.len - 1);
      const pos = this.prevInsnPrintPos;
      const w = Math.ceil(Math.max(pos + 4, 40) / 8) * 8 - pos - 1;
      this.buf.append(`${' '.repeat(w)};${st}\n`);
    } else {
      this.buf.append(`${this.insnIdx}:${st}\n`);
    }
  }

  private scratched(): boolean {
    return this.scratchAll || this.scratchRegs.size > 0 || this.scratchSlots.size > 0;
  }

  private resetScratch(): void {
    this.scratchAll = false;
    if (this.scratchRegs.size) this.scratchRegs.clear();
    if (this.scratchSlots.size) this.scratchSlots.clear();
  }

  private insnStr(pc: number): string {
    return printBpfInsn(this.insns[pc]!, this.insns[pc + 1], {
      kfuncName: (id) => this.env.kfuncName(id),
      helperName: (id) => this.env.helperName(id),
    });
  }

  // ---------------------------------------------------------------- registers

  private regs(): Reg[] {
    return curFrame(this.cur).regs;
  }

  /** check_reg_arg(SRC_OP). */
  private readReg(r: number): Reg {
    if (r > 10) reject(`R${r} is invalid`, 'EINVAL');
    const reg = this.regs()[r]!;
    this.scratchRegs.add(r);
    if (reg.type === 'not_init') reject(`R${r} !read_ok`);
    return reg;
  }

  /** check_reg_arg(DST_OP): R10 is read-only. */
  private writeReg(r: number): void {
    if (r > 10) reject(`R${r} is invalid`, 'EINVAL');
    if (r === 10) reject('frame pointer is read only');
    this.scratchRegs.add(r);
  }

  private setReg(r: number, v: Reg): void {
    this.regs()[r] = v;
    this.scratchRegs.add(r);
  }

  /** The BPF_K operand of instruction idx as a known scalar, made once per instruction; only read (frozen). */
  private immConst(idx: number, imm: number, narrow32: boolean): Reg {
    let r = this.immRegs[idx];
    if (!r) {
      // The BigInt is made here, once, not on every visit of the instruction.
      r = Object.freeze(scalarConst(narrow32 ? u32(BigInt(imm)) : BigInt(imm)));
      this.immRegs[idx] = r;
    }
    return r;
  }

  private readonly immRegs: Reg[] = [];
  /** Instructions whose encoding the walk has checked (checkInsn()). */
  private readonly insnChecked: Uint8Array;

  private newId(): number {
    return ++this.idGen;
  }

  // ---------------------------------------------------------------- main loop

  run(): VerifierResult {
    const frame = newFrame(0, -1, 0);
    frame.regs[1] = pointer('ctx');
    this.cur = makeState([frame], [], undefined, 0, 1, 0, 0, 0, [], 0, ++this.uidGen);
    if (this.level >= 2) this.funcStarts.forEach((s, k) => this.verbose(`func#${k} @${s}\n`));
    // check_attach_btf_id(), before the liveness pass: of the model's program types only syscall programs may sleep.
    const early = this.env.sleepable && this.progType !== 'syscall'
      ? new VerifierError('Only fentry/fexit/fmod_ret, lsm, iter, uprobe, and struct_ops programs can be sleepable', 'EINVAL')
      : undefined;
    if (this.level >= 2 && !early) {
      this.verbose('Live regs before insn:\n');
      for (let pc = 0; pc < this.n; pc++) {
        const m = this.live[pc]!;
        let mask = '';
        for (let r = 0; r < 10; r++) mask += m & (1 << r) ? String(r) : '.';
        // compute_live_registers(): the instruction's SCC ("%3d ") when it is in a loop, then "%3d: ".
        const scc = this.scc[pc]!;
        this.verbose(`${scc ? `${String(scc).padStart(3)} ` : '    '}${String(pc).padStart(3)}: ${mask} ${this.insnStr(pc)}\n`);
        if (isLdImm64(this.insns[pc]!)) pc++;
      }
    }
    this.paths.push({ id: 0, parent: -1, from: -1, to: 0 });
    let ok = true;
    let err: VerifierError | undefined;
    try {
      if (early) throw early;
      this.checkReachable();
      this.doCheck();
      this.checkMaxStackDepth();
      this.fixupKfuncCalls();
    } catch (e) {
      if (!(e instanceof VerifierError)) throw e;
      ok = false;
      err = e;
      if (this.paths[this.pathId]) Object.assign(this.paths[this.pathId]!, { end: e.message.split('\n')[0], at: this.insnIdx });
      this.verbose(`${e.message}${e.eol}`);
    }
    if (ok && this.level === 1) this.buf.clear();
    this.verbose(
      `processed ${this.insnProcessed} insns (limit ${BPF_COMPLEXITY_LIMIT_INSNS}) max_states_per_insn ${this.maxStatesPerInsn} total_states ${this.totalStates} peak_states ${this.peakStates} mark_read 0\n`,
    );
    const res: VerifierResult = {
      ok, log: this.buf.toString(), insn_processed: this.insnProcessed, max_states_per_insn: this.maxStatesPerInsn,
      total_states: this.totalStates, peak_states: this.peakStates, stack_depth: this.stackDepth, ctx_loads: this.ctxLoads,
      max_ctx_offset: this.maxCtxOffset,
    };
    if (this.buf.overflowed()) {
      // bpf_vlog_finalize(): a log that did not fit fails the load, accepted or not; the log keeps its tail.
      res.ok = false;
      res.errno = 'ENOSPC';
      res.error = `the verifier log (${this.buf.trueSize} bytes) does not fit log_size ${this.buf.logSize}`;
      // The errno is ENOSPC (as in Linux), but the verifier's own reason (in the log's tail) is said too.
      if (err) {
        res.error += `; the verifier's own reason: ${err.message.split('\n')[0]!}`;
        res.insn = this.insnIdx;
      }
    } else if (err) {
      res.errno = err.errno;
      res.error = err.message.split('\n')[0]!;
      res.insn = this.insnIdx;
    }
    if (this.env.trace) {
      res.steps = this.steps;
      res.paths = this.paths;
    }
    return res;
  }

  private doCheck(): void {
    let prevInsnIdx = -1;
    for (;;) {
      const idx = this.insnIdx;
      this.prevInsnIdx = prevInsnIdx;
      if (idx >= this.n || idx < 0) reject(`invalid insn idx ${idx} insn_cnt ${this.n}`, 'EFAULT');
      const insn = this.insns[idx]!;
      if (++this.insnProcessed > this.insnLimit) {
        reject(`BPF program is too large. Processed ${this.insnProcessed} insn`, 'E2BIG');
      }
      this.cur.insn_idx = idx;
      let pruned = false;
      if (this.pruneP[idx]) pruned = this.isStateVisited(idx);
      if (pruned) {
        if (this.level) {
          if (this.doPrintState && this.level >= 2) this.verbose(`\nfrom ${prevInsnIdx} to ${idx}: safe\n`);
          else if (this.level >= 2) this.verbose(`${idx}: safe\n`);
        }
        if (this.trace && this.paths[this.pathId]) Object.assign(this.paths[this.pathId]!, { end: 'safe', at: idx });
        if (!this.popState()) return;
        prevInsnIdx = this.prevInsnIdx;
        continue;
      }
      if (this.level >= 2 && this.doPrintState) {
        this.verbose(`\nfrom ${prevInsnIdx} to ${idx}:${printState(this.cur, curFrame(this.cur))}\n`);
        this.doPrintState = false;
      }
      if (this.level) {
        if (this.scratched()) this.printInsnState();
        this.resetScratch();
        this.buf.append(`${idx}: ${this.insnStr(idx)}\n`);
        this.prevInsnPrintPos = this.buf.lastLineLen();
        this.prevLogPos = this.buf.len;
      }
      const histEntry = this.curHist;
      histEntry.idx = idx;
      histEntry.spi = -1;
      histEntry.spiFrame = undefined;
      histEntry.frame = this.cur.frames.length - 1;
      histEntry.linked = 0;
      const cls = BPF_CLASS(insn.code);
      let next = idx + 1;
      let endOfPath = false;
      // do_check_insn(): the instruction's reserved fields, checked when the walk first reaches it (registers:
      // readReg()/writeReg(), check_reg_arg()).
      if (!this.insnChecked[idx]) {
        // The legacy packet loads have their own checks (check_ld_abs(), each time).
        if (!(cls === BPF_LD && !isLdImm64(insn))) try {
          checkInsn(this.insns, idx, false);
        } catch (e) {
          if (e instanceof KernelError) reject(e.message, 'EINVAL');
          throw e;
        }
        this.insnChecked[idx] = 1;
      }
      if (cls === BPF_ALU || cls === BPF_ALU64) {
        this.checkAlu(insn);
      } else if (cls === BPF_LDX) {
        this.checkLdx(insn, idx);
      } else if (cls === BPF_STX) {
        if (BPF_MODE(insn.code) === BPF_ATOMIC) this.checkAtomic(insn, idx);
        else this.checkStore(insn, idx, insn.src_reg);
      } else if (cls === BPF_ST) {
        this.checkStore(insn, idx, -1);
      } else if (cls === BPF_LD && !isLdImm64(insn)) {
        this.checkLdAbs(insn);
      } else if (cls === BPF_LD) {
        this.checkLdImm(insn, idx);
        next = idx + 2;
      } else {
        this.jmpsProcessed++;
        const op = BPF_OP(insn.code);
        if (op === BPF_CALL) {
          next = this.checkCall(insn, idx);
        } else if (op === BPF_JA) {
          next = branchTarget(this.insns, idx);
        } else if (op === BPF_EXIT) {
          const ret = this.checkExit(idx);
          if (ret < 0) endOfPath = true;
          else next = ret;
        } else if (insn.code === (BPF_JMP | BPF_JCOND)) {
          next = this.checkMayGoto(insn, idx);
        } else {
          next = this.checkCondJmp(insn, idx);
        }
      }
      this.cur.hist.push(histEncode(histEntry));
      if (this.jmpP[idx] || histEntry.spi >= 0 || histEntry.linked) this.cur.jmp_history_cnt++;
      if (this.trace) {
        this.steps.push({ insn: idx, frame: this.cur.frames.length - 1, path: this.pathId, state: printState(this.cur, curFrame(this.cur)).trim() });
      }
      if (endOfPath) {
        if (this.trace && this.paths[this.pathId]) Object.assign(this.paths[this.pathId]!, { end: 'exit', at: idx });
        if (!this.popState()) return;
        prevInsnIdx = this.prevInsnIdx;
        continue;
      }
      prevInsnIdx = idx;
      this.insnIdx = next;
    }
  }

  /** The step being processed, pushed encoded once it is done (one object, reused). */
  private readonly curHist: HistEntry = { idx: 0, spi: -1, spiFrame: undefined, frame: 0, linked: 0 };

  /** update_branch_counts() then pop_stack(); false when nothing is left to explore. */
  private popState(): boolean {
    this.scratchAll = true;
    let st: VerifierState | undefined = this.cur;
    while (st) {
      const br = --st.branches;
      if (br) break;
      this.maybeExitScc(st);
      if (st !== this.cur) this.maybeFreeState(st);
      st = st.parent;
    }
    const p = this.stack.pop();
    if (!p) return false;
    this.cur = p.st;
    this.insnIdx = p.insn;
    this.prevInsnIdx = p.prev;
    if (this.level === 1) this.buf.truncate(p.logLen);
    // pop_stack() leaves prev_log_pos: a path popped right after its instruction line prints its state on that line.
    this.doPrintState = true;
    this.pathId = p.path;
    return true;
  }

  /** push_stack(): a copy of the current state to explore later from `insn`. */
  private pushStack(insn: number, prev: number): VerifierState {
    const st = copyState(this.cur, ++this.uidGen);
    if (st.parent) st.parent.branches++;
    // The exploration tree is kept for a trace only (its node ids are the UI's).
    const path = this.paths.length;
    if (this.trace) this.paths.push({ id: path, parent: this.pathId, from: prev, to: insn });
    this.stack.push({ st, insn, prev, logLen: this.buf.len, path });
    if (this.stack.length > BPF_COMPLEXITY_LIMIT_JMP_SEQ) reject(`The sequence of ${this.stack.length} jumps is too complex.`, 'E2BIG');
    return st;
  }

  private mayGotoDepth(st: VerifierState): number {
    return st.may_goto_depth;
  }

  // ---------------------------------------------------------------- is_state_visited

  /**
   * is_state_visited(). Kept small (the loop over the checkpoints and its common cases): V8 optimises a function
   * after running bytecode in proportion to its size, and this one runs at every prune point; the rarer work (a
   * checkpoint still being explored, a hit, a new checkpoint) is in the methods it calls.
   */
  private isStateVisited(idx: number): boolean {
    const cur = this.cur;
    const forceCkpt = this.forceCkpt[idx]!;
    const force = this.testStateFreq || forceCkpt !== 0 || cur.jmp_history_cnt > 40;
    let addNew = force;
    if (!force && this.jmpsProcessed - this.prevJmps >= 2 && this.insnProcessed - this.prevInsns >= 8) addNew = true;
    let list = this.explored[idx];
    if (!list) {
      if (!addNew) return false;
      list = [];
      this.explored[idx] = list;
    }
    let statesCnt = 0;
    // func_states_equal() compares only the registers live before the frame's instruction (compute_live_registers()).
    this.liveIdx = idx;
    // A plain prune point (not an iterator next, may_goto or callback call): a checkpoint still being explored is
    // never a hit there, only checked for an infinite loop, which needs the same registers first.
    const plain = !this.iterNext[idx] && !this.callsCallback[idx] && this.insns[idx]!.code !== (BPF_JMP | BPF_JCOND);
    for (let k = 0; k < list.length; k++) {
      const sl = list[k]!;
      statesCnt++;
      const old = sl.st;
      let hit = false;
      let loop = false;
      if (old.branches) {
        if (plain) {
          if (statesMaybeLooping(old, cur)) this.checkInfiniteLoop(idx, old, cur);
        } else {
          hit = loop = this.pendingStateHit(idx, old, cur);
        }
        if (!hit && !force && this.jmpsProcessed - this.prevJmps < 20 && this.insnProcessed - this.prevInsns < 100) addNew = false;
      } else {
        loop = old.incomplete || this.incompleteReadMarks(old);
        hit = statesEqual(old, cur, loop ? RANGE_WITHIN : NOT_EXACT, true, this.liveAt);
      }
      if (hit) {
        this.stateHit(sl, idx, loop);
        return true;
      }
      if (addNew) sl.miss++;
      const nn = forceCkpt && old.branches > 0 ? 64 : 3;
      if (sl.miss > sl.hit * nn + nn) {
        list.splice(k, 1);
        k--;
        this.exploredSize--;
        this.freeList.add(old);
        this.maybeFreeState(old);
      }
    }
    this.maxStatesPerInsn = Math.max(this.maxStatesPerInsn, statesCnt);
    if (addNew) this.newCheckpoint(idx, list);
    return false;
  }

  /**
   * A checkpoint at idx (an iterator next, may_goto or callback call) still being explored (branches > 0) against
   * cur: whether it is a loop back-edge hit; else, at may_goto, the infinite-loop check. allow_uninit_stack is true
   * (privileged).
   */
  private pendingStateHit(idx: number, old: VerifierState, cur: VerifierState): boolean {
    const live = this.liveAt;
    if (this.iterNext[idx]) {
      if (statesEqual(old, cur, RANGE_WITHIN, true, live)) {
        const it = this.iterSlotOf(cur, curFrame(cur).regs[1]!);
        if (it?.iter?.state === 'active') return true;
      }
    } else if (this.insns[idx]!.code === (BPF_JMP | BPF_JCOND)) {
      if (this.mayGotoDepth(old) !== this.mayGotoDepth(cur) && statesEqual(old, cur, RANGE_WITHIN, true, live)) return true;
      if (statesMaybeLooping(old, cur)) this.checkInfiniteLoop(idx, old, cur);
    } else if (this.callsCallback[idx]) {
      if (statesEqual(old, cur, RANGE_WITHIN, true, live)) return true;
    }
    return false;
  }

  /** The infinite-loop check of a pending checkpoint whose current-frame registers are cur's (statesMaybeLooping()). */
  private checkInfiniteLoop(idx: number, old: VerifierState, cur: VerifierState): void {
    if (statesEqual(old, cur, EXACT, true, this.liveAt) && !iterActiveDepthsDiffer(old, cur) &&
      this.mayGotoDepth(old) === this.mayGotoDepth(cur) && old.callback_unroll_depth === cur.callback_unroll_depth) {
      reject(
        `infinite loop detected at insn ${idx}\ncur state:${printState(cur, curFrame(cur))}\nold state:${printState(old, curFrame(old))}`,
        'EINVAL',
      );
    }
  }

  /** cur is safe because checkpoint sl.st is: its precision goes to cur; a loop's back edge is recorded. */
  private stateHit(sl: StateListEntry, idx: number, loop: boolean): void {
    const cur = this.cur;
    const old = sl.st;
    sl.hit++;
    this.propagatePrecision(old);
    if (!loop) return;
    // Record the back edge in the loop's SCC visit; precision is completed when the loop is left.
    const key = this.sccKey(old);
    const v = key ? this.sccVisits.get(key) : undefined;
    if (v) {
      if (this.level >= 2) this.verbose(`SCC backedge (${this.scc[idx]})\n`);
      v.backedges.push({ st: copyState(cur, ++this.uidGen), old });
      this.numBackedges++;
      this.updatePeakStates();
    } else {
      for (let s: VerifierState | undefined = cur.parent; s; s = s.parent) {
        s.incomplete = true;
        if (s === old) break;
      }
      old.incomplete = true;
    }
  }

  /** A new checkpoint of cur at idx, first in `list`; cur goes on as its child with an empty history. */
  private newCheckpoint(idx: number, list: StateListEntry[]): void {
    const cur = this.cur;
    this.totalStates++;
    this.exploredSize++;
    this.updatePeakStates();
    this.prevJmps = this.jmpsProcessed;
    this.prevInsns = this.insnProcessed;
    // mark_all_scalars_imprecise(cur): precision is re-derived by backtracking into the checkpoint.
    for (const f of cur.frames) {
      for (const r of f.regs) if (r.type === 'scalar') r.precise = false;
      for (const s of f.stack) if (isSpilledReg(s) && s.spilled.type === 'scalar') s.spilled.precise = false;
    }
    // The checkpoint takes cur's history (cur starts a new one below): no copy.
    const saved = copyState(cur, ++this.uidGen, cur.hist);
    saved.insn_idx = idx;
    saved.dfs_depth = cur.dfs_depth;
    saved.branches = cur.branches;
    list.unshift({ st: saved, miss: 0, hit: 0 });
    // maybe_enter_scc().
    const key = this.sccKey(saved);
    if (key && !this.sccVisits.has(key)) {
      this.sccVisits.set(key, { entry: saved, backedges: [] });
      if (this.level >= 2) this.verbose(`SCC enter (${this.scc[idx]})\n`);
    }
    cur.parent = saved;
    cur.dfs_depth = saved.dfs_depth + 1;
    cur.hist = [];
    cur.jmp_history_cnt = 0;
  }

  /** Instruction isStateVisited() compares at, for liveAt(). */
  private liveIdx = 0;

  /** Whether register r of frame f (of the current state) is live at liveIdx; one closure for the whole run. */
  private readonly liveAt = (f: FuncState, r: number): boolean => {
    if (r === 10) return true;
    const cur = this.cur;
    const at = f.frameno + 1 < cur.frames.length ? cur.frames[f.frameno + 1]!.callsite : this.liveIdx;
    return !!(this.live[at]! & (1 << r));
  };

  /** find_prev_entry(): the nearest checkpoint at `idx` still on the current DFS path. */
  private findPrevEntry(st: VerifierState, idx: number): VerifierState | undefined {
    for (const sl of this.explored[idx] ?? []) {
      if (sl.st.insn_idx === idx && sl.st.branches && sameCallsites(sl.st, st) && sl.st.dfs_depth < st.dfs_depth) return sl.st;
    }
    return undefined;
  }

  // ---------------------------------------------------------------- precision (__mark_chain_precision())

  /** The backtracking state, one for the run: a walk never starts while another is under way. */
  private readonly btState: Bt = { regs: new Array<number>(MAX_CALL_FRAMES).fill(0), slots: Array.from({ length: MAX_CALL_FRAMES }, () => new Set<number>()), frame: 0 };

  /** An empty backtracking state (btState, cleared) in the current frame. */
  private newBt(): Bt {
    const bt = this.btState;
    for (let f = 0; f < MAX_CALL_FRAMES; f++) {
      bt.regs[f] = 0;
      if (bt.slots[f]!.size) bt.slots[f]!.clear();
    }
    bt.frame = this.cur.frames.length - 1;
    return bt;
  }

  /** mark_chain_precision(regno) in the current frame. */
  private markChainPrecision(regno: number): void {
    // Not a scalar: nothing to mark (the kernel's callers only ask for scalars).
    const reg = curFrame(this.cur).regs[regno]!;
    if (reg.type !== 'scalar') return;
    const bt = this.newBt();
    bt.regs[bt.frame] = 1 << regno;
    this.backtrack(bt);
  }

  /**
   * propagate_precision(): what is precise in the matched old state becomes precise in cur. Logs
   * `frame N: propagating r1,fp-8` per frame from the innermost (the newline is written at every level).
   */
  private propagatePrecision(old: VerifierState): boolean {
    const bt = this.newBt();
    let any = false;
    const log = this.level >= 2;
    for (let fi = old.frames.length - 1; fi >= 0; fi--) {
      const f = old.frames[fi]!;
      let first = true;
      for (let i = 0; i < 10; i++) {
        const r = f.regs[i]!;
        if (r.type !== 'scalar' || !r.precise) continue;
        if (log) this.verbose(first ? `frame ${fi}: propagating r${i}` : `,r${i}`);
        bt.regs[fi]! |= 1 << i;
        first = false;
      }
      for (let spi = 0; spi < f.stack.length; spi++) {
        const s = f.stack[spi]!;
        if (!isSpilledReg(s) || s.spilled.type !== 'scalar' || !s.spilled.precise) continue;
        if (log) this.verbose(first ? `frame ${fi}: propagating fp${-(spi + 1) * 8}` : `,fp${-(spi + 1) * 8}`);
        bt.slots[fi]!.add(spi);
        first = false;
      }
      if (!first) {
        this.verbose('\n');
        any = true;
      }
    }
    return any ? this.backtrack(bt) : false;
  }

  /** mark_all_scalars_precise() from the current state up its parents. */
  private markAllPrecise(): void {
    const log = this.level >= 2;
    if (log) this.verbose(`mark_precise: frame${this.cur.frames.length - 1}: falling back to forcing all scalars precise\n`);
    for (let st: VerifierState | undefined = this.cur; st; st = st.parent) {
      if (st.allPrecise) break;
      if (st !== this.cur) st.allPrecise = true;
      st.frames.forEach((f, fi) => {
        f.regs.forEach((r, ri) => {
          if (r.type !== 'scalar' || r.precise) return;
          r.precise = true;
          if (log) this.verbose(`force_precise: frame${fi}: forcing r${ri} to be precise\n`);
        });
        f.stack.forEach((s, spi) => {
          if (!isSpilledReg(s) || s.spilled.type !== 'scalar' || s.spilled.precise) return;
          s.spilled.precise = true;
          if (log) this.verbose(`force_precise: frame${fi}: forcing fp${-(spi + 1) * 8} to be precise\n`);
        });
      });
    }
  }

  private btEmpty(bt: Bt): boolean {
    for (let i = 0; i < bt.regs.length; i++) if (bt.regs[i] !== 0 || bt.slots[i]!.size !== 0) return false;
    return true;
  }

  /** Marks the registers and slots of `bt` precise in `st`; drops those already precise (their history is done). */
  private markInState(st: VerifierState, bt: Bt): boolean {
    let changed = false;
    const nf = Math.min(st.frames.length - 1, bt.frame);
    for (let fi = 0; fi <= nf; fi++) {
      const f = st.frames[fi]!;
      const mask = bt.regs[fi]!;
      if (mask) {
        for (let r = 0; r < 11; r++) {
          if (!(mask & (1 << r))) continue;
          const reg = f.regs[r]!;
          if (reg.type !== 'scalar' || reg.precise) bt.regs[fi]! &= ~(1 << r);
          else reg.precise = changed = true;
        }
      }
      const slots = bt.slots[fi]!;
      if (!slots.size) continue;
      for (const spi of [...slots]) {
        const s = f.stack[spi];
        if (!s || !isSpilledReg(s) || s.spilled.type !== 'scalar' || s.spilled.precise) slots.delete(spi);
        else s.spilled.precise = changed = true;
      }
    }
    return changed;
  }

  /**
   * __mark_chain_precision(): backtrack_insn() over the current state's history, then each parent checkpoint's,
   * marking the registers and slots in the parents (not in the current state, whose precision is of no use); true
   * when a mark was added. A state's segment runs from first_idx (the checkpoint it started at, or 0) to last_idx.
   */
  private backtrack(bt: Bt): boolean {
    let st: VerifierState = this.cur;
    let changed = false;
    let hist = st.hist;
    let last = this.insnIdx;
    let first = st.parent ? st.parent.insn_idx : 0;
    let subseq = -1;
    const log = this.level >= 2;
    const e: HistEntry = { idx: 0, spi: -1, spiFrame: undefined, frame: 0, linked: 0 };
    for (;;) {
      if (log) this.verbose(`mark_precise: frame${bt.frame}: last_idx ${last} first_idx ${first} subseq_idx ${subseq} \n`);
      // The instruction being processed is not in the current state's history (skip_first in the kernel).
      if (st === this.cur) subseq = last;
      for (let h = hist.length - 1; h >= 0; h--) {
        histDecode(hist[h]!, e);
        if (!this.backtrackInsn(e, bt, subseq)) {
          // Departure: where the kernel reports a backtracking bug or -ENOTSUPP (and around bpf_loop callbacks,
          // which are explored differently here) every scalar becomes precise (mark_all_scalars_precise()).
          this.markAllPrecise();
          return true;
        }
        if (this.btEmpty(bt)) return changed;
        subseq = e.idx;
      }
      const parent = st.parent;
      if (!parent) break;
      if (parent.frames.length - 1 !== bt.frame) {
        this.markAllPrecise();
        return true;
      }
      if (this.markInState(parent, bt)) changed = true;
      if (log) {
        for (let fr = bt.frame; fr >= 0; fr--) {
          this.verbose(`mark_precise: frame${fr}: parent state regs=${REG_NAMES(bt.regs[fr]!)} stack=${STACK_NAMES(bt.slots[fr]!)}: ${printState(parent, parent.frames[fr]!)}\n`);
        }
      }
      if (this.btEmpty(bt)) return changed;
      subseq = first;
      last = parent.hist.length ? histIdx(parent.hist[parent.hist.length - 1]!) : parent.insn_idx;
      first = parent.parent ? parent.parent.insn_idx : 0;
      st = parent;
      hist = st.hist;
    }
    // Marks left at the program's start: something was missed; the kernel falls back to forcing all precise.
    if (!this.btEmpty(bt)) {
      this.markAllPrecise();
      return true;
    }
    return changed;
  }

  /**
   * One instruction backwards (backtrack_insn()); false when the model gives up. `subseq` is the instruction
   * processed just before (the next one in program order). Frames: the exit of a callee enters its frame, the call
   * instruction leaves it and hands r1-r5 to the caller.
   */
  private backtrackInsn(e: HistEntry, bt: Bt, subseq: number): boolean {
    const i = this.insns[e.idx]!;
    const cls = BPF_CLASS(i.code);
    const op = BPF_OP(i.code);
    const ARGS = 0x3e;
    if (this.level >= 2) {
      this.verbose(`mark_precise: frame${bt.frame}: regs=${REG_NAMES(bt.regs[bt.frame]!)} stack=${STACK_NAMES(bt.slots[bt.frame]!)} before ${e.idx}: ${this.insnStr(e.idx)}\n`);
    }
    // bt_sync_linked_regs(): registers that gained range together at this jump need precision together.
    if (e.linked) this.btSyncLinked(bt, e.linked);
    if (cls === BPF_JMP && op === BPF_EXIT) {
      if (e.frame !== bt.frame + 1 || e.frame >= MAX_CALL_FRAMES) return false;
      if (subseq >= 0 && this.callsCallback[subseq]) bt.regs[bt.frame]! &= ~ARGS;
      if (bt.regs[bt.frame]! & ARGS) return false;
      const r0 = subseq >= 1 && this.insns[subseq - 1]!.code === (BPF_JMP | BPF_CALL) && this.insns[subseq - 1]!.src_reg === BPF_PSEUDO_CALL && !!(bt.regs[bt.frame]! & 1);
      bt.regs[bt.frame]! &= ~1;
      bt.frame++;
      if (r0) bt.regs[bt.frame]! |= 1;
      return true;
    }
    if (cls === BPF_JMP && op === BPF_CALL && e.frame === bt.frame - 1) {
      // Leaving a static subprogram (r1-r5 go on in the caller) or a callback (they do not).
      if (i.src_reg !== BPF_PSEUDO_CALL && !this.callsCallback[e.idx]) return false;
      if (bt.regs[bt.frame]! & ~ARGS || bt.slots[bt.frame]!.size) return false;
      const args = i.src_reg === BPF_PSEUDO_CALL ? bt.regs[bt.frame]! : 0;
      bt.regs[bt.frame] = 0;
      bt.frame--;
      bt.regs[bt.frame]! |= args;
      return true;
    }
    if (e.frame !== bt.frame) return false;
    const f = bt.frame;
    const sf = e.spiFrame ?? f;
    if (cls === BPF_ALU || cls === BPF_ALU64) {
      if (!btHas(bt, f, i.dst_reg)) return true;
      if (op === BPF_MOV) {
        btClr(bt, f, i.dst_reg);
        if (BPF_SRC(i.code) === BPF_X) btSet(bt, f, i.src_reg);
      } else if (BPF_SRC(i.code) === BPF_X) {
        btSet(bt, f, i.src_reg);
      }
      return true;
    }
    if (cls === BPF_LDX || (cls === BPF_STX && BPF_MODE(i.code) === BPF_ATOMIC && i.imm === BPF_LOAD_ACQ)) {
      if (!btHas(bt, f, i.dst_reg)) return true;
      btClr(bt, f, i.dst_reg);
      if (e.spi >= 0) bt.slots[sf]!.add(e.spi);
      return true;
    }
    if (cls === BPF_STX && BPF_MODE(i.code) === BPF_ATOMIC) {
      // An atomic fetch is a load into its fetch register (is_atomic_fetch_insn() in backtrack_insn()).
      const load = i.imm === BPF_CMPXCHG ? 0 : i.imm & BPF_FETCH || i.imm === BPF_XCHG ? i.src_reg : -1;
      if (load >= 0) {
        if (!btHas(bt, f, load)) return true;
        btClr(bt, f, load);
        if (e.spi >= 0) bt.slots[sf]!.add(e.spi);
        return true;
      }
    }
    if (cls === BPF_STX || cls === BPF_ST) {
      if (e.spi < 0 || !bt.slots[sf]!.has(e.spi)) return true;
      bt.slots[sf]!.delete(e.spi);
      if (cls === BPF_STX) btSet(bt, f, i.src_reg);
      return true;
    }
    if (cls === BPF_LD) {
      if (btHas(bt, f, i.dst_reg)) btClr(bt, f, i.dst_reg);
      return true;
    }
    if (op === BPF_CALL) {
      // A subprogram call in the frame itself: its callee left no history (cannot happen on a walked path).
      if (i.src_reg === BPF_PSEUDO_CALL) return false;
      for (let r = 1; r <= 5; r++) if (btHas(bt, f, r)) return false;
      btClr(bt, f, 0);
      return true;
    }
    if (op === BPF_EXIT) return false;
    if (op === BPF_JA || i.code === (BPF_JMP | BPF_JCOND)) return true;
    if (BPF_SRC(i.code) === BPF_X) {
      if (!btHas(bt, f, i.dst_reg) && !btHas(bt, f, i.src_reg)) return true;
      btSet(bt, f, i.dst_reg);
      btSet(bt, f, i.src_reg);
    }
    // bt_sync_linked_regs() again, for what this instruction added.
    if (e.linked) this.btSyncLinked(bt, e.linked);
    return true;
  }

  /** bt_sync_linked_regs(): when one of the registers linked at a jump needs precision, all of them do. */
  private btSyncLinked(bt: Bt, record: number): void {
    const set = this.linkedRecords[record - 1]!;
    let some = false;
    for (const l of set) {
      if (l.isReg ? (bt.regs[l.frame]! & (1 << l.n)) !== 0 : bt.slots[l.frame]!.has(l.n)) {
        some = true;
        break;
      }
    }
    if (!some) return;
    for (const l of set) {
      if (l.isReg) bt.regs[l.frame]! |= 1 << l.n;
      else bt.slots[l.frame]!.add(l.n);
    }
  }

  /** Linked-register sets recorded at jumps (struct linked_regs), by record id - 1; one per distinct set. */
  private readonly linkedRecords: { frame: number; isReg: boolean; n: number }[][] = [];
  private readonly linkedIds = new Map<string, number>();

  /**
   * collect_linked_regs() for a conditional jump on scalars with ids: the registers and spilled slots of every
   * frame sharing them, at most LINKED_REGS_MAX (6; past it a register loses its id, as in the kernel), kept in the
   * jump's history entry when more than one.
   */
  private collectLinkedRegs(ids: number[]): void {
    const out: { frame: number; isReg: boolean; n: number }[] = [];
    for (const id of ids) {
      for (let fi = this.cur.frames.length - 1; fi >= 0; fi--) {
        const f = this.cur.frames[fi]!;
        for (let r = 0; r < 10; r++) {
          const x = f.regs[r]!;
          if (x.type !== 'scalar' || x.id !== id) continue;
          if (out.length < 6) out.push({ frame: fi, isReg: true, n: r });
          else f.regs[r] = Object.assign(copyReg(x), { id: 0 });
        }
        for (let spi = 0; spi < f.stack.length; spi++) {
          const s = f.stack[spi]!;
          if (!isSpilledReg(s) || s.spilled.type !== 'scalar' || s.spilled.id !== id) continue;
          if (out.length < 6) out.push({ frame: fi, isReg: false, n: spi });
          else s.spilled = Object.assign(copyReg(s.spilled), { id: 0 });
        }
      }
    }
    if (out.length < 2) return;
    const key = out.map((l) => `${l.frame}${l.isReg ? 'r' : 's'}${l.n}`).join(',');
    let rec = this.linkedIds.get(key);
    if (rec === undefined) {
      if (this.linkedRecords.length >= HIST_LINKED_MAX) return; // model limit: later sets go unrecorded
      this.linkedRecords.push(out);
      rec = this.linkedRecords.length;
      this.linkedIds.set(key, rec);
    }
    this.curHist.linked = rec;
  }

  // ---------------------------------------------------------------- ALU

  private checkAlu(insn: BpfInsn): void {
    const op = BPF_OP(insn.code);
    const alu32 = BPF_CLASS(insn.code) === BPF_ALU;
    const regs = this.regs();
    if (op === BPF_END || op === BPF_NEG) {
      this.aluEndNeg(insn, op, alu32, regs);
      return;
    }
    if (op === BPF_MOV) {
      this.aluMov(insn, alu32, regs);
      return;
    }
    // check_alu_op(): the source register is checked first, then the destination, then the BPF_K operand.
    const s: Reg = BPF_SRC(insn.code) === BPF_X ? this.readReg(insn.src_reg) : this.immConst(this.insnIdx, insn.imm, alu32);
    const d = this.readReg(insn.dst_reg);
    if ((op === BPF_DIV || op === BPF_MOD) && BPF_SRC(insn.code) === BPF_K && insn.imm === 0) reject('div by zero', 'EINVAL');
    if ((op === BPF_LSH || op === BPF_RSH || op === BPF_ARSH) && BPF_SRC(insn.code) === BPF_K && (insn.imm < 0 || insn.imm >= (alu32 ? 32 : 64))) {
      reject(`invalid shift ${insn.imm}`, 'EINVAL');
    }
    this.writeReg(insn.dst_reg);
    if (d.type !== 'scalar' || s.type !== 'scalar') {
      this.aluWithPointer(insn, op, alu32, regs, d, s);
      return;
    }
    const dd = copyReg(d);
    // A BPF_K operand is immConst()'s scalarConst(), exact by construction; out-of-range shift counts in a
    // register make the result unknown (is_safe_to_compute_dst_reg_range()).
    scalarAlu(dd, s, op, alu32, BPF_SRC(insn.code) === BPF_K);
    regs[insn.dst_reg] = dd;
  }

  /** BPF_END and BPF_NEG (check_alu_op()). */
  private aluEndNeg(insn: BpfInsn, op: number, alu32: boolean, regs: Reg[]): void {
    const d = this.readReg(insn.dst_reg);
    this.writeReg(insn.dst_reg);
    if (d.type !== 'scalar') {
      // is_pointer_value() is false for a privileged load (allow_ptr_leaks): the pointer becomes an unknown scalar.
      regs[insn.dst_reg] = scalarUnknown();
      return;
    }
    if (op === BPF_NEG) {
      scalarAlu(d, scalarConst(0n), BPF_NEG, alu32);
    } else {
      const bits = BigInt(insn.imm);
      const toLe = BPF_SRC(insn.code) !== BPF_TO_BE && !(BPF_CLASS(insn.code) === BPF_ALU64);
      if (toLe) {
        // On a little-endian machine to_le only truncates; le64 changes nothing (the id stays).
        if (bits < 64n) {
          coerceRegToSize(d, Number(bits / 8n));
          d.id = 0;
        }
      } else {
        // The bytes swap, and so do the tnum's known bits (6.18); the bounds are what the swapped tnum allows.
        const mask = (1n << bits) - 1n;
        const swap = (x: bigint): bigint => {
          let sw = 0n;
          for (let b = 0n; b < bits; b += 8n) sw = (sw << 8n) | ((x >> b) & 0xffn);
          return sw;
        };
        d.var_off = { v: swap(d.var_off.v & mask), m: swap(d.var_off.m & mask) };
        mark64Unbounded(d);
        mark32Unbounded(d);
        regBoundsSync(d);
        d.id = 0;
      }
    }
  }

  /** BPF_MOV (check_alu_op()). */
  private aluMov(insn: BpfInsn, alu32: boolean, regs: Reg[]): void {
    if (BPF_SRC(insn.code) === BPF_X) {
      const s = this.readReg(insn.src_reg);
      this.writeReg(insn.dst_reg);
      if (!alu32) {
        if (insn.off === 0) {
          if (s.type === 'scalar' && !s.id && !tnumIsConst(s.var_off)) s.id = this.newId();
          regs[insn.dst_reg] = copyReg(s);
        } else {
          // is_pointer_value() is false for a privileged load: a pointer source gives an unknown scalar.
          if (s.type !== 'scalar') {
            regs[insn.dst_reg] = scalarUnknown();
            return;
          }
          // A value that needs no sign extension keeps its id (assign_scalar_id_before_mov()).
          const noSext = s.umax < 1n << BigInt(insn.off - 1);
          if (noSext && !s.id && !tnumIsConst(s.var_off)) s.id = this.newId();
          const d = copyReg(s);
          if (!noSext) d.id = 0;
          coerceRegToSizeSx(d, insn.off / 8);
          regs[insn.dst_reg] = d;
        }
      } else {
        if (s.type !== 'scalar') {
          // "R%d partial copy of pointer": allowed to privileged programs, the result is unknown.
          regs[insn.dst_reg] = scalarUnknown();
          zext32to64(regs[insn.dst_reg]!);
          regBoundsSync(regs[insn.dst_reg]!);
          return;
        }
        const d = copyReg(s);
        if (insn.off === 0) {
          const fits = s.umax <= U32_MAX;
          if (fits && !s.id && !tnumIsConst(s.var_off)) {
            s.id = this.newId();
            d.id = s.id;
          }
          if (!fits) d.id = 0;
          zext32to64(d);
        } else {
          const noSext = s.umax < 1n << BigInt(insn.off - 1);
          if (noSext && !s.id && !tnumIsConst(s.var_off)) {
            s.id = this.newId();
            d.id = s.id;
          }
          if (!noSext) d.id = 0;
          coerceRegToSizeSx(d, insn.off / 8, true);
        }
        d.precise = false;
        regBoundsSync(d);
        regs[insn.dst_reg] = d;
      }
    } else {
      this.writeReg(insn.dst_reg);
      regs[insn.dst_reg] = scalarConst(alu32 ? u32(BigInt(insn.imm)) : BigInt(insn.imm));
    }
  }

  /** An ALU operation with a pointer operand (adjust_ptr_min_max_vals() and its checks). */
  private aluWithPointer(insn: BpfInsn, op: number, alu32: boolean, regs: Reg[], d: Reg, s: Reg): void {
    if (d.type !== 'scalar') {
      if (s.type !== 'scalar') {
        if (op === 0x10) {
          regs[insn.dst_reg] = scalarUnknown();
          return;
        }
        reject(`R${insn.dst_reg} pointer ${ALU_NAME[op]} pointer prohibited`);
      }
      if (BPF_SRC(insn.code) === BPF_X) this.markChainPrecision(insn.src_reg);
      regs[insn.dst_reg] = ptrAlu(d, s, op, alu32, insn.dst_reg, false, () => this.newId());
      return;
    }
    this.markChainPrecision(insn.dst_reg);
    regs[insn.dst_reg] = ptrAlu(s, d, op, alu32, insn.dst_reg, true, () => this.newId());
  }

  // ---------------------------------------------------------------- memory

  private stackOf(r: Reg): FuncState {
    return this.cur.frames[r.frameno]!;
  }

  private slot(f: FuncState, spi: number): StackSlot {
    while (f.stack.length <= spi) f.stack.push(newSlot());
    return f.stack[spi]!;
  }

  private growStack(f: FuncState, minOff: number): void {
    const depth = -minOff;
    const prev = this.stackDepth.get(f.subprog) ?? 0;
    if (depth > prev) this.stackDepth.set(f.subprog, depth);
  }

  /** check_stack_access_within_bounds(). */
  private stackBounds(r: Reg, regno: number, off: number, size: number, write: boolean): [number, number] {
    let minOff: number;
    let maxOff: number;
    if (tnumIsConst(r.var_off)) {
      minOff = Number(s64(r.var_off.v)) + off;
      maxOff = minOff + size;
    } else {
      if (r.smax >= BPF_MAX_VAR_OFF || r.smin <= -BPF_MAX_VAR_OFF) reject(`invalid unbounded variable-offset${write ? ' write to' : ' read from'} stack R${regno}`);
      minOff = Number(r.smin) + off;
      maxOff = Number(r.smax) + off + size;
    }
    let errno: 'EACCES' | 'EINVAL' | undefined;
    if (minOff < -MAX_BPF_STACK || minOff > -1) errno = 'EACCES';
    else if (maxOff > 0) errno = 'EINVAL';
    if (errno) {
      const extra = write ? ' write to' : ' read from';
      if (tnumIsConst(r.var_off)) reject(`invalid${extra} stack R${regno} off=${off} size=${size}`, errno);
      reject(`invalid variable-offset${extra} stack R${regno} var_off=${tnumStr(r.var_off)} off=${off} size=${size}`, errno);
    }
    return [minOff, maxOff];
  }

  /** check_mem_region_access() + __check_mem_access(). */
  private memRegion(r: Reg, regno: number, off: number, size: number, memSize: number, zeroOk = false): void {
    const what = (o: bigint): string =>
      r.type === 'map_value'
        ? `invalid access to map value, value_size=${memSize} off=${o} size=${size}`
        : `invalid access to memory, mem_size=${memSize} off=${o} size=${size}`;
    const ok = (o: bigint): boolean => o >= 0n && (size > 0 || (size === 0 && zeroOk)) && o + BigInt(size) <= BigInt(memSize);
    const o = BigInt(off);
    if (r.smin < 0n && (r.smin === S64_MIN || o + r.smin !== BigInt.asIntN(32, o + r.smin) || r.smin + o < 0n)) {
      reject(`R${regno} min value is negative, either use unsigned index or do a if (index >=0) check.`);
    }
    if (!ok(r.smin + o)) reject(`${what(r.smin + o)}\nR${regno} min value is outside of the allowed memory range`);
    if (r.umax >= BPF_MAX_VAR_OFF) reject(`R${regno} unbounded memory access, make sure to bounds check any such access`);
    if (!ok(r.umax + o)) reject(`${what(r.umax + o)}\nR${regno} max value is outside of the allowed memory range`);
  }

  /** check_mem_access() for loads (value_regno = dst) and stores. Returns the loaded value. */
  private memAccess(regno: number, off: number, size: number, write: boolean, valueRegno: number, isSt: boolean, stImm: number, ldsx: boolean): Reg | undefined {
    const r = this.regs()[regno]!;
    const insnOff = off;
    if (r.type === 'scalar' || r.type === 'not_init') reject(`R${regno} invalid mem access '${regTypeStr(r)}'`);
    if (r.maybeNull) reject(`R${regno} invalid mem access '${regTypeStr(r)}'`);
    switch (r.type) {
      case 'fp': {
        const total = tnumAdd(r.var_off, tnumConst(BigInt(r.off + off)));
        if (!tnumIsAligned(total, size)) {
          reject(`misaligned stack access off ${tnumStr(r.var_off)}+${r.off}+${off} size ${size}`);
        }
        const aoff = off + r.off;
        const [minOff] = this.stackBounds(r, regno, aoff, size, write);
        const f = this.stackOf(r);
        this.growStack(f, minOff);
        if (!tnumIsConst(r.var_off)) return this.stackVarOff(r, regno, aoff, size, write, valueRegno, isSt, stImm);
        if (write) {
          this.stackWrite(f, minOff, size, valueRegno, isSt, stImm);
          return undefined;
        }
        return this.stackRead(f, minOff, size, valueRegno);
      }
      case 'map_value': {
        const map = r.map!;
        this.memRegion(r, regno, off + r.off, size, map.value_size);
        if (write && valueRegno >= 0 && this.regs()[valueRegno]!.type !== 'scalar') void 0;
        return write ? undefined : scalarUnknown();
      }
      case 'mem': {
        if (write && r.rdonly) reject(`R${regno} cannot write into ${regTypeStr(r)}`);
        this.memRegion(r, regno, off + r.off, size, r.mem_size);
        return write ? undefined : scalarUnknown();
      }
      case 'ctx': {
        // "R%d leaks addr into ctx" is for unprivileged loads only (is_pointer_value() with allow_ptr_leaks).
        // __check_ptr_off_reg(): a negative fixed offset, then any fixed offset, then a variable one.
        if (r.off < 0) reject(`negative offset ctx ptr R${regno} off=${r.off} disallowed`);
        if (r.off) reject(`dereference of modified ctx ptr R${regno} off=${r.off} disallowed`);
        if (!tnumIsConst(r.var_off) || r.var_off.v) reject(`variable ctx access var_off=${tnumStr(r.var_off)} disallowed`);
        const o = insnOff + r.off;
        const ok = CTX_ACCESS[this.progType](o, size, write) && !(ldsx && ctxPointerField(this.progType, o));
        if (!ok) reject(`invalid bpf_context access off=${o} size=${size}`);
        // check_ctx_access(): remember the offset of the last byte accessed in ctx.
        this.maxCtxOffset = Math.max(this.maxCtxOffset, o + size);
        if (write) return undefined;
        if (this.progType === 'xdp' || (this.progType === 'socket_filter' && ctxPointerField(this.progType, o))) {
          this.ctxLoads.set(this.insnIdx, o);
        }
        // xdp_is_valid_access(): data, data_end and data_meta load as packet pointers (id 0, range 0).
        if (this.progType === 'socket_filter' && ctxPointerField(this.progType, o)) {
          // bpf_skb_is_valid_access(): __sk_buff.sk loads as PTR_TO_SOCK_COMMON_OR_NULL; check_ctx_access() gives
          // a maybe-NULL pointer an id (++id_gen) for the null check.
          const sk = pointer('sock_common');
          sk.maybeNull = true;
          sk.id = this.newId();
          return sk;
        }
        if (ctxPointerField(this.progType, o)) return pointer(o === 0 ? 'pkt' : o === 4 ? 'pkt_end' : 'pkt_meta');
        return scalarUnknown();
      }
      case 'sock_common': {
        // check_mem_access() for type_is_sk_pointer(), then check_sock_access() -> bpf_sock_common_is_valid_access().
        if (write) reject(`R${regno} cannot write into ${regTypeStr(r)}`);
        const o = insnOff + r.off;
        if (!sockCommonAccess(o, size)) reject(`R${regno} invalid ${regTypeStr(r)} access off=${o} size=${size}`);
        return scalarUnknown();
      }
      case 'map_ptr': {
        // check_ptr_to_map_access(): a privileged load reads the map's kernel struct through BTF.
        const tname = MAP_BTF_STRUCT[mapTypeName(r.map!.map_type)];
        const o = insnOff + r.off;
        if (o < 0) reject(`R${regno} is ${tname} invalid negative access: off=${o}`);
        if (write) reject(`only read from ${tname} is supported`);
        const w = btfStructAccess(MAP_STRUCTS[tname]!, o, size);
        if (w.k === 'error') reject(w.message, w.errno);
        // Departure from Linux 6.18: the model has no PTR_TO_BTF_ID register, so a pointer field is not loaded.
        if (w.k === 'ptr') reject(`R${regno} invalid mem access '${regTypeStr(r)}'`);
        return scalarUnknown();
      }
      case 'pkt':
      case 'pkt_meta':
        // XDP may read and write the packet (may_access_direct_pkt_data()); only XDP has packet pointers here.
        this.packetAccess(r, regno, off + r.off, size, false);
        return write ? undefined : scalarUnknown();
      default:
        reject(`R${regno} invalid mem access '${regTypeStr(r)}'`);
    }
  }

  /**
   * check_packet_access(): `off` includes the pointer's fixed offset; the access must lie within reg->range (set by
   * a bounds check against pkt_end: find_good_pkt_pointers() in pkt-pointers.ts); a pointer marked at or beyond
   * pkt_end (range < 0) is outside of the packet.
   */
  private packetAccess(r: Reg, regno: number, off: number, size: number, zeroOk: boolean): void {
    if (r.smin < 0n) reject(`R${regno} min value is negative, either use unsigned index or do a if (index >=0) check.`);
    const range = r.mem_size;
    if (range < 0) reject(`R${regno} offset is outside of the packet`, 'EINVAL');
    const sizeOk = size > 0 || (size === 0 && zeroOk);
    if (off >= 0 && sizeOk && off + size <= range) return;
    reject(`invalid access to packet, off=${off} size=${size}, R${regno}(id=${r.id},off=${off},r=${range})`);
  }

  /**
   * check_stack_write_fixed_off(). `off` is the (negative) byte offset from the frame pointer. A privileged load
   * (bpf_capable, allow_ptr_leaks): aligned scalar stores spill, anything else is data.
   */
  private stackWrite(f: FuncState, off: number, size: number, valueRegno: number, isSt: boolean, stImm: number): void {
    const spi = Math.floor((-off - 1) / 8);
    const slotIdx = -off - 1;
    const s = this.slot(f, spi);
    this.scratchSlots.add(spi);
    this.curHist.spi = spi;
    this.curHist.spiFrame = f.frameno;
    const reg = valueRegno >= 0 ? this.regs()[valueRegno]! : undefined;
    const aligned = off % 8 === 0;
    if (reg && aligned && reg.type === 'scalar') {
      const fits = reg.umax < (size === 8 ? 1n << 64n : 1n << BigInt(size * 8));
      if (fits && !reg.id && !tnumIsConst(reg.var_off)) reg.id = this.newId();
      this.saveRegisterState(s, reg, size);
      if (!fits) s.spilled.id = 0;
      return;
    }
    if (!reg && aligned && isSt) {
      this.saveRegisterState(s, scalarConst(BigInt(stImm)), size);
      return;
    }
    if (reg && reg.type !== 'scalar') {
      if (size !== 8) reject('invalid size of register spill');
      if (f !== curFrame(this.cur) && reg.type === 'fp') reject('cannot spill pointers to stack into stack frame of the caller', 'EINVAL');
      this.saveRegisterState(s, reg, size);
      return;
    }
    let type = STACK_MISC;
    s.spilled = notInit();
    const special = s.slot_type[7] === STACK_SPILL || s.slot_type[7] === STACK_ITER;
    if (special) {
      for (let k = 0; k < 8; k++) if (s.slot_type[k] !== STACK_INVALID) s.slot_type[k] = STACK_MISC;
      s.iter = undefined;
    }
    this.curHist.spi = -1;
    if ((reg && isNull(reg)) || (!reg && isSt && stImm === 0)) {
      // A zero that is not a spill (misaligned) becomes STACK_ZERO: the register that held it must be precise
      // for later states to rely on the zero.
      if (reg) this.markChainPrecision(valueRegno);
      type = STACK_ZERO;
    }
    for (let k = 0; k < size; k++) s.slot_type[(slotIdx - k) % 8] = type;
  }

  /** save_register_state(). */
  private saveRegisterState(s: StackSlot, reg: Reg, size: number): void {
    s.spilled = copyReg(reg);
    s.iter = undefined;
    let k = 8;
    for (; k > 8 - size; k--) s.slot_type[k - 1] = STACK_SPILL;
    for (; k; k--) {
      const t = s.slot_type[k - 1]!;
      if (t !== STACK_ZERO && t !== STACK_INVALID) s.slot_type[k - 1] = STACK_MISC;
    }
  }

  /**
   * check_stack_read_fixed_off() into `dst` (-1: the read of an atomic, which keeps no value). Privileged:
   * STACK_INVALID bytes read as unknown data (allow_uninit_stack), spilled pointers may be read (allow_ptr_leaks).
   */
  private stackRead(f: FuncState, off: number, size: number, dst: number): Reg | undefined {
    const spi = Math.floor((-off - 1) / 8);
    const slotIdx = -off - 1;
    const s = this.slot(f, spi);
    this.scratchSlots.add(spi);
    if (s.slot_type[7] === STACK_SPILL) {
      const sp = s.spilled;
      let spillSize = 1;
      for (let k = 7; k > 0 && s.slot_type[k - 1] === STACK_SPILL; k--) spillSize++;
      if (size !== 8 || spillSize !== 8) {
        if (sp.type !== 'scalar') reject('invalid size of register fill');
        if (dst < 0) return undefined;
        if (size <= spillSize && off % 8 === 0) {
          // bpf_stack_narrow_access_ok() (little endian): the low bytes of the spilled register.
          this.curHist.spi = spi;
          this.curHist.spiFrame = f.frameno;
          if (size === 4 && spillSize === 4 && sp.umax < 1n << 32n && !sp.id && !tnumIsConst(sp.var_off)) sp.id = this.newId();
          const d = copyReg(sp);
          if (sp.umax >= 1n << BigInt(size * 8)) d.id = 0;
          return d;
        }
        let spill = 0;
        let zero = 0;
        for (let k = 0; k < size; k++) {
          const t = s.slot_type[(slotIdx - k) % 8]!;
          if (t === STACK_SPILL) spill++;
          else if (t === STACK_ZERO) zero++;
          else if (t !== STACK_MISC && t !== STACK_INVALID) reject(`invalid read from stack off ${off}+${k} size ${size}`);
        }
        if (spill === size && tnumIsConst(sp.var_off) && sp.var_off.v === 0n) {
          // Still a fill of the spilled register (its history is followed for precision).
          this.curHist.spi = spi;
          this.curHist.spiFrame = f.frameno;
          return scalarConst(0n);
        }
        return zero === size ? scalarConst(0n) : scalarUnknown();
      }
      if (dst < 0) return undefined;
      this.curHist.spi = spi;
      this.curHist.spiFrame = f.frameno;
      return copyReg(sp);
    }
    let zeros = 0;
    for (let k = 0; k < size; k++) {
      const t = s.slot_type[(slotIdx - k) % 8]!;
      if (t === STACK_MISC || t === STACK_INVALID) continue;
      if (t === STACK_ZERO) {
        zeros++;
        continue;
      }
      reject(`invalid read from stack off ${off}+${k} size ${size}`);
    }
    if (dst < 0) return undefined;
    // mark_reg_stack_read(): only bytes all STACK_ZERO read as a known zero.
    return zeros === size ? scalarConst(0n) : scalarUnknown();
  }

  /** check_stack_read_var_off() (check_stack_range_initialized() for a load) / check_stack_write_var_off(). */
  private stackVarOff(r: Reg, regno: number, off: number, size: number, write: boolean, valueRegno: number, isSt: boolean, stImm: number): Reg | undefined {
    const f = this.stackOf(r);
    const lo = Number(r.smin) + off;
    const hi = Number(r.smax) + off + size;
    if (write) {
      const vreg = valueRegno >= 0 ? this.regs()[valueRegno]! : undefined;
      const writingZero = vreg ? isNull(vreg) : isSt && stImm === 0;
      let zeroUsed = false;
      for (let a = lo; a < hi; a++) {
        const spi = Math.floor((-a - 1) / 8);
        const s = this.slot(f, spi);
        const k = (-a - 1) % 8;
        this.scratchSlots.add(spi);
        const t = s.slot_type[k];
        // A spilled zero stays a spilled zero when zero may be written over it.
        if (writingZero && t === STACK_SPILL && isSpilledScalar(s) && tnumIsConst(s.spilled.var_off) && s.spilled.var_off.v === 0n) {
          zeroUsed = true;
          continue;
        }
        // The slot's register is gone: a spilled register's or iterator's bytes become data.
        s.spilled = notInit();
        if (s.slot_type[7] === STACK_SPILL || s.slot_type[7] === STACK_ITER) {
          for (let j = 0; j < 8; j++) if (s.slot_type[j] !== STACK_INVALID) s.slot_type[j] = STACK_MISC;
          s.iter = undefined;
        }
        let nt = STACK_MISC;
        if (writingZero && s.slot_type[k] === STACK_ZERO) {
          nt = STACK_ZERO;
          zeroUsed = true;
        }
        s.slot_type[k] = nt;
      }
      // STACK_ZERO kept because the value is zero: that register must be precise.
      if (zeroUsed && valueRegno >= 0) this.markChainPrecision(valueRegno);
      return undefined;
    }
    if (valueRegno < 0) {
      reject(`variable offset stack pointer cannot be passed into helper function; var_off=${tnumStr(r.var_off)} off=${off} size=${size}`);
    }
    for (let a = lo; a < hi; a++) {
      const s = this.slot(f, Math.floor((-a - 1) / 8));
      const t = s.slot_type[(-a - 1) % 8];
      if (t === STACK_MISC || t === STACK_ZERO || t === STACK_INVALID) continue;
      // Any spilled register, pointers included, reads as data for a privileged load (allow_ptr_leaks).
      if (isSpilledReg(s)) continue;
      reject(`invalid read from stack R${regno} var_off ${tnumStr(r.var_off)}+${a - lo} size ${size}`);
    }
    // mark_reg_stack_read(): a known zero when every byte is STACK_ZERO; the slots up to the first other byte
    // are the ones scratched (printed).
    for (let a = lo; a < hi; a++) {
      const spi = Math.floor((-a - 1) / 8);
      this.scratchSlots.add(spi);
      if (f.stack[spi]!.slot_type[(-a - 1) % 8] !== STACK_ZERO) return scalarUnknown();
    }
    return scalarConst(0n);
  }

  private checkLdx(insn: BpfInsn, idx: number): void {
    void idx;
    this.readReg(insn.src_reg);
    this.writeReg(insn.dst_reg);
    const size = bpfSizeBytes(BPF_SIZE(insn.code));
    const ldsx = BPF_MODE(insn.code) === BPF_MEMSX;
    let v = this.memAccess(insn.src_reg, insn.off, size, false, insn.dst_reg, false, 0, ldsx)!;
    if (v.type === 'scalar' && size < 8) {
      v = copyReg(v);
      if (ldsx) coerceRegToSizeSx(v, size);
      else coerceRegToSize(v, size);
    }
    this.regs()[insn.dst_reg] = v;
  }

  private checkStore(insn: BpfInsn, idx: number, src: number): void {
    void idx;
    if (src >= 0) this.readReg(src);
    this.readReg(insn.dst_reg);
    const size = bpfSizeBytes(BPF_SIZE(insn.code));
    this.memAccess(insn.dst_reg, insn.off, size, true, src, src < 0, insn.imm, false);
  }

  private checkAtomic(insn: BpfInsn, idx: number): void {
    const size = bpfSizeBytes(BPF_SIZE(insn.code));
    if (insn.imm === BPF_LOAD_ACQ) {
      // check_atomic_load(): atomic_ptr_type_ok() of the source, then check_load_mem() with strict alignment: the
      // source and destination registers (`R11 is invalid`, EINVAL) before the access's alignment and type.
      if (insn.src_reg > 10) reject(`R${insn.src_reg} is invalid`, 'EINVAL');
      const s = this.regs()[insn.src_reg]!;
      if (!atomicPtrTypeOk(s)) reject(`BPF_ATOMIC loads from R${insn.src_reg} ${regTypeStr(s)} is not allowed`);
      this.readReg(insn.src_reg);
      this.writeReg(insn.dst_reg);
      this.strictAlignment(insn.src_reg, insn.off, size);
      this.checkLdx(insn, idx);
      return;
    }
    if (insn.imm === BPF_STORE_REL) {
      // check_atomic_store(): check_store_reg() with strict alignment, then atomic_ptr_type_ok() of the destination.
      this.readReg(insn.src_reg);
      this.readReg(insn.dst_reg);
      this.strictAlignment(insn.dst_reg, insn.off, size);
      this.checkStore(insn, idx, insn.src_reg);
      const d = this.regs()[insn.dst_reg]!;
      if (!atomicPtrTypeOk(d)) reject(`BPF_ATOMIC stores into R${insn.dst_reg} ${regTypeStr(d)} is not allowed`);
      return;
    }
    this.readReg(insn.src_reg);
    this.readReg(insn.dst_reg);
    if (insn.imm === BPF_CMPXCHG) this.readReg(0);
    // "R%d leaks addr into mem" is for unprivileged loads only (is_pointer_value() with allow_ptr_leaks).
    const d = this.regs()[insn.dst_reg]!;
    if (!atomicPtrTypeOk(d)) reject(`BPF_ATOMIC stores into R${insn.dst_reg} ${regTypeStr(d)} is not allowed`);
    // check_atomic_rmw(): a read that keeps no value, then (fetch) the load into the fetch register, then the write.
    const fetchReg = insn.imm === BPF_CMPXCHG ? 0 : insn.imm & BPF_FETCH || insn.imm === BPF_XCHG ? insn.src_reg : -1;
    // check_reg_arg(load_reg, DST_OP) before any access: the fetch register is an unknown scalar from here on (r10:
    // "frame pointer is read only"), so a dst that is also the fetch register is no pointer for the accesses.
    if (fetchReg >= 0) {
      this.writeReg(fetchReg);
      this.setReg(fetchReg, scalarUnknown());
    }
    // Each access with strict alignment; the write goes through dst as the fetch left it (it may be the fetch register).
    this.strictAlignment(insn.dst_reg, insn.off, size);
    this.memAccess(insn.dst_reg, insn.off, size, false, -1, false, 0, false);
    const old = fetchReg >= 0 ? this.memAccess(insn.dst_reg, insn.off, size, false, fetchReg, false, 0, false) : undefined;
    if (fetchReg >= 0) {
      const v = old ? copyReg(old) : scalarUnknown();
      if (size < 8 && v.type === 'scalar') coerceRegToSize(v, size);
      this.setReg(fetchReg, v);
    }
    this.strictAlignment(insn.dst_reg, insn.off, size);
    this.memAccess(insn.dst_reg, insn.off, size, true, -1, false, 0, false);
  }

  /**
   * check_ptr_alignment() with strict_alignment_once (atomics): every pointer type and a scalar base must be aligned
   * to the access size (the stack always is, in memAccess()).
   */
  private strictAlignment(regno: number, off: number, size: number): void {
    const r = this.regs()[regno]!;
    if (size === 1 || r.type === 'fp' || r.type === 'not_init') return;
    const total = tnumAdd(r.var_off, tnumConst(BigInt(r.off + off)));
    if (tnumIsAligned(total, size)) return;
    const desc = r.type === 'ctx' ? 'context ' : r.type === 'map_value' ? 'value ' : '';
    reject(`misaligned ${desc}access off ${tnumStr(r.var_off)}+${r.off}+${off} size ${size}`);
  }

  /**
   * check_ld_abs(): a legacy packet load (BPF_ABS/BPF_IND, one of the opcode table's B/H/W) reads the skb in R6 into
   * R0 and clobbers R1-R5, as a helper call; only program types with an skb (may_access_skb()) have it.
   */
  private checkLdAbs(insn: BpfInsn): void {
    if (this.progType !== 'socket_filter') reject('BPF_LD_[ABS|IND] instructions not allowed for this program type', 'EINVAL');
    const ind = BPF_MODE(insn.code) === BPF_IND;
    if (insn.dst_reg !== 0 || insn.off !== 0 || BPF_SIZE(insn.code) === BPF_DW || (!ind && insn.src_reg !== 0)) {
      reject('BPF_LD_[ABS|IND] uses reserved fields', 'EINVAL');
    }
    const r6 = this.readReg(6);
    // check_resource_leak(): gen_ld_abs() may end the program at run time, so nothing may be held (main frame).
    if (this.cur.frames.length === 1 && this.cur.refs.length) {
      const lines = this.cur.refs.map((r) => `Unreleased reference id=${r.id} alloc_insn=${r.insn_idx}`);
      reject(`${lines.join('\n')}\nBPF_LD_[ABS|IND] would lead to reference leak`, 'EINVAL');
    }
    if (r6.type !== 'ctx') reject('at the time of BPF_LD_ABS|IND R6 != pointer to skb', 'EINVAL');
    if (ind) this.readReg(insn.src_reg);
    // check_ptr_off_reg() on R6.
    if (r6.off < 0) reject(`negative offset ctx ptr R6 off=${r6.off} disallowed`);
    if (r6.off) reject(`dereference of modified ctx ptr R6 off=${r6.off} disallowed`);
    if (!tnumIsConst(r6.var_off) || r6.var_off.v) reject(`variable ctx access var_off=${tnumStr(r6.var_off)} disallowed`);
    const regs = this.regs();
    for (let r = 1; r <= 5; r++) {
      regs[r] = notInit();
      this.scratchRegs.add(r);
    }
    this.writeReg(0);
    regs[0] = scalarUnknown();
  }

  private checkLdImm(insn: BpfInsn, idx: number): void {
    this.writeReg(insn.dst_reg);
    const next = this.insns[idx + 1]!;
    if (insn.src_reg === 0) {
      this.regs()[insn.dst_reg] = scalarConst((BigInt(next.imm >>> 0) << 32n) | BigInt(insn.imm >>> 0));
      return;
    }
    if (insn.src_reg === BPF_PSEUDO_FUNC) {
      // check_ld_imm(): a callback must be a static function of the program's BTF (the model's all are).
      if (this.env.func_info === false) reject('missing btf func_info', 'EINVAL');
      const r = pointer('func');
      r.subprog = idx + insn.imm + 1;
      this.regs()[insn.dst_reg] = r;
      return;
    }
    if (insn.src_reg === BPF_PSEUDO_BTF_ID) {
      // A kernel FUNC (resolve_pseudo_ldimm64() let no other kind through): PTR_TO_MEM | MEM_RDONLY of size 0.
      const r = pointer('mem');
      r.rdonly = true;
      r.mem_size = 0;
      this.regs()[insn.dst_reg] = r;
      return;
    }
    // resolve_pseudo_ldimm64() has found the map by fd (src 1/2) or by its fd_array index (src 5/6).
    const byIdx = insn.src_reg === BPF_PSEUDO_MAP_IDX || insn.src_reg === BPF_PSEUDO_MAP_IDX_VALUE;
    const fd = byIdx ? this.env.fd_array?.[insn.imm >>> 0] : insn.imm;
    const map = fd === undefined ? undefined : this.env.mapById(fd);
    if (!map) reject(`fd ${fd ?? insn.imm} is not pointing to valid bpf_map`, 'EINVAL');
    if (insn.src_reg === BPF_PSEUDO_MAP_FD || insn.src_reg === BPF_PSEUDO_MAP_IDX) {
      const r = pointer('map_ptr');
      r.map = map;
      this.regs()[insn.dst_reg] = r;
    } else if (insn.src_reg === BPF_PSEUDO_MAP_VALUE || insn.src_reg === BPF_PSEUDO_MAP_IDX_VALUE) {
      const r = pointer('map_value', next.imm);
      r.map = map;
      this.regs()[insn.dst_reg] = r;
    } else {
      reject(`unsupported ld_imm64 source ${insn.src_reg}`, 'EINVAL');
    }
  }

  // ---------------------------------------------------------------- jumps

  private checkCondJmp(insn: BpfInsn, idx: number): number {
    const op = BPF_OP(insn.code);
    const j32 = BPF_CLASS(insn.code) === BPF_JMP32;
    if (op > 0xd0 && op !== BPF_JCOND) reject(`invalid BPF_JMP/JMP32 opcode ${op.toString(16)}`, 'EINVAL');
    const dst = this.readReg(insn.dst_reg);
    try {
      condJmpReserved(insn, idx);
    } catch (e) {
      if (e instanceof KernelError) reject(e.message, 'EINVAL');
      throw e;
    }
    let src: Reg;
    if (BPF_SRC(insn.code) === BPF_X) src = this.readReg(insn.src_reg);
    else src = this.immConst(idx, insn.imm, j32);
    const target = idx + insn.off + 1;
    // is_branch_taken(): two packet pointers compared in 64 bits are decided by is_pkt_ptr_branch_taken() alone.
    const pkts = !j32 && isPktPointerAny(dst) && isPktPointerAny(src);
    const pred = pkts ? isPktPtrBranchTaken(dst, src, op) : isBranchTaken(dst, src, op, j32);
    if (pred >= 0) {
      if (dst.type === 'scalar') this.markChainPrecision(insn.dst_reg);
      if (BPF_SRC(insn.code) === BPF_X && src.type === 'scalar') this.markChainPrecision(insn.src_reg);
      if (this.level) this.printInsnState();
      this.prevLogPos = 0;
      return pred === 1 ? target : idx + 1;
    }
    return this.condJmpBothWays(insn, idx, op, j32, dst, src, target);
  }

  /** Both outcomes possible: the taken branch is pushed, and each side learns what its outcome implies. */
  private condJmpBothWays(insn: BpfInsn, idx: number, op: number, j32: boolean, dst: Reg, src: Reg, target: number): number {
    // Before the other branch is made, so that both share the record (check_cond_jmp_op()).
    const ids: number[] = [];
    if (BPF_SRC(insn.code) === BPF_X && src.type === 'scalar' && src.id) ids.push(src.id);
    if (dst.type === 'scalar' && dst.id) ids.push(dst.id);
    if (ids.length) this.collectLinkedRegs(ids);
    const other = this.pushStack(target, idx);
    // The jump is in both branches' history, as the kernel's entries pushed before push_stack() are: backtracking
    // from the taken branch passes it too. A linked-register record is an entry of its own there.
    other.hist.push(histEncode(this.curHist));
    if (this.curHist.linked && !this.jmpP[idx]) other.jmp_history_cnt++;
    const oRegs = curFrame(other).regs;
    const tRegs = this.regs();
    if (BPF_SRC(insn.code) === BPF_X) {
      regSetMinMax(oRegs[insn.dst_reg]!, oRegs[insn.src_reg]!, tRegs[insn.dst_reg]!, tRegs[insn.src_reg]!, op, j32);
    } else {
      const c1 = copyReg(src);
      const c2 = copyReg(src);
      regSetMinMax(oRegs[insn.dst_reg]!, c1, tRegs[insn.dst_reg]!, c2, op, j32);
    }
    // sync_linked_regs(): registers sharing a scalar id learn the same bounds.
    for (const [st, regs] of [[other, oRegs], [this.cur, tRegs]] as const) {
      for (const r of BPF_SRC(insn.code) === BPF_X ? [insn.dst_reg, insn.src_reg] : [insn.dst_reg]) {
        const known = regs[r]!;
        if (known.type !== 'scalar' || !known.id) continue;
        for (const f of st.frames) {
          for (let i = 0; i < f.regs.length; i++) {
            const x = f.regs[i]!;
            if (x !== known && x.type === 'scalar' && x.id === known.id) {
              const c = copyReg(known);
              c.precise = x.precise;
              f.regs[i] = c;
            }
          }
          for (const s of f.stack) {
            if (isSpilledReg(s) && s.spilled.type === 'scalar' && s.spilled.id === known.id) {
              const c = copyReg(known);
              c.precise = s.spilled.precise;
              s.spilled = c;
            }
          }
        }
      }
    }
    // Null checks: mark_ptr_or_null_regs() on both branches.
    if (!j32 && BPF_SRC(insn.code) === 0 && insn.imm === 0 && (op === BPF_JEQ || op === BPF_JNE) && dst.maybeNull) {
      const id = dst.id;
      const refId = dst.ref_obj_id;
      this.markPtrOrNull(other, id, refId, op === BPF_JEQ);
      this.markPtrOrNull(this.cur, id, refId, op === BPF_JNE);
    } else if (!j32 && BPF_SRC(insn.code) === BPF_X) {
      // try_match_pkt_pointers(): a bounds check of the packet gives ranges (pointer comparisons are allowed to
      // the privileged loader, so no "pointer comparison prohibited" follows otherwise).
      tryMatchPktPointers(op, insn.dst_reg, insn.src_reg, tRegs[insn.dst_reg]!, tRegs[insn.src_reg]!, this.cur, other);
    }
    // A branch whose ranges are contradictory cannot be taken (reg_bounds_sanity_check()); drop it.
    if (regIsEmpty(oRegs[insn.dst_reg]!) || (oRegs[insn.src_reg] !== undefined && regIsEmpty(oRegs[insn.src_reg]!))) {
      this.stack.pop();
      if (other.parent) other.parent.branches--;
    }
    if (this.level) this.printInsnState();
    return idx + 1;
  }

  /** mark_ptr_or_null_regs(). */
  private markPtrOrNull(st: VerifierState, id: number, refId: number, isNullBranch: boolean): void {
    const fix = (r: Reg): Reg => {
      if (!r.maybeNull || r.id !== id) return r;
      if (isNullBranch) return scalarConst(0n);
      const c = copyReg(r);
      c.maybeNull = false;
      if (c.type !== 'mem' || !c.ringbuf) c.id = 0;
      return c;
    };
    for (const f of st.frames) {
      // A new array (a caller may still hold the old one), built by push: packed, as every regs array.
      const regs: Reg[] = [];
      for (let i = 0; i < f.regs.length; i++) regs.push(fix(f.regs[i]!));
      f.regs = regs;
      for (const s of f.stack) if (isSpilledReg(s)) s.spilled = fix(s.spilled);
    }
    if (isNullBranch && refId) st.refs = st.refs.filter((r) => r.id !== refId);
  }

  private checkMayGoto(insn: BpfInsn, idx: number): number {
    const prev = this.cur.parent ? this.findPrevEntry(this.cur.parent, idx) : undefined;
    const q = this.pushStack(idx + 1, idx);
    q.may_goto_depth = this.mayGotoDepth(this.cur) + 1;
    if (prev) widenImpreciseScalars(prev, q);
    return idx + insn.off + 1;
  }

  // ---------------------------------------------------------------- calls

  private checkCall(insn: BpfInsn, idx: number): number {
    if (insn.src_reg === BPF_PSEUDO_CALL) return this.checkFuncCall(idx, idx + insn.imm + 1);
    if (insn.src_reg === BPF_PSEUDO_KFUNC_CALL) {
      this.checkKfuncCall(insn, idx);
      return idx + 1;
    }
    if (BPF_SRC(insn.code) === BPF_X) reject('callx is not supported by Linux', 'EINVAL');
    return this.checkHelperCall(insn.imm, idx);
  }

  private clearCallerSaved(regs: Reg[]): void {
    for (let r = 0; r <= 5; r++) {
      regs[r] = notInit();
      this.scratchRegs.add(r);
    }
  }

  /** check_func_call(): a bpf-to-bpf call (setup_func_entry()'s frame limit: its message has no ` !`). */
  private checkFuncCall(idx: number, target: number): number {
    if (this.cur.frames.length >= MAX_CALL_FRAMES) reject(`the call stack of ${this.cur.frames.length + 1} frames is too deep`, 'E2BIG');
    const caller = curFrame(this.cur);
    const callee = newFrame(this.cur.frames.length, idx, target);
    for (let r = 1; r <= 5; r++) callee.regs[r] = copyReg(caller.regs[r]!);
    this.cur.frames.push(callee);
    // As __check_func_call(): the caller is printed without its caller-saved registers.
    this.clearCallerSaved(caller.regs);
    if (this.level) {
      this.verbose(`caller:\n${printState(this.cur, caller)}\ncallee:\n${printState(this.cur, callee)}\n`);
      this.prevLogPos = 0;
    }
    this.scratchAll = true;
    return target;
  }

  private checkHelperCall(id: number, idx: number): number {
    // A helper registered through register_helper() with an id the model has no proto for is an extension of the
    // model: the program type's get_func_proto() table does not apply to it.
    const extension = !HELPER_PROTOS.has(id) && this.env.helperProto?.(id) !== undefined;
    const proto = this.helperProto(id);
    if (!extension) {
      const gplRefused = this.env.gpl_compatible === false && !!proto?.gpl_only;
      const refusal = helperCallRefusal(this.progType, id, this.progType === 'syscall' || !!this.env.sleepable, gplRefused);
      if (refusal) reject(refusal, 'EINVAL');
    }
    // Departure from 6.18: a helper the kernel offers this type but the model does not implement (no proto here) is
    // refused; Linux goes on to check its arguments.
    const name = this.env.helperName(id) ?? (id >= 0 && id < BPF_FUNC_NAMES.length ? `bpf_${BPF_FUNC_NAMES[id]}` : 'unknown');
    if (!proto) reject(`invalid func ${name}#${id}`, 'EINVAL');
    const unimplemented = (): never => reject(`invalid func ${name}#${id}`, 'EINVAL');
    const regs = this.regs();
    let mapArg: BpfMap | undefined;
    let releaseRef = 0;
    let allocSize = 0n;
    let rawMode: { regno: number; size: number } | undefined;
    let callback: Reg | undefined;
    let constMapKey = -1n;
    for (let a = 0; a < proto.args.length; a++) {
      const regno = a + 1;
      const t = proto.args[a]!;
      const r = this.readReg(regno);
      // check_func_arg(): before the type check, a packet pointer to a helper without pkt_access. Only XDP has
      // packet pointers here, and for XDP may_access_direct_pkt_data() with a proto is its pkt_access.
      if (t !== 'anything' && isPktPointer(r) && !proto.pkt_access) reject('helper access to the packet is not allowed');
      this.checkArgType(regno, r, t);
      switch (t) {
        case 'const_map_ptr':
          mapArg = r.map;
          break;
        case 'map_key':
          if (!mapArg) reject('invalid map_ptr to access map->key');
          this.helperMemAccess(regno, mapArg.key_size, false, false);
          // can_elide_value_nullness(): an array's lookup with a key known on the stack.
          if (mapArg.type_name === 'BPF_MAP_TYPE_ARRAY' || mapArg.type_name === 'BPF_MAP_TYPE_PERCPU_ARRAY') {
            constMapKey = this.constantMapKey(r, mapArg.key_size);
          }
          break;
        case 'map_value':
          if (!mapArg) reject('invalid map_ptr to access map->value');
          this.helperMemAccess(regno, mapArg.value_size, false, false);
          break;
        case 'map_value_or_null':
          if (isNull(r)) break;
          if (!mapArg) reject('invalid map_ptr to access map->value');
          this.helperMemAccess(regno, mapArg.value_size, false, false);
          break;
        case 'const_size':
        case 'const_size_or_zero': {
          const zeroOk = t === 'const_size_or_zero';
          const prevType = proto.args[a - 1]!;
          if (r.smin < 0n) reject(`R${regno} min value is negative, either use unsigned or 'var &= const'`);
          if (r.umin === 0n && !zeroOk) reject(`R${regno} invalid zero-sized read: u64=[${r.umin},${r.umax}]`);
          if (r.umax >= BPF_MAX_VAR_SIZ) reject(`R${regno} unbounded memory access, use 'var &= const' or 'if (var < const)'`);
          const write = prevType === 'uninit_mem';
          // raw_mode (the memory is written byte by byte after the call) needs a constant size (check_mem_size_reg())
          // and a stack pointer of fixed offset (else check_stack_range_initialized() clobbers the range it checks).
          const ptr = regs[regno - 1]!;
          if (write && tnumIsConst(r.var_off) && (ptr.type !== 'fp' || tnumIsConst(ptr.var_off))) {
            this.helperMemAccessBounds(regno - 1, Number(r.umax), zeroOk);
            rawMode = { regno: regno - 1, size: Number(r.umax) };
          } else {
            this.helperMemAccess(regno - 1, Number(r.umax), write, zeroOk);
          }
          this.markChainPrecision(regno);
          break;
        }
        case 'const_alloc_size_or_zero':
          if (!tnumIsConst(r.var_off)) reject(`R${regno} is not a known constant'`);
          allocSize = r.var_off.v;
          this.markChainPrecision(regno);
          break;
        case 'alloc_mem':
          if (!r.ref_obj_id) reject(`R${regno} must be referenced when passed to release function`, 'EINVAL');
          if (r.off || !tnumIsConst(r.var_off) || r.var_off.v) reject(`R${regno} must have zero offset when passed to release func`);
          releaseRef = r.ref_obj_id;
          break;
        case 'func':
          callback = r;
          break;
        default:
          break;
      }
    }
    if (proto.unimplemented) unimplemented();
    // record_func_key(): a tail call's map must be a prog array (the kernel's line has no newline). The model creates
    // no BPF_MAP_TYPE_PROG_ARRAY, so every map is refused here.
    if (id === BPF_FUNC_TAIL_CALL) reject('expected prog array map for tail call', 'EINVAL', '');
    if (proto.release && releaseRef) this.releaseReference(releaseRef);
    if (rawMode) {
      const pr = regs[rawMode.regno]!;
      if (pr.type === 'fp') {
        const f = this.stackOf(pr);
        const base = Number(s64(pr.var_off.v)) + pr.off;
        for (let b = 0; b < rawMode.size; b++) this.stackWrite(f, base + b, 1, -1, false, 0);
      }
    }
    let next = idx + 1;
    if (proto.callback === 'loop' && callback) this.pushCallbackCall(idx, callback);
    this.clearCallerSaved(regs);
    let r0: Reg;
    switch (proto.ret) {
      case 'integer':
        r0 = scalarUnknown();
        if (id === 8) {
          r0.umax = BigInt((this.env.nr_cpus ?? 4) - 1);
          r0.smin = 0n;
          r0.smax = r0.umax;
          regBoundsSync(r0);
        }
        break;
      case 'void':
        r0 = notInit();
        break;
      case 'map_value_or_null':
        r0 = pointer('map_value');
        r0.map = mapArg;
        // bpf_map_lookup_elem() of an array with a constant key below max_entries cannot return NULL.
        if (id === 1 && mapArg && constMapKey >= 0n && constMapKey < BigInt(mapArg.max_entries)) break;
        r0.maybeNull = true;
        r0.id = this.newId();
        break;
      case 'ringbuf_mem_or_null': {
        r0 = pointer('mem');
        r0.ringbuf = true;
        r0.maybeNull = true;
        r0.mem_size = Number(allocSize);
        // check_helper_call() gives a maybe-NULL return an id (++id_gen) before acquire_reference() takes the next
        // one for it: the reference is id 2 in a program with no other ids.
        this.newId();
        const ref = this.acquireReference(idx);
        r0.id = ref;
        r0.ref_obj_id = ref;
        break;
      }
    }
    regs[0] = r0;
    if (mapArg) this.checkMapFuncCompatibility(mapArg, id, name, proto.mapType);
    next = idx + 1;
    return next;
  }

  /**
   * check_map_func_compatibility(), after the return register is set: a ring buffer takes only the ringbuf
   * helpers, and they take only a ring buffer (the modelled map types and helpers).
   */
  private checkMapFuncCompatibility(map: BpfMap, id: number, name: string, mapType?: string): void {
    const ringbufFn = RINGBUF_HELPERS.has(id);
    // The helpers of the other map types (perf event array, stack trace, cgroup storage) take only their own type.
    if ((map.type_name === 'BPF_MAP_TYPE_RINGBUF') !== ringbufFn || (mapType !== undefined && map.type_name !== mapType)) {
      reject(`cannot pass map_type ${map.map_type} into func ${name}#${id}`, 'EINVAL');
    }
  }

  /**
   * get_constant_map_key(): the key a stack pointer points at when it is known, zeroed bytes (STACK_ZERO) or a
   * spilled constant scalar of exactly the key's size (that slot is then marked precise); -1 otherwise.
   */
  private constantMapKey(key: Reg, keySize: number): bigint {
    if (key.type !== 'fp' || !tnumIsConst(key.var_off)) return -1n;
    const slotIdx = -(key.off + Number(s64(key.var_off.v))) - 1;
    const spi = Math.floor(slotIdx / 8);
    const s = this.stackOf(key).stack[spi];
    if (!s) return -1n;
    let zero = 0;
    for (let i = slotIdx % 8; i >= 0 && s.slot_type[i] === STACK_ZERO; i--) zero++;
    if (zero >= keySize) return 0n;
    if (!isSpilledReg(s) || s.spilled.type !== 'scalar') return -1n;
    let spill = 0;
    for (let i = slotIdx % 8; i >= 0 && s.slot_type[i] === STACK_SPILL; i--) spill++;
    if (spill !== keySize || !tnumIsConst(s.spilled.var_off)) return -1n;
    const bt = this.newBt();
    bt.slots[key.frameno]!.add(spi);
    this.backtrack(bt);
    return s64(s.spilled.var_off.v);
  }

  private checkArgType(regno: number, r: Reg, t: ArgType): void {
    const MEM = ['fp', 'pkt', 'pkt_meta', 'map_key', 'map_value', 'mem', 'ringbuf_mem', 'buf', 'trusted_ptr_'];
    const tstr = regTypeStr(r);
    const bad = (expected: string[]): never => reject(`R${regno} type=${tstr} expected=${expected.join(', ')}`);
    switch (t) {
      case 'anything':
        return;
      case 'const_map_ptr':
        if (r.type !== 'map_ptr') bad(['map_ptr']);
        return;
      case 'map_key':
      case 'map_value':
      case 'mem':
      case 'uninit_mem':
        if (r.maybeNull || r.rdonly || !['fp', 'map_value', 'mem', 'pkt', 'pkt_meta'].includes(r.type)) bad(MEM);
        return;
      case 'mem_rdonly':
        if (r.maybeNull || !['fp', 'map_value', 'mem'].includes(r.type)) bad(MEM);
        return;
      case 'const_size':
      case 'const_size_or_zero':
      case 'const_alloc_size_or_zero':
        if (r.type !== 'scalar') bad(['scalar']);
        return;
      case 'func':
        if (r.type !== 'func') bad(['func']);
        return;
      case 'stack_or_null':
        if (isNull(r)) return;
        if (r.type !== 'fp') bad(['fp']);
        return;
      case 'alloc_mem':
        if (r.type !== 'mem' || !r.ringbuf || r.maybeNull) bad(['ringbuf_mem']);
        return;
      case 'map_value_or_null':
        if (isNull(r)) return;
        if (r.maybeNull || r.rdonly || !['fp', 'map_value', 'mem'].includes(r.type)) bad(MEM);
        return;
      case 'btf_id_or_null':
        // compatible_reg_types[ARG_PTR_TO_BTF_ID]: btf_ptr_types. The model has no PTR_TO_BTF_ID registers.
        if (isNull(r)) return;
        bad(['ptr_', 'trusted_ptr_', 'rcu_ptr_']);
        return;
      case 'ctx':
        // check_reg_type(), then check_func_arg_reg_off(): the context pointer itself, unmodified.
        if (r.type !== 'ctx') bad(['ctx']);
        if (r.off) reject(`dereference of modified ctx ptr R${regno} off=${r.off} disallowed`);
        if (!tnumIsConst(r.var_off) || r.var_off.v) reject(`variable ctx access var_off=${tnumStr(r.var_off)} disallowed`);
        return;
    }
  }

  /** check_helper_mem_access() bounds only (raw mode: the helper writes). */
  private helperMemAccessBounds(regno: number, size: number, zeroOk: boolean): void {
    const r = this.regs()[regno]!;
    if (r.type === 'fp') {
      // check_stack_range_initialized(): a zero size is checked against the stack's bounds too.
      if (size === 0 && !zeroOk) reject('invalid zero-sized read');
      const [minOff] = this.stackBounds(r, regno, r.off, size, true);
      this.growStack(this.stackOf(r), minOff);
      return;
    }
    this.helperMemAccess(regno, size, true, zeroOk);
  }

  /** check_helper_mem_access(). */
  private helperMemAccess(regno: number, size: number, write: boolean, zeroOk: boolean): void {
    const r = this.regs()[regno]!;
    switch (r.type) {
      case 'pkt':
      case 'pkt_meta':
        this.packetAccess(r, regno, r.off, size, zeroOk);
        return;
      case 'map_value':
        this.memRegion(r, regno, r.off, size, r.map!.value_size, zeroOk);
        return;
      case 'mem':
        if (write && r.rdonly) reject(`R${regno} cannot write into ${regTypeStr(r)}`);
        this.memRegion(r, regno, r.off, size, r.mem_size, zeroOk);
        return;
      case 'fp': {
        // check_stack_range_initialized(): a zero size is checked against the stack's bounds too.
        if (size === 0 && !zeroOk) reject('invalid zero-sized read');
        const [minOff, maxOff] = this.stackBounds(r, regno, r.off, size, write);
        const f = this.stackOf(r);
        this.growStack(f, minOff);
        for (let a = minOff; a < maxOff; a++) {
          const spi = Math.floor((-a - 1) / 8);
          const s = this.slot(f, spi);
          const k = (-a - 1) % 8;
          const t = s.slot_type[k]!;
          // check_stack_range_initialized() does not mark the slots scratched: the log does not print them.
          if (t === STACK_MISC) continue;
          if (t === STACK_ZERO || t === STACK_INVALID) {
            if (write) s.slot_type[k] = STACK_MISC;
            continue;
          }
          if (t === STACK_SPILL) {
            if (write) {
              Object.assign(s.spilled, scalarUnknown());
              for (let j = 0; j < 8; j++) if (s.slot_type[j] !== STACK_INVALID) s.slot_type[j] = STACK_MISC;
            }
            continue;
          }
          if (tnumIsConst(r.var_off)) reject(`invalid read from stack R${regno} off ${minOff}+${a - minOff} size ${size}`);
          reject(`invalid read from stack R${regno} var_off ${tnumStr(r.var_off)}+${a - minOff} size ${size}`);
        }
        return;
      }
      default:
        if (zeroOk && size === 0 && isNull(r)) return;
        reject(`R${regno} type=${regTypeStr(r)} expected=fp`);
    }
  }

  private acquireReference(idx: number): number {
    const id = this.newId();
    this.cur.refs.push({ id, insn_idx: idx });
    return id;
  }

  /** release_reference(): drop the reference and invalidate every register that carried it. */
  private releaseReference(refId: number): void {
    const k = this.cur.refs.findIndex((r) => r.id === refId);
    if (k < 0) reject(`R1 must be referenced when passed to release function`, 'EINVAL');
    this.cur.refs.splice(k, 1);
    for (const f of this.cur.frames) {
      f.regs.forEach((r, i) => {
        if (r.ref_obj_id === refId) f.regs[i] = scalarUnknown();
      });
      for (const s of f.stack) if (isSpilledReg(s) && s.spilled.ref_obj_id === refId) s.spilled = scalarUnknown();
    }
  }

  /** push_callback_call() for bpf_loop: the callback is explored as a pushed state; the caller continues. */
  private pushCallbackCall(idx: number, fn: Reg): void {
    if (this.cur.frames.length >= MAX_CALL_FRAMES) reject(`the call stack of ${this.cur.frames.length + 1} frames is too deep`, 'E2BIG');
    const st = this.pushStack(fn.subprog, idx);
    const callee = newFrame(st.frames.length, idx, fn.subprog);
    const cr = curFrame(st).regs;
    callee.regs[1] = scalarUnknown();
    callee.regs[2] = copyReg(cr[3]!);
    callee.in_callback_fn = true;
    callee.callback_ret = [0n, 1n];
    st.frames.push(callee);
    st.callback_unroll_depth++;
  }

  /** Iterator slot an iterator argument register points at. */
  private iterSlotOf(st: VerifierState, r: Reg): StackSlot | undefined {
    if (r.type !== 'fp' || !tnumIsConst(r.var_off)) return undefined;
    const off = r.off + Number(s64(r.var_off.v));
    if (off % 8) return undefined;
    const spi = (-off - 1) >> 3;
    return st.frames[r.frameno]?.stack[spi];
  }

  /** kfuncProto() by BTF id, null for a kfunc that is not an iterator's. */
  private readonly kfuncProtos = new Map<number, KfuncProto | null>();

  /** check_kfunc_call(): the iterator kfuncs (process_iter_arg(), process_iter_next_call()). */
  private checkKfuncCall(insn: BpfInsn, idx: number): void {
    // check_kfunc_call(): imm 0 (libbpf's unresolved weak kfunc) is left for fixup_kfunc_call(), regs untouched.
    if (insn.imm === 0) return;
    const name = this.env.kfuncName(insn.imm);
    if (!name) reject(`kernel btf_id ${insn.imm} is not a function`, 'EINVAL');
    let kp = this.kfuncProtos.get(insn.imm);
    if (kp === undefined) {
      // Worked out once per kfunc of the program (the name's pattern and the registered prototype), then only read.
      kp = kfuncProto(name, this.env.kfuncProto?.(insn.imm)) ?? null;
      this.kfuncProtos.set(insn.imm, kp);
    }
    if (!kp?.iter) {
      const proto = this.env.kfuncArgs?.(insn.imm);
      // register_btf_kfunc_id_set(): a kfunc registered for some program types only.
      if (!proto || (proto.prog_types && !proto.prog_types.some((t) => progTypeOf(t) === this.progType))) reject(`calling kernel function ${name} is not allowed`, 'EACCES');
      return this.checkProtoKfuncCall(proto);
    }
    const regs = this.regs();
    // check_kfunc_args(): argument by argument, no check_reg_arg() read check: the iterator pointer (null, then
    // check_func_arg_reg_off(), then process_iter_arg()), then each scalar argument ("R%d is not a scalar").
    const r1 = regs[1]!;
    this.scratchRegs.add(1);
    this.kfuncPtrArg(r1, 0);
    if (r1.type !== 'fp') reject('arg#0 expected pointer to an iterator on stack', 'EINVAL');
    const iterType = kp.iterType!;
    const nr = kp.iterSlots ?? 1;
    const f = this.stackOf(r1);
    if (!tnumIsConst(r1.var_off)) reject('iter has to be at a constant offset', 'EINVAL');
    const off = r1.off + Number(s64(r1.var_off.v));
    const spiOf = (): number | undefined => {
      if (off % 8) reject(`cannot pass in iter at an offset=${off}`, 'EINVAL');
      const spi = (-off - 1) >> 3;
      if (spi + 1 < nr) reject(`cannot pass in iter at an offset=${off}`, 'EINVAL');
      if (spi >= f.stack.length) return undefined;
      return spi;
    };
    let refObjId = 0;
    let nextSlot: StackSlot | undefined;
    if (kp.iter === 'new') {
      let spi: number | undefined;
      try {
        spi = spiOf();
      } catch (e) {
        if (e instanceof VerifierError) throw new VerifierError(`${e.message}\nexpected uninitialized iter_${iterType} as arg #0`, 'EINVAL');
        throw e;
      }
      if (spi !== undefined) {
        for (let i = 0; i < nr; i++) if (f.stack[spi - i]?.slot_type.some((t) => t === STACK_ITER)) reject(`expected uninitialized iter_${iterType} as arg #0`, 'EINVAL');
      }
      for (let i = 0; i < nr * 8; i += 8) this.memAccess(1, i, 8, true, -1, false, 0, false);
      const s0 = (-off - 1) >> 3;
      const id = this.acquireReference(idx);
      for (let i = 0; i < nr; i++) {
        const s = this.slot(f, s0 - i);
        s.spilled = pointer('fp');
        s.spilled.ref_obj_id = i === 0 ? id : 0;
        s.iter = { type: iterType, state: 'active', depth: 0 };
        s.slot_type = [STACK_ITER, STACK_ITER, STACK_ITER, STACK_ITER, STACK_ITER, STACK_ITER, STACK_ITER, STACK_ITER];
        this.scratchSlots.add(s0 - i);
      }
    } else {
      const spi = spiOf();
      let valid = spi !== undefined;
      if (spi !== undefined) {
        for (let i = 0; i < nr && valid; i++) {
          const s = f.stack[spi - i];
          if (!s || s.slot_type.some((t) => t !== STACK_ITER) || !s.iter || s.iter.type !== iterType) valid = false;
          else if (i === 0 ? !s.spilled.ref_obj_id : s.spilled.ref_obj_id) valid = false;
        }
      }
      if (!valid) reject(`expected an initialized iter_${iterType} as arg #0`, 'EINVAL');
      nextSlot = f.stack[spi!]!;
      refObjId = nextSlot.spilled.ref_obj_id;
      this.scratchSlots.add(spi!);
      if (kp.iter === 'destroy') {
        this.releaseReference(refObjId);
        for (let i = 0; i < nr; i++) {
          const s = f.stack[spi! - i]!;
          s.spilled = notInit();
          s.iter = undefined;
          s.slot_type = [0, 0, 0, 0, 0, 0, 0, 0];
        }
      }
    }
    if (kp.iter === 'new') {
      for (let a = 0; a < (kp.scalarArgs ?? 0); a++) if (a !== kp.ignoredArg) this.kfuncScalarArg(a + 2);
    }
    this.clearCallerSaved(regs);
    if (kp.iter === 'new') {
      regs[0] = scalarUnknown();
    } else if (kp.iter === 'next') {
      const r0 = pointer('mem');
      r0.rdonly = true;
      r0.mem_size = kp.retMemSize ?? 4;
      r0.maybeNull = true;
      r0.id = this.newId();
      r0.ref_obj_id = refObjId;
      regs[0] = r0;
      this.processIterNextCall(idx, nextSlot!, r1.frameno, (-off - 1) >> 3);
    }
  }

  /** check_kfunc_args() for a kfunc registered with a prototype: a ctx pointer, read-only memory of a fixed size, scalars; returns an int. */
  private checkProtoKfuncCall(proto: { args: readonly string[] }): void {
    const regs = this.regs();
    proto.args.forEach((t, a) => {
      const regno = a + 1;
      if (t !== 'PTR_TO_CTX' && !/^PTR_TO_MEM\(\d+\)$/.test(t)) {
        this.kfuncScalarArg(regno);
        return;
      }
      const r = regs[regno]!;
      this.scratchRegs.add(regno);
      this.kfuncPtrArg(r, a);
      if (t === 'PTR_TO_CTX') {
        if (r.type !== 'ctx') reject(`arg#${a} expected pointer to ctx, but got ${regTypeStr(r)}`, 'EINVAL');
      } else {
        // check_mem_reg(): the pointer's type, then [ptr, ptr + size) readable.
        this.checkArgType(regno, r, 'mem_rdonly');
        this.helperMemAccess(regno, Number(/\d+/.exec(t)![0]), false, false);
      }
    });
    this.clearCallerSaved(regs);
    regs[0] = scalarUnknown();
  }

  /** A scalar argument of a kfunc (check_kfunc_args()): any other type, an unset register included, is EINVAL. */
  private kfuncScalarArg(regno: number): void {
    this.scratchRegs.add(regno);
    if (this.regs()[regno]!.type !== 'scalar') reject(`R${regno} is not a scalar`, 'EINVAL');
  }

  /**
   * The checks check_kfunc_args() makes on every pointer argument before its kind's own: not NULL (a known 0 or a
   * maybe-null type), then check_func_arg_reg_off(): stack, map value, memory and scalars may carry offsets, any
   * other type (ctx, map_ptr, an unset register) must be unmodified (__check_ptr_off_reg()).
   */
  private kfuncPtrArg(r: Reg, arg: number): void {
    const regno = arg + 1;
    if (isNull(r) || r.maybeNull) reject(`Possibly NULL pointer passed to trusted arg${arg}`);
    if (r.type === 'fp' || r.type === 'map_value' || r.type === 'mem' || r.type === 'scalar') return;
    const t = regTypeStr(r);
    if (r.off < 0) reject(`negative offset ${t} ptr R${regno} off=${r.off} disallowed`);
    if (r.off) reject(`dereference of modified ${t} ptr R${regno} off=${r.off} disallowed`);
    // __mark_reg_not_init() leaves an unset register's var_off unknown.
    const varOff = r.type === 'not_init' ? TNUM_UNKNOWN : r.var_off;
    if (!tnumIsConst(varOff) || varOff.v) reject(`variable ${t} access var_off=${tnumStr(varOff)} disallowed`);
  }

  /** process_iter_next_call(): queue the ACTIVE (non-NULL) outcome, continue with DRAINED and r0 = 0. */
  private processIterNextCall(idx: number, slot: StackSlot, frameIdx: number, spi: number): void {
    const it = slot.iter!;
    if (it.state === 'active') {
      const parent = this.cur.parent;
      if (!parent || parent.insn_idx !== idx || !sameCallsites(parent, this.cur)) reject('verifier bug: bad parent state for iter next call', 'EFAULT');
      const prev = this.findPrevEntry(parent, idx);
      const q = this.pushStack(idx + 1, idx);
      const qr = curFrame(q).regs;
      const qs = q.frames[frameIdx]!.stack[spi]!;
      qs.iter!.state = 'active';
      qs.iter!.depth++;
      if (prev) widenImpreciseScalars(prev, q);
      qr[0]!.maybeNull = false;
    }
    it.state = 'drained';
    this.regs()[0] = scalarConst(0n);
  }

  // ---------------------------------------------------------------- exit

  /** BPF_EXIT: returns the next instruction (return from a subprogram) or -1 at the end of the path. */
  private checkExit(idx: number): number {
    void idx;
    const depth = this.cur.frames.length - 1;
    if (depth === 0 && this.cur.refs.length) {
      const lines = this.cur.refs.map((r) => `Unreleased reference id=${r.id} alloc_insn=${r.insn_idx}`);
      reject(`${lines.join('\n')}\nBPF_EXIT instruction in main prog would lead to reference leak`, 'EINVAL');
    }
    if (depth > 0) return this.prepareFuncExit();
    this.readReg(0);
    return -1;
  }

  /** prepare_func_exit(). */
  private prepareFuncExit(): number {
    const st = this.cur;
    const callee = curFrame(st);
    const caller = st.frames[st.frames.length - 2]!;
    const r0 = callee.regs[0]!;
    if (r0.type === 'not_init' && callee.in_callback_fn) reject('R0 !read_ok');
    if (r0.type === 'fp') reject('cannot return stack pointer to the caller', 'EINVAL');
    let next: number;
    if (callee.in_callback_fn) {
      if (r0.type !== 'scalar') reject('R0 not a scalar value');
      this.markChainPrecision(0);
      const [lo, hi] = callee.callback_ret ?? [0n, 1n];
      if (r0.smin < lo || r0.smax > hi) {
        let s = 'At callback return the register R0 has';
        if (r0.smin > S64_MIN) s += ` smin=${r0.smin}`;
        if (r0.smax < S64_MAX) s += ` smax=${r0.smax}`;
        if (r0.smin === S64_MIN && r0.smax === S64_MAX) s += ' unknown scalar value';
        reject(`${s} should have been in [${lo}, ${hi}]`, 'EINVAL');
      }
      next = callee.callsite;
    } else {
      caller.regs[0] = copyReg(r0);
      next = callee.callsite + 1;
    }
    if (this.level) {
      this.verbose(`returning from callee:\n${printState(st, callee)}\nto caller at ${next}:\n`);
    }
    st.frames.pop();
    if (this.level) {
      this.verbose(`${printState(st, caller)}\n`);
      this.prevLogPos = 0;
    }
    // prepare_func_exit() scratches nothing: the caller's next instruction prints no state line; at log_level 2
    // process_bpf_exit_full() asks for a `from <exit> to <return site>:` state.
    this.resetScratch();
    this.doPrintState = true;
    if (callee.in_callback_fn) {
      const prev = this.findPrevEntry(st, next);
      if (prev) widenImpreciseScalars(prev, st);
    }
    return next;
  }

  /**
   * check_cfg(): every instruction is reachable from the first one. A function is reached through a call or a
   * BPF_PSEUDO_FUNC ld_imm64 (visit_func_call_insn()) that is itself reached: a subprogram only an unreachable
   * instruction names is unreachable. (The model has no bpf_throw, so no exception callback as a second root.)
   */
  private checkReachable(): void {
    const seen = new Uint8Array(this.n);
    const work = [0];
    while (work.length) {
      const pc = work.pop()!;
      if (pc < 0 || pc >= this.n || seen[pc]) continue;
      seen[pc] = 1;
      const i = this.insns[pc]!;
      const cls = BPF_CLASS(i.code);
      const op = BPF_OP(i.code);
      if (isLdImm64(i)) {
        // Its second slot is explored only by a jump into it.
        work.push(pc + 2);
        if (i.src_reg === BPF_PSEUDO_FUNC) work.push(pc + i.imm + 1);
        continue;
      }
      if (cls === BPF_JMP && op === BPF_CALL && i.src_reg === BPF_PSEUDO_CALL) work.push(pc + i.imm + 1);
      if ((cls === BPF_JMP || cls === BPF_JMP32) && op !== BPF_CALL) {
        if (op === BPF_EXIT) continue;
        work.push(branchTarget(this.insns, pc));
        if (op !== BPF_JA) work.push(pc + 1);
        continue;
      }
      work.push(pc + 1);
    }
    // In instruction order: the first instruction never reached, or an lddw whose second slot a jump reaches.
    for (let pc = 0; pc < this.n; pc++) {
      if (!seen[pc]) reject(`unreachable insn ${pc}`, 'EINVAL');
      if (isLdImm64(this.insns[pc]!)) {
        if (seen[pc + 1]) reject(`jump into the middle of ldimm64 insn ${pc}`, 'EINVAL');
        pc++;
      }
    }
  }

  /**
   * fixup_kfunc_call() after opt_remove_dead_code(): a kfunc call with imm 0 that the walk reached (an unreached
   * one is removed as dead code) was never a call to anything.
   */
  private fixupKfuncCalls(): void {
    for (let pc = 0; pc < this.n; pc++) {
      const i = this.insns[pc]!;
      if (this.insnChecked[pc] && i.code === (BPF_JMP | BPF_CALL) && i.src_reg === BPF_PSEUDO_KFUNC_CALL && i.imm === 0) {
        reject('invalid kernel function call not eliminated in verifier pass', 'EINVAL');
      }
    }
  }

  /** check_max_stack_depth(): the combined stack of any call chain stays within MAX_BPF_STACK. */
  /**
   * check_max_stack_depth() for the main program: every bpf-to-bpf call and callback address (ld_imm64
   * BPF_PSEUDO_FUNC) in a subprogram's instructions, reached by the walk or not, adds a frame, so a recursion
   * on a dead path is "too deep" here. Each frame's depth is rounded up to 16 bytes (round_up_stack_depth() of a
   * JIT-requested program, as x86-64 loads them).
   */
  private checkMaxStackDepth(): void {
    const round = (d: number): number => Math.ceil(d / 16) * 16;
    const starts = this.funcStarts;
    const end = (k: number): number => starts[k + 1] ?? this.n;
    const calls = (k: number): number[] => {
      const out: number[] = [];
      for (let pc = starts[k]!; pc < end(k); pc++) {
        const i = this.insns[pc]!;
        const call = i.code === (BPF_JMP | BPF_CALL) && i.src_reg === BPF_PSEUDO_CALL;
        if (call || (isLdImm64(i) && i.src_reg === BPF_PSEUDO_FUNC)) out.push(starts.indexOf(pc + i.imm + 1));
      }
      return out;
    };
    const walk = (k: number, depth: number, frame: number): void => {
      const total = depth + round(this.stackDepth.get(starts[k]!) ?? 0);
      if (total > MAX_BPF_STACK) reject(`combined stack size of ${frame + 1} calls is ${total}. Too large`);
      for (const callee of calls(k)) {
        if (frame + 1 >= MAX_CALL_FRAMES) reject(`the call stack of ${frame + 1} frames is too deep !`, 'E2BIG');
        walk(callee, total, frame + 1);
      }
    };
    walk(0, 0, 0);
  }

}

/** Runs the verifier over checked instructions (bpf_check()). */
export function bpfCheck(insns: readonly BpfInsn[], env: VerifierEnv): VerifierResult {
  return new Verifier(insns, env).run();
}

export { BPF_DW, BPF_ADD };

/** The name of a modelled map type (enum bpf_map_type). */
function mapTypeName(t: number): BpfMapTypeName {
  return (Object.keys(BPF_MAP_TYPE) as BpfMapTypeName[]).find((n) => BPF_MAP_TYPE[n] === t)!;
}
