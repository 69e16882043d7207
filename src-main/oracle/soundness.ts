/**
 * Soundness runs: the promise of bpf_check() (kernel/bpf/verifier.c) is that an accepted program cannot fault,
 * whatever the memory it may not read holds. Each program the model's verifier accepts runs in the interpreter
 * and the JIT with every stack frame, the registers the run does not set, and r1..r5 after each call filled
 * with seeded garbage (BpfVmOptions.poison). A fault, or a run over the budget, is a verifier bug.
 */
import { createBpf } from '../engines/bpf';
import type { BpfInsn } from '../engines/bpf';
import { interpExec } from '../engines/bpf/interpreter';
import { jitExec } from '../engines/bpf/jit';
import { KernelError } from '../engines/common/errors';
import { Prng } from '../engines/common/prng';
import { randomProgram } from './random-programs';
import { callProgram, mapLoopProgram, spillFillProgram } from './soundness-programs';

/** One program for a soundness run: assembly that may name an array map `m` (16-byte values), or instructions. */
export interface SoundnessProgram {
  kind: string;
  asm?: string;
  insns?: BpfInsn[];
}

/** A fault (or a budget overrun) of an accepted program. */
export interface SoundnessFault {
  kind: string;
  index: number;
  engine: 'interp' | 'jit';
  poison: number;
  errno: string;
  message: string;
  program: string;
}

/** Totals of a soundness run. */
export interface SoundnessSummary {
  programs: number;
  accepted: number;
  /** Accepted programs whose r0 was the same under every poison seed and on both engines. */
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
];

/** The `index`-th program of the corpus of `seed`: the same pair always gives the same program. */
export function soundnessProgram(seed: number, index: number): SoundnessProgram {
  const g = GENERATORS[index % GENERATORS.length]!;
  return g.make(new Prng((seed * 0x9e3779b1 + index) >>> 0));
}

/** Poison seeds per engine: two runs, so that a program whose r0 depends on garbage shows it. */
const POISONS = 2;

/** Verifies one program with the model and, when accepted, runs it poisoned; faults go into `faults`. */
export function soundnessCheck(p: SoundnessProgram, index: number, seed: number, faults: SoundnessFault[]): { accepted: boolean; stable: boolean } {
  const k = createBpf({ jit: false, budget: 10_000_000 });
  const m = k.map_create({ map_type: 'BPF_MAP_TYPE_ARRAY', key_size: 4, value_size: 16, max_entries: 1 });
  const src = p.asm !== undefined ? { asm: p.asm, maps: { m } } : { insns: p.insns! };
  // A lower complexity limit than the kernel's 1M: programs past it are only rejected, which checks nothing.
  const r = k.verify({ ...src, prog_type: 'raw_tp', log_level: 0, insn_limit: 20_000 });
  if (!r.ok) return { accepted: false, stable: false };
  const prog = k.prog_load({ ...src, prog_type: 'raw_tp', verify: false });
  const retvals = new Set<bigint>();
  let faulted = false;
  for (const [engine, exec] of [['interp', interpExec], ['jit', jitExec]] as const) {
    for (let i = 0; i < POISONS; i++) {
      const poison = (seed ^ Math.imul(index, 0x85ebca6b) ^ (i + 1)) >>> 0;
      try {
        retvals.add(k.runWith(prog, [], { exec, poison }).retval);
      } catch (e) {
        if (!(e instanceof KernelError)) throw e;
        faulted = true;
        faults.push({ kind: p.kind, index, engine, poison, errno: e.errno, message: e.message, program: p.asm ?? k.disassemble(p.insns!) });
      }
    }
  }
  return { accepted: true, stable: !faulted && retvals.size === 1 };
}

/** Runs `count` programs of the corpus of `seed` (from `start`); `progress` is called after each. */
export function soundnessRun(seed: number, count: number, progress?: (done: number) => void, start = 0): SoundnessSummary {
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
