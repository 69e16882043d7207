/**
 * The run-time environment shared by the interpreter and the JIT: the address space, the 8 stack frames of
 * 512 bytes, the helper and kfunc tables, the instruction budget, and the calling conventions.
 *
 * Register file: an Int32Array of 22 words, register n at [2n] (lo) and [2n+1] (hi). A local call pushes onto a
 * call-stack Int32Array of CS_WORDS words per frame: return pc, then r6..r9 (lo, hi), so the interpreter and
 * the JIT can hand an invocation over to each other mid-run.
 */
import { KernelError } from '../common/errors';
import { BPF_MAX_LOOPS, MAX_BPF_STACK, MAX_CALL_FRAMES } from './isa';
import type { BpfInsn } from './isa';
import { BpfRegion, fmtAddr, regionHi } from './memory';
import type { AddressSpace } from './memory';
import { u64 } from './alu64';
import { Prng } from '../common/prng';
import { BPF_FUNC_NAMES } from './helper-ids';

export const CS_WORDS = 9;

/** A helper or kfunc implementation: reads r1..r5 from `regs`, writes r0 (regs[0] lo, regs[1] hi). */
export type BpfHelperFn = (vm: BpfVm, regs: Int32Array) => void;

/** An entry of the helper table (bpf_func_proto, minus what the verifier issue adds). */
export interface BpfHelper {
  /** Kernel helper id (enum bpf_func_id) or, for kfuncs, the pseudo BTF id. */
  id: number;
  name: string;
  fn: BpfHelperFn;
  /** Free-form prototype data for the verifier (argument and return types). */
  proto?: Record<string, unknown>;
}

/** Thrown by a helper to end the program at once with r0 = retval (the conformance suite's unwind helper). */
export class BpfStop {
  constructor(readonly retval: number) {}
}

/** A program after load: its instructions, pre-decoded into flat typed arrays for both engines. */
export interface LoadedInsns {
  insns: readonly BpfInsn[];
  len: number;
  code: Uint8Array;
  dst: Uint8Array;
  src: Uint8Array;
  off: Int32Array;
  imm: Int32Array;
  /** For an lddw at pc: the resolved 64-bit value's hi word in hi64[pc] (its lo word is in imm64lo[pc]). */
  hi64: Int32Array;
  lo64: Int32Array;
  /** Function entry points (pc 0 and every local-call / function-address target). */
  funcStarts: Set<number>;
}

/**
 * One execution engine: runs from `pc` with call-stack depth `depth` until the invocation's frame exits. An engine
 * with `linear` set wants the run's stacks in the address space's WebAssembly memory (the WebAssembly JIT).
 */
export type BpfExecFn = ((
  vm: BpfVm,
  regs: Int32Array,
  pc: number,
  cs: Int32Array,
  depth: number,
  base: number,
) => void) & {
  linear?: boolean;
};

/** Code address of a function (what `lddw rX, <func>` loads): 0xffffffffa0000000 + 8*pc, like kernel text. */
export const CODE_HI = -1;
export const CODE_LO_BASE = 0xa0000000 | 0;

export interface BpfVmOptions {
  space: AddressSpace;
  helpers: ReadonlyMap<number, BpfHelper>;
  kfuncs: ReadonlyMap<number, BpfHelper>;
  budget: number;
  /** Console sink for bpf_trace_printk and friends. */
  log?: (line: string) => void;
  /** Virtual clock in ns (bpf_ktime_get_ns). */
  now?: () => bigint;
  cpu?: number;
  /** Random u32 source (bpf_get_prandom_u32). */
  prandom?: () => number;
  /**
   * Soundness runs: fill what a program may not read before writing it (every stack frame, the registers the
   * run does not set, r1..r5 after each helper or kfunc call) with garbage from this seed instead of zeros.
   * Linux leaves these as whatever was there; a verifier that lets a program read them is unsound, and the
   * garbage makes the program's behaviour show it.
   */
  poison?: number;
}

/** The state of one program run. */
export class BpfVm {
  readonly space: AddressSpace;
  readonly helpers: ReadonlyMap<number, BpfHelper>;
  readonly kfuncs: ReadonlyMap<number, BpfHelper>;
  readonly stacks: BpfRegion[] = [];
  /**
   * may_goto counters, one per frame, set to BPF_MAX_LOOPS when the frame is entered.
   * Departure from Linux: the kernel keeps this counter in 8 extra bytes of the frame's stack.
   */
  readonly mayGoto = new Int32Array(MAX_CALL_FRAMES);
  /** hi word of each frame's stack (r10's hi half). */
  readonly fpHis = new Int32Array(MAX_CALL_FRAMES);
  /** Instructions still allowed; counts down. */
  left: number;
  readonly budget: number;
  prog!: LoadedInsns;
  exec!: BpfExecFn;
  readonly log: (line: string) => void;
  readonly now: () => bigint;
  readonly cpu: number;
  readonly prandom: () => number;
  /** Frames in use by enclosing invocations (bpf_loop callbacks nest). */
  frameBase = 0;
  /** The garbage source of a soundness run (BpfVmOptions.poison), or undefined. */
  readonly poison: Prng | undefined;

  constructor(opts: BpfVmOptions) {
    this.space = opts.space;
    this.helpers = opts.helpers;
    this.kfuncs = opts.kfuncs;
    this.budget = opts.budget;
    this.left = opts.budget;
    this.log = opts.log ?? (() => {});
    this.now = opts.now ?? (() => 0n);
    this.cpu = opts.cpu ?? 0;
    this.prandom = opts.prandom ?? (() => 0);
    this.poison = opts.poison === undefined ? undefined : new Prng(opts.poison);
  }

  /** Overwrites regs[from..to] (register numbers) with garbage in a soundness run. */
  poisonRegs(regs: Int32Array, from: number, to: number): void {
    const p = this.poison;
    if (p) for (let i = 2 * from; i <= 2 * to + 1; i++) regs[i] = p.nextU32() | 0;
  }

  /**
   * This run's chunk of the address space's WebAssembly memory (LinearMemory), holding its stacks, or -1: set
   * by mapStacks() when the engine asks for it (BpfExecFn.linear), which then runs with them there.
   */
  linChunk = -1;

  /** Maps the 8 stack frames (zeroed) into the address space; call unmapStacks() after the run. */
  mapStacks(): void {
    const lin = this.exec.linear ? this.space.linearMemory() : undefined;
    this.linChunk = lin ? lin.allocChunk() : -1;
    for (let f = 0; f < MAX_CALL_FRAMES; f++) {
      const at = this.linChunk + f * MAX_BPF_STACK;
      const bytes = lin && this.linChunk >= 0 ? lin.u8.subarray(at, at + MAX_BPF_STACK) : new Uint8Array(MAX_BPF_STACK);
      const r = new BpfRegion(bytes, { name: `stack${f}` });
      if (this.linChunk >= 0) r.lin = at;
      if (this.poison) for (let i = 0; i < MAX_BPF_STACK; i += 4) r.dv.setUint32(i, this.poison.nextU32());
      this.space.map(r);
      this.stacks.push(r);
      this.fpHis[f] = regionHi(r);
    }
  }

  unmapStacks(): void {
    for (const r of this.stacks) this.space.unmap(r);
    this.stacks.length = 0;
    if (this.linChunk >= 0) this.space.linear?.freeChunk(this.linChunk);
    this.linChunk = -1;
  }

  /** Frame pointer (r10) of frame f: the top of its 512-byte stack. */
  fpHi(f: number): number {
    return this.fpHis[f]!;
  }

  /** The offset into the region that accessCarry() returned. */
  carryOff = 0;

  /**
   * The slow path of a load or store at base + off, where the base register's own region did not hold it: the
   * 64-bit add carries into the address's hi word (a pointer moved below its object and back in by the
   * instruction's offset), so the region is the carried hi word's. Faults when that region does not hold it.
   * `o` is the base's low word plus the offset, possibly outside [0, 2^32).
   */
  accessCarry(pc: number, store: boolean, baseHi: number, o: number, size: number): BpfRegion {
    const hi = o < 0 ? (baseHi - 1) | 0 : o > 0xffffffff ? (baseHi + 1) | 0 : baseHi;
    if (hi !== baseHi) {
      const r = this.space.regionOf(hi);
      const lo = o >>> 0;
      if (r !== undefined && lo + size <= r.size && (!store || r.writable)) {
        this.carryOff = lo;
        return r;
      }
    }
    return this.memFault(pc, store, baseHi, o, size);
  }

  // ---- faults (identical text from both engines) ----

  /** An access outside every region, or a store into a read-only one. */
  memFault(pc: number, store: boolean, baseHi: number, o: number, size: number): never {
    // o is the base register's low word plus the offset, possibly outside [0, 2^32): carry into hi.
    const hi = o < 0 ? (baseHi - 1) | 0 : o > 0xffffffff ? (baseHi + 1) | 0 : baseHi;
    const lo = o | 0;
    const r = this.space.regionOf(baseHi);
    const why =
      r && store && !r.writable && o >= 0 && o + size <= r.size
        ? `read-only memory (${r.name})`
        : 'out of bounds memory';
    throw new KernelError(
      'EFAULT',
      `${why} ${store ? 'store' : 'load'} at insn ${pc}, addr ${fmtAddr(hi, lo)}, size ${size}`,
      { insn: pc },
    );
  }

  budgetFault(pc: number): never {
    throw new KernelError('ETIMEDOUT', `instruction budget of ${this.budget} exhausted at insn ${pc}`, { insn: pc });
  }

  callDepthFault(pc: number, frames: number): never {
    throw new KernelError('EINVAL', `the call stack of ${frames} frames is too deep !`, { insn: pc });
  }

  /**
   * A legacy packet load (BPF_LD | BPF_ABS/BPF_IND, gen_ld_abs()'s bpf_skb_load_helper_{8,16,32}()): the byte,
   * big-endian half or word at imm (+ the source register's low word for BPF_IND) of the packet R6 points at, or -1
   * when it is not inside the packet (the program then returns 0). Departure (6.18): the model's skb is its data
   * (as its socket filter context is), so the SKF_NET_OFF / SKF_LL_OFF negative offsets are outside it too.
   */
  ldAbs(code: number, skbHi: number, skbLo: number, srcLo: number, imm: number): number {
    const size = (code & 0x18) === 0x10 ? 1 : (code & 0x18) === 0x08 ? 2 : 4;
    const off = (code & 0xe0) === 0x40 ? (srcLo + imm) | 0 : imm;
    if (off < 0) return -1;
    const b = this.bytes(skbHi, (skbLo + off) | 0, size);
    if (!b || (skbLo >>> 0) + off + size > 0xffffffff) return -1;
    return size === 1
      ? b[0]!
      : size === 2
        ? (b[0]! << 8) | b[1]!
        : ((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0;
  }

  /** Calls helper `id` with r1..r5 in regs; r0 comes back in regs. */
  callHelper(pc: number, id: number, regs: Int32Array): void {
    const h = this.helpers.get(id);
    if (!h) {
      // A helper of Linux 6.18 (the verifier may know its proto) that the model's run does not implement.
      const name = id >= 0 && id < BPF_FUNC_NAMES.length ? BPF_FUNC_NAMES[id] : undefined;
      if (name)
        throw new KernelError('EOPNOTSUPP', `bpf_${name}#${id} at insn ${pc}: the model does not run this helper`, {
          insn: pc,
        });
      throw new KernelError('EINVAL', `invalid func unknown#${id}`, { insn: pc });
    }
    h.fn(this, regs);
    if (this.poison) this.poisonRegs(regs, 1, 5); // caller-saved: the verifier marks r1..r5 unreadable after a call
  }

  callKfunc(pc: number, id: number, regs: Int32Array): void {
    const h = this.kfuncs.get(id);
    if (!h) throw new KernelError('EINVAL', `calling kernel function ${id} is not allowed`, { insn: pc });
    h.fn(this, regs);
    if (this.poison) this.poisonRegs(regs, 1, 5);
  }

  /** callx: the helper id is the value of dst_reg. */
  callx(pc: number, hi: number, lo: number, regs: Int32Array): void {
    if (hi !== 0 || lo < 0) throw new KernelError('EINVAL', `invalid func unknown#${u64(hi, lo)}`, { insn: pc });
    this.callHelper(pc, lo, regs);
  }

  /** Runs the subprogram at `pc` as a callback (bpf_loop): a new invocation with r1..r5 given; returns r0 (lo, hi in OUT). */
  callFunction(pc: number, args: readonly [number, number][], outR0: Int32Array): void {
    const base = this.frameBase + 1;
    if (base >= MAX_CALL_FRAMES) this.callDepthFault(pc, base + 1);
    const regs = new Int32Array(22);
    this.poisonRegs(regs, 0, 9);
    for (let i = 0; i < args.length && i < 5; i++) {
      regs[2 + 2 * i] = args[i]![0];
      regs[3 + 2 * i] = args[i]![1];
    }
    regs[20] = MAX_BPF_STACK;
    regs[21] = this.fpHi(base);
    const saved = this.frameBase;
    this.frameBase = base;
    this.mayGoto[base] = BPF_MAX_LOOPS;
    try {
      this.exec(this, regs, pc, new Int32Array(CS_WORDS * MAX_CALL_FRAMES), 0, base);
    } finally {
      this.frameBase = saved;
    }
    outR0[0] = regs[0]!;
    outR0[1] = regs[1]!;
  }

  /** Decodes a function address (from lddw of a function) to its pc, or -1. */
  funcPc(hi: number, lo: number): number {
    if (hi !== CODE_HI) return -1;
    const d = (lo - CODE_LO_BASE) | 0;
    if (d < 0 || d % 8 !== 0) return -1;
    const pc = d / 8;
    return this.prog.funcStarts.has(pc) ? pc : -1;
  }

  // ---- memory access for helpers ----

  /** Bytes [addr, addr+size) as a view into their region, or undefined when out of bounds. */
  bytes(hi: number, lo: number, size: number, write = false): Uint8Array | undefined {
    const r = this.space.regionOf(hi);
    const off = lo >>> 0;
    if (!r || size < 0 || off + size > r.size || (write && !r.writable)) return undefined;
    return r.u8.subarray(off, off + size);
  }
}

/** The outcome of one run: r0 and the number of instructions executed. */
export interface BpfRunResult {
  retval: bigint;
  insns: number;
}

/** Runs a prepared program from insn 0 with r1..r5 = args (64-bit values) on a fresh set of stack frames. */
export function runProgram(
  prog: LoadedInsns,
  exec: BpfExecFn,
  opts: BpfVmOptions,
  args: readonly bigint[] = [],
): BpfRunResult {
  const vm = new BpfVm(opts);
  vm.prog = prog;
  vm.exec = exec;
  vm.mapStacks();
  try {
    const regs = new Int32Array(22);
    vm.poisonRegs(regs, 0, 9);
    if (vm.poison) regs[2] = regs[3] = 0; // r1 is the context or 0, never garbage
    args.slice(0, 5).forEach((a, i) => {
      const v = BigInt.asUintN(64, a);
      regs[2 + 2 * i] = Number(BigInt.asIntN(32, v));
      regs[3 + 2 * i] = Number(BigInt.asIntN(32, v >> 32n));
    });
    regs[20] = MAX_BPF_STACK;
    regs[21] = vm.fpHi(0);
    vm.mayGoto[0] = BPF_MAX_LOOPS;
    try {
      exec(vm, regs, 0, new Int32Array(CS_WORDS * MAX_CALL_FRAMES), 0, 0);
    } catch (e) {
      if (!(e instanceof BpfStop)) throw e;
      regs[0] = e.retval;
      regs[1] = 0;
    }
    return { retval: u64(regs[1]!, regs[0]!), insns: vm.budget - vm.left };
  } finally {
    vm.unmapStacks();
  }
}
