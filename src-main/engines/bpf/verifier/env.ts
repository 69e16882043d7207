/**
 * struct bpf_verifier_env (include/linux/bpf_verifier.h, Linux 6.18): the state of one bpf_check() run, and the
 * small helpers of kernel/bpf/verifier.c that every part of the walk shares: check_reg_arg() (readReg(),
 * writeReg()), cur_regs(), verbose() and print_insn_state(), push_stack() and find_prev_entry(), the explored-state
 * counts (update_peak_states(), maybe_free_verifier_state(), incomplete_read_marks()), update_stack_depth(), and
 * check_cfg()'s visit_insn() (prune points, forced checkpoints, jump points), run when the env is made. The parts of
 * the verifier are free functions that take the env first, in files named for the kernel's parts (see verifier.ts).
 */
import { branchTarget } from '../check';
import { printBpfInsn } from '../disasm';
import {
  BPF_CALL,
  BPF_CLASS,
  BPF_EXIT,
  BPF_JA,
  BPF_JCOND,
  BPF_JMP,
  BPF_JMP32,
  BPF_OP,
  BPF_PSEUDO_CALL,
  BPF_PSEUDO_FUNC,
  BPF_PSEUDO_KFUNC_CALL,
  MAX_CALL_FRAMES,
  isLdImm64,
} from '../isa';
import type { BpfInsn } from '../isa';
import type { BpfMap } from '../maps';
import { VerifierError, reject } from './error';
import type { VerifierErrno } from './error';
import { computeLiveRegisters } from './liveness';
import { computeScc } from './scc';
import { progTypeOf } from './prog-types';
import type { ProgType } from './prog-types';
import { VerifierLog } from './log';
import { HELPER_PROTOS, kfuncProto } from './protos';
import type { HelperProto, KfuncProto } from './protos';
import { scalarConst } from './reg';
import type { Reg } from './reg';
import { copyState, curFrame, newSlot, printState, sameCallsites } from './state';
import type { FuncState, HistEntry, StackSlot, VerifierState } from './state';
import { tnumIsConst, u32, s64 } from './tnum';

/** BPF_COMPLEXITY_LIMIT_INSNS. */
export const BPF_COMPLEXITY_LIMIT_INSNS = 1_000_000;
/** BPF_COMPLEXITY_LIMIT_JMP_SEQ. */
export const BPF_COMPLEXITY_LIMIT_JMP_SEQ = 8192;
export const BPF_MAX_VAR_OFF = 1n << 29n;
export const BPF_MAX_VAR_SIZ = 1n << 29n;

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

export interface StateListEntry {
  st: VerifierState;
  miss: number;
  hit: number;
}

export interface Pending {
  st: VerifierState;
  insn: number;
  prev: number;
  logLen: number;
  path: number;
}

/** Backtracking state for precision (struct backtrack_state), per frame: register masks and stack slot sets. */
export interface Bt {
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

/**
 * struct bpf_verifier_env: one run's program, attributes, explored states, branch stack and log. Its fields are
 * read and written by the parts of the verifier (the kernel's env->...); nothing outside the verifier uses them.
 */
export class BpfVerifierEnv {
  readonly insns: readonly BpfInsn[];
  readonly attr: VerifierEnv;
  readonly n: number;
  readonly level: number;
  /** BPF_F_TEST_STATE_FREQ and the processed-instruction budget, read on every instruction. */
  readonly testStateFreq: boolean;
  readonly insnLimit: number;
  /** attr.trace: the steps and the exploration tree are recorded only then. */
  readonly trace: boolean;
  readonly progType: ProgType;
  readonly pruneP: Uint8Array;
  readonly forceCkpt: Uint8Array;
  readonly callsCallback: Uint8Array;
  readonly iterNext: Uint8Array;
  /** is_jmp_point(): where the kernel records jump history (branch targets, call returns). */
  readonly jmpP: Uint8Array;
  readonly live: Uint16Array;
  readonly scc: Int32Array;
  /** struct bpf_scc_visit by SCC and call chain: the entry checkpoint and the back edges recorded meanwhile. */
  readonly sccVisits = new Map<
    string,
    { entry: VerifierState; backedges: { st: VerifierState; old: VerifierState }[] }
  >();
  readonly funcStarts: number[];
  /** explored_states by instruction: checkpoints, newest first. */
  readonly explored: (StateListEntry[] | undefined)[] = [];
  readonly stack: Pending[] = [];
  cur!: VerifierState;
  insnIdx = 0;
  /** XDP context loads by instruction (insn_aux_data's ptr_type == PTR_TO_CTX, for convert_ctx_accesses()). */
  readonly ctxLoads = new Map<number, number>();
  maxCtxOffset = 0;
  prevInsnIdx = -1;
  idGen = 0;
  uidGen = 0;
  insnProcessed = 0;
  jmpsProcessed = 0;
  prevJmps = 0;
  prevInsns = 0;
  totalStates = 0;
  exploredSize = 0;
  /** env->free_list: checkpoints dropped from the explored lists but still referenced (branches or pending loop). */
  readonly freeList = new Set<VerifierState>();
  /** env->num_backedges: back edges held by SCC visits until the loop is left. */
  numBackedges = 0;
  peakStates = 0;
  maxStatesPerInsn = 0;
  readonly stackDepth = new Map<number, number>();
  // Log.
  readonly buf: VerifierLog;
  prevLogPos = 0;
  prevInsnPrintPos = 0;
  /** Registers and slots the log prints after the instruction (not kept at log_level 0, where nothing is printed). */
  readonly scratchRegs: Set<number>;
  readonly scratchSlots: Set<number>;
  scratchAll = true;
  doPrintState = false;
  readonly steps: VerifierStep[] = [];
  readonly paths: VerifierPath[] = [];
  pathId = 0;
  readonly immRegs: Reg[] = [];
  /** Instructions whose encoding the walk has checked (checkInsn()). */
  readonly insnChecked: Uint8Array;
  /** The step being processed, pushed encoded once it is done (one object, reused). */
  readonly curHist: HistEntry = { idx: 0, spi: -1, spiFrame: undefined, frame: 0, linked: 0 };
  /** Instruction is_state_visited() compares at, for liveAt(). */
  liveIdx = 0;
  /** Whether register r of frame f (of the current state) is live at liveIdx; one closure for the whole run. */
  readonly liveAt = (f: FuncState, r: number): boolean => {
    if (r === 10) return true;
    const cur = this.cur;
    const at = f.frameno + 1 < cur.frames.length ? cur.frames[f.frameno + 1]!.callsite : this.liveIdx;
    return !!(this.live[at]! & (1 << r));
  };
  /** The backtracking state, one for the run: a walk never starts while another is under way. */
  readonly btState: Bt = {
    regs: new Array<number>(MAX_CALL_FRAMES).fill(0),
    slots: Array.from({ length: MAX_CALL_FRAMES }, () => new Set<number>()),
    frame: 0,
  };
  /** Linked-register sets recorded at jumps (struct linked_regs), by record id - 1; one per distinct set. */
  readonly linkedRecords: { frame: number; isReg: boolean; n: number }[][] = [];
  readonly linkedIds = new Map<string, number>();
  /** kfuncProto() by BTF id, null for a kfunc that is not an iterator's. */
  readonly kfuncProtos = new Map<number, KfuncProto | null>();

  constructor(insns: readonly BpfInsn[], attr: VerifierEnv) {
    this.insnChecked = new Uint8Array(insns.length);
    this.insns = insns;
    this.attr = attr;
    this.n = insns.length;
    this.level = attr.log_level ?? 1;
    this.testStateFreq = !!attr.test_state_freq;
    this.insnLimit = attr.insn_limit ?? BPF_COMPLEXITY_LIMIT_INSNS;
    this.trace = !!attr.trace;
    this.buf = new VerifierLog(attr.log_size);
    this.scratchRegs = this.level ? new Set<number>() : new NoScratch();
    this.scratchSlots = this.level ? new Set<number>() : new NoScratch();
    const pt = progTypeOf(attr.prog_type);
    if (!pt) throw new VerifierError(`unknown program type ${attr.prog_type}`, 'EINVAL');
    this.progType = pt;
    this.pruneP = new Uint8Array(this.n + 1);
    this.forceCkpt = new Uint8Array(this.n + 1);
    this.callsCallback = new Uint8Array(this.n + 1);
    this.iterNext = new Uint8Array(this.n + 1);
    this.jmpP = new Uint8Array(this.n + 1);
    const starts = new Set([0]);
    for (let pc = 0; pc < this.n; pc++) {
      const i = insns[pc]!;
      this.visit_insn(pc, i, starts);
      if (isLdImm64(i)) pc++;
    }
    this.funcStarts = [...starts].sort((a, b) => a - b);
    this.live = computeLiveRegisters(insns, (call) => {
      if (call.src_reg === BPF_PSEUDO_KFUNC_CALL) {
        const kp = kfuncProto(this.attr.kfuncName(call.imm) ?? '');
        return kp?.iter ? 1 + (kp.scalarArgs ?? 0) : undefined;
      }
      const p = this.get_helper_proto(call.imm);
      return p?.unimplemented ? undefined : p?.args.length;
    });
    this.scc = computeScc(insns);
  }

  sccKey(st: VerifierState): string | undefined {
    const id = this.scc[st.insn_idx]!;
    if (!id) return undefined;
    let key = `${id}:`;
    for (let i = 0; i < st.frames.length; i++) key += i ? `,${st.frames[i]!.callsite}` : `${st.frames[i]!.callsite}`;
    return key;
  }

  /** incomplete_read_marks(): the state is in a loop whose exploration has pending back edges. */
  incomplete_read_marks(st: VerifierState): boolean {
    const key = this.sccKey(st);
    if (!key) return false;
    const v = this.sccVisits.get(key);
    return !!v && v.backedges.length > 0;
  }

  /** update_peak_states(): explored checkpoints, the free list and pending back edges all hold states. */
  update_peak_states(): void {
    this.peakStates = Math.max(this.peakStates, this.exploredSize + this.freeList.size + this.numBackedges);
  }

  /** maybe_free_verifier_state(): a dropped checkpoint is freed once nothing refers to it. */
  maybe_free_verifier_state(st: VerifierState): void {
    if (st.branches !== 0 || !this.freeList.has(st) || this.incomplete_read_marks(st)) return;
    this.freeList.delete(st);
  }

  /** visit_insn() of check_cfg(): prune points, forced checkpoints, function starts. */
  visit_insn(pc: number, i: BpfInsn, starts: Set<number>): void {
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
        const name = this.attr.kfuncName(i.imm);
        if (name && kfuncProto(name, this.attr.kfuncProto?.(i.imm))?.iter === 'next') {
          this.pruneP[pc] = 1;
          this.forceCkpt[pc] = 1;
          this.iterNext[pc] = 1;
        }
      }
      if (i.src_reg === 0 && this.get_helper_proto(i.imm)?.callback) {
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

  get_helper_proto(id: number): HelperProto | undefined {
    return HELPER_PROTOS.get(id) ?? this.attr.helperProto?.(id);
  }

  verbose(s: string): void {
    if (this.level) this.buf.append(s);
  }

  print_insn_state(): void {
    if (!this.level) return;
    const frame = curFrame(this.cur);
    const only = this.scratchAll ? undefined : { regs: this.scratchRegs, slots: this.scratchSlots };
    const st = printState(this.cur, frame, only);
    this.mark_verifier_state_clean();
    if (this.prevLogPos && this.prevLogPos === this.buf.len) {
      this.buf.truncate(this.buf.len - 1);
      const pos = this.prevInsnPrintPos;
      const w = Math.ceil(Math.max(pos + 4, 40) / 8) * 8 - pos - 1;
      this.buf.append(`${' '.repeat(w)};${st}\n`);
    } else {
      this.buf.append(`${this.insnIdx}:${st}\n`);
    }
  }

  verifier_state_scratched(): boolean {
    return this.scratchAll || this.scratchRegs.size > 0 || this.scratchSlots.size > 0;
  }

  mark_verifier_state_clean(): void {
    this.scratchAll = false;
    if (this.scratchRegs.size) this.scratchRegs.clear();
    if (this.scratchSlots.size) this.scratchSlots.clear();
  }

  insnStr(pc: number): string {
    return printBpfInsn(this.insns[pc]!, this.insns[pc + 1], {
      kfuncName: (id) => this.attr.kfuncName(id),
      helperName: (id) => this.attr.helperName(id),
    });
  }

  cur_regs(): Reg[] {
    return curFrame(this.cur).regs;
  }

  /** check_reg_arg(SRC_OP). */
  readReg(r: number): Reg {
    if (r > 10) reject(`R${r} is invalid`, 'EINVAL');
    const reg = this.cur_regs()[r]!;
    this.scratchRegs.add(r);
    if (reg.type === 'not_init') reject(`R${r} !read_ok`);
    return reg;
  }

  /** check_reg_arg(DST_OP): R10 is read-only. */
  writeReg(r: number): void {
    if (r > 10) reject(`R${r} is invalid`, 'EINVAL');
    if (r === 10) reject('frame pointer is read only');
    this.scratchRegs.add(r);
  }

  setReg(r: number, v: Reg): void {
    this.cur_regs()[r] = v;
    this.scratchRegs.add(r);
  }

  /** The BPF_K operand of instruction idx as a known scalar, made once per instruction; only read (frozen). */
  immConst(idx: number, imm: number, narrow32: boolean): Reg {
    let r = this.immRegs[idx];
    if (!r) {
      // The BigInt is made here, once, not on every visit of the instruction.
      r = Object.freeze(scalarConst(narrow32 ? u32(BigInt(imm)) : BigInt(imm)));
      this.immRegs[idx] = r;
    }
    return r;
  }

  newId(): number {
    return ++this.idGen;
  }

  /** push_stack(): a copy of the current state to explore later from `insn`. */
  push_stack(insn: number, prev: number): VerifierState {
    const st = copyState(this.cur, ++this.uidGen);
    if (st.parent) st.parent.branches++;
    // The exploration tree is kept for a trace only (its node ids are the UI's).
    const path = this.paths.length;
    if (this.trace) this.paths.push({ id: path, parent: this.pathId, from: prev, to: insn });
    this.stack.push({ st, insn, prev, logLen: this.buf.len, path });
    if (this.stack.length > BPF_COMPLEXITY_LIMIT_JMP_SEQ)
      reject(`The sequence of ${this.stack.length} jumps is too complex.`, 'E2BIG');
    return st;
  }

  mayGotoDepth(st: VerifierState): number {
    return st.may_goto_depth;
  }

  /** find_prev_entry(): the nearest checkpoint at `idx` still on the current DFS path. */
  find_prev_entry(st: VerifierState, idx: number): VerifierState | undefined {
    for (const sl of this.explored[idx] ?? []) {
      if (sl.st.insn_idx === idx && sl.st.branches && sameCallsites(sl.st, st) && sl.st.dfs_depth < st.dfs_depth)
        return sl.st;
    }
    return undefined;
  }

  /** An empty backtracking state (btState, cleared) in the current frame. */
  newBt(): Bt {
    const bt = this.btState;
    for (let f = 0; f < MAX_CALL_FRAMES; f++) {
      bt.regs[f] = 0;
      if (bt.slots[f]!.size) bt.slots[f]!.clear();
    }
    bt.frame = this.cur.frames.length - 1;
    return bt;
  }

  stackOf(r: Reg): FuncState {
    return this.cur.frames[r.frameno]!;
  }

  slot(f: FuncState, spi: number): StackSlot {
    while (f.stack.length <= spi) f.stack.push(newSlot());
    return f.stack[spi]!;
  }

  update_stack_depth(f: FuncState, minOff: number): void {
    const depth = -minOff;
    const prev = this.stackDepth.get(f.subprog) ?? 0;
    if (depth > prev) this.stackDepth.set(f.subprog, depth);
  }

  /** Iterator slot an iterator argument register points at. */
  iterSlotOf(st: VerifierState, r: Reg): StackSlot | undefined {
    if (r.type !== 'fp' || !tnumIsConst(r.var_off)) return undefined;
    const off = r.off + Number(s64(r.var_off.v));
    if (off % 8) return undefined;
    const spi = (-off - 1) >> 3;
    return st.frames[r.frameno]?.stack[spi];
  }
}
