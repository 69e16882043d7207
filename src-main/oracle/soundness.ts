/**
 * Soundness runs: the promise of bpf_check() (kernel/bpf/verifier.c) is that an accepted program cannot fault,
 * whatever the memory it may not read holds. Each program the model's verifier accepts runs in the interpreter
 * and both JITs (JavaScript and WebAssembly) with every stack frame, the registers the run does not set, and
 * r1..r5 after each call filled with seeded garbage (BpfVmOptions.poison). A fault, or a run over the budget, is a
 * verifier bug.
 */
import { createBpf } from '../engines/bpf';
import type { BpfInsn, BpfProgram } from '../engines/bpf';
import { interpExec } from '../engines/bpf';
import { jitExec } from '../engines/bpf';
import { wasmJitExec, wasmJitUnsupported } from '../engines/bpf';
import { KernelError } from '../engines/common/errors';
import { Prng } from '../engines/common/prng';
import { BPF_F, testRunCtxCheck } from '../engines/bpf';
import { generateProgram } from './fuzz/generator';
import type { FuzzProgram } from './fuzz/generator';
import { randomProgram } from './random-programs';
import { callProgram, mapLoopProgram, spillFillProgram } from './soundness-programs';

/** One program for a soundness run: assembly that may name an array map `m` (16-byte values), or instructions. */
export interface SoundnessProgram {
  kind: string;
  asm?: string;
  insns?: BpfInsn[];
  /** A program of the encoding-level generator (src-main/oracle/fuzz), with its type, maps and context. */
  encoded?: FuzzProgram;
}

/** A fault (or a budget overrun) of an accepted program. */
export interface SoundnessFault {
  kind: string;
  index: number;
  engine: 'interp' | 'jit' | 'wasm';
  poison: number;
  errno: string;
  message: string;
  program: string;
}

/** Totals of a soundness run. */
export interface SoundnessSummary {
  programs: number;
  accepted: number;
  /** Accepted programs whose r0 was the same under every poison seed and on every engine. */
  stable: number;
  /** Programs per kind, and how many of them the verifier accepted. */
  kinds: Record<string, { programs: number; accepted: number }>;
  faults: SoundnessFault[];
}

/** The generators, in turn: program i of a run comes from GENERATORS[i % n]. */
const GENERATORS: readonly { kind: string; make: (rng: Prng) => SoundnessProgram }[] = [
  { kind: 'map-loop', make: (rng) => ({ kind: 'map-loop', asm: mapLoopProgram(rng) }) },
  { kind: 'calls', make: (rng) => ({ kind: 'calls', asm: callProgram(rng) }) },
  { kind: 'spill-fill', make: (rng) => ({ kind: 'spill-fill', asm: spillFillProgram(rng) }) },
  { kind: 'alu-stack', make: (rng) => ({ kind: 'alu-stack', insns: randomProgram(rng, 24).insns }) },
  // Programs nobody here wrote by hand: every opcode and field, maps, atomics, helpers, kfuncs and ctx accesses.
  { kind: 'encoding', make: (rng) => ({ kind: 'encoding', encoded: generateProgram(rng) }) },
];

/** The `index`-th program of the corpus of `seed`: the same pair always gives the same program. */
export function soundnessProgram(seed: number, index: number): SoundnessProgram {
  const g = GENERATORS[index % GENERATORS.length]!;
  return g.make(new Prng((seed * 0x9e3779b1 + index) >>> 0));
}

/** Poison seeds per engine: two runs, so that a program whose r0 depends on garbage shows it. */
const POISONS = 2;

/** Verifies one program with the model and, when accepted, runs it poisoned; faults go into `faults`. */
export function soundnessCheck(
  p: SoundnessProgram,
  index: number,
  seed: number,
  faults: SoundnessFault[],
): { accepted: boolean; stable: boolean } {
  if (p.encoded) return encodedCheck(p.kind, p.encoded, index, seed, faults);
  const k = createBpf({ jit: false, budget: 10_000_000 });
  const m = k.map_create({ map_type: 'BPF_MAP_TYPE_ARRAY', key_size: 4, value_size: 16, max_entries: 1 });
  const src = p.asm !== undefined ? { asm: p.asm, maps: { m } } : { insns: p.insns! };
  // A lower complexity limit than the kernel's 1M: programs past it are only rejected, which checks nothing.
  const r = k.verify({ ...src, prog_type: 'raw_tp', log_level: 0, insn_limit: 20_000 });
  if (!r.ok) return { accepted: false, stable: false };
  const prog = k.prog_load({ ...src, prog_type: 'raw_tp', verify: false });
  return runPoisoned(
    k,
    prog,
    () => [],
    { kind: p.kind, index, seed, program: () => p.asm ?? k.disassemble(p.insns!) },
    faults,
  );
}

/**
 * An encoding-level program, loaded as the kernel oracle loads it (its maps as fds 1..n, an fd_array, no BTF, a
 * syscall program sleepable) and, when accepted, run poisoned with its context where the generator gives one
 * (syscall and raw tracepoint programs).
 */
function encodedCheck(
  kind: string,
  p: FuzzProgram,
  index: number,
  seed: number,
  faults: SoundnessFault[],
): { accepted: boolean; stable: boolean } {
  const k = createBpf({ jit: false, budget: 10_000_000 });
  for (const m of p.maps)
    k.map_create({ map_type: m.map_type, key_size: m.key_size, value_size: m.value_size, max_entries: m.max_entries });
  const attr = {
    insns: p.bytes,
    prog_type: p.prog_type,
    prog_flags: p.prog_type === 'syscall' ? BPF_F.SLEEPABLE : 0,
    func_info: false,
    ...(p.maps.length ? { fd_array: p.maps.map((_, i) => i + 1) } : {}),
  };
  let prog: BpfProgram;
  try {
    // A lower complexity limit than the kernel's 1M, as above.
    if (!k.verify({ ...attr, log_level: 0, insn_limit: 20_000 }).ok) return { accepted: false, stable: false };
    prog = k.prog_load({ ...attr, log_level: 0 });
  } catch (e) {
    if (e instanceof KernelError) return { accepted: false, stable: false };
    throw e;
  }
  // Packet programs need an skb or xdp_md the model's test run does not build: only the verdict is checked.
  const ctx = p.ctx;
  if (ctx === undefined) return { accepted: true, stable: false };
  // A context shorter than the program's max_ctx_offset: BPF_PROG_TEST_RUN refuses it (EINVAL), nothing runs.
  try {
    testRunCtxCheck(prog, ctx.length);
  } catch (e) {
    if (e instanceof KernelError) return { accepted: true, stable: false };
    throw e;
  }
  return runPoisoned(
    k,
    prog,
    () => [Uint8Array.from(ctx)],
    { kind, index, seed, program: () => k.disassemble(prog.insns) },
    faults,
  );
}

/**
 * Runs an accepted program in the interpreter, the JS JIT and the WebAssembly JIT, POISONS times each with seeded
 * garbage; a fault is a verifier bug and goes into `faults`. Stable: no fault, and the same r0 every time.
 * (The runs share the maps, the clock and the PRNG, so their r0 may differ without any engine being wrong; the
 * engines' exact agreement is checked on fresh state by the BPF engine's tests.)
 */
function runPoisoned(
  k: ReturnType<typeof createBpf>,
  prog: BpfProgram,
  /** Fresh arguments for each run: a program may write its context. */
  args: () => Uint8Array[],
  who: { kind: string; index: number; seed: number; program: () => string },
  faults: SoundnessFault[],
): { accepted: true; stable: boolean } {
  const retvals = new Set<bigint>();
  let faulted = false;
  for (const [engine, exec] of [
    ['interp', interpExec],
    ['jit', jitExec],
    ['wasm', wasmJitExec],
  ] as const) {
    for (let i = 0; i < POISONS; i++) {
      const poison = (who.seed ^ Math.imul(who.index, 0x85ebca6b) ^ (i + 1)) >>> 0;
      try {
        retvals.add(k.runWith(prog, args(), { exec, poison }).retval);
      } catch (e) {
        if (!(e instanceof KernelError)) throw e;
        faulted = true;
        faults.push({
          kind: who.kind,
          index: who.index,
          engine,
          poison,
          errno: e.errno,
          message: e.message,
          program: who.program(),
        });
      }
    }
  }
  return { accepted: true, stable: !faulted && retvals.size === 1 };
}

/** Runs `count` programs of the corpus of `seed` (from `start`); `progress` is called after each. */
export function soundnessRun(
  seed: number,
  count: number,
  progress?: (done: number) => void,
  start = 0,
): SoundnessSummary {
  const s: SoundnessSummary = { programs: 0, accepted: 0, stable: 0, kinds: {}, faults: [] };
  for (let i = start; i < start + count; i++) {
    const p = soundnessProgram(seed, i);
    const r = soundnessCheck(p, i, seed, s.faults);
    const kind = (s.kinds[p.kind] ??= { programs: 0, accepted: 0 });
    kind.programs++;
    s.programs++;
    if (r.accepted) {
      kind.accepted++;
      s.accepted++;
    }
    if (r.stable) s.stable++;
    progress?.(i - start + 1);
  }
  return s;
}

/** The three engines of a run, by the names the reports use. */
const ENGINES = [
  ['interp', interpExec],
  ['jit', jitExec],
  ['wasm', wasmJitExec],
] as const;

/** A program loaded on a fresh machine (its maps made as the checks above make them), or undefined when refused. */
function freshLoad(
  p: SoundnessProgram,
): { k: ReturnType<typeof createBpf>; prog: BpfProgram; args: Uint8Array[] } | undefined {
  const k = createBpf({ jit: false, budget: 10_000_000 });
  try {
    if (p.encoded) {
      const e = p.encoded;
      for (const m of e.maps)
        k.map_create({
          map_type: m.map_type,
          key_size: m.key_size,
          value_size: m.value_size,
          max_entries: m.max_entries,
        });
      if (e.ctx === undefined) return undefined;
      const attr = {
        insns: e.bytes,
        prog_type: e.prog_type,
        prog_flags: e.prog_type === 'syscall' ? BPF_F.SLEEPABLE : 0,
        func_info: false,
        ...(e.maps.length ? { fd_array: e.maps.map((_, i) => i + 1) } : {}),
      };
      if (!k.verify({ ...attr, log_level: 0, insn_limit: 20_000 }).ok) return undefined;
      const prog = k.prog_load({ ...attr, log_level: 0 });
      testRunCtxCheck(prog, e.ctx.length);
      return { k, prog, args: [Uint8Array.from(e.ctx)] };
    }
    const m = k.map_create({ map_type: 'BPF_MAP_TYPE_ARRAY', key_size: 4, value_size: 16, max_entries: 1 });
    const src = p.asm !== undefined ? { asm: p.asm, maps: { m } } : { insns: p.insns! };
    if (!k.verify({ ...src, prog_type: 'raw_tp', log_level: 0, insn_limit: 20_000 }).ok) return undefined;
    return { k, prog: k.prog_load({ ...src, prog_type: 'raw_tp', verify: false }), args: [] };
  } catch (e) {
    if (e instanceof KernelError) return undefined;
    throw e;
  }
}

/** Totals of an engine-agreement run. */
export interface EngineAgreement {
  programs: number;
  /** Programs the verifier accepted and that ran (with a context where they need one). */
  ran: number;
  /** Of those, the programs the WebAssembly JIT compiled (the rest run in the JS JIT there: jit-wasm.ts). */
  wasmCompiled: number;
  /** Runs where a JIT's outcome differed from the interpreter's, with both outcomes. */
  mismatches: string[];
}

/**
 * The soundness corpus run on fresh machines, one per engine, each poisoned with the same seed: the interpreter,
 * the JS JIT and the WebAssembly JIT must give the same r0 and instruction count, or the same fault message.
 */
export function engineAgreement(seed: number, count: number): EngineAgreement {
  const out: EngineAgreement = { programs: 0, ran: 0, wasmCompiled: 0, mismatches: [] };
  for (let i = 0; i < count; i++) {
    const p = soundnessProgram(seed, i);
    out.programs++;
    const poison = (seed ^ Math.imul(i, 0x85ebca6b) ^ 1) >>> 0;
    let reference: string | undefined;
    for (const [engine, exec] of ENGINES) {
      const l = freshLoad(p);
      if (!l) break;
      let outcome: string;
      try {
        const r = l.k.runWith(l.prog, l.args, { exec, poison });
        outcome = `r0 ${r.retval} after ${r.insns} insns`;
      } catch (e) {
        if (!(e instanceof KernelError)) throw e;
        outcome = `${e.errno}: ${e.message}`;
      }
      if (reference === undefined) {
        reference = outcome;
        out.ran++;
        if (wasmJitUnsupported(l.prog.loaded) === undefined) out.wasmCompiled++;
      } else if (outcome !== reference)
        out.mismatches.push(
          `${p.kind} #${i} ${engine}: ${outcome}; interpreter: ${reference}\n${l.k.disassemble(l.prog.insns)}`,
        );
    }
  }
  return out;
}
