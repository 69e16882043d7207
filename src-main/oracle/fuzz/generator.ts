/**
 * An encoding-level program generator for the kernel differential (issue 15, part 3). It does not go through
 * the assembler: every instruction is an 8-byte `struct bpf_insn` whose fields are chosen directly, so reserved
 * fields, bad registers, unknown opcodes, out-of-range jumps and shifts, every ld_imm64 pseudo source, every
 * atomic, MEMSX / MOVSX, gotol, may_goto, helpers and kfuncs with wrong argument types, spills and fills of
 * every size and alignment, context accesses at every offset and size, bpf-to-bpf calls and loops all appear.
 * Most instructions are still well formed (a program needs a valid prefix to reach the deeper checks of
 * do_check()); each program carries a few deliberate faults, so that about half are rejected by Linux, for many
 * different reasons. Seeded: the same seed gives the same programs on every host.
 */
import { encodeInsns } from '../../engines/bpf';
import { Prng } from '../../engines/common/prng';
import { MAP_SPECS, SIZES, Gen } from './gen-state';
import type { FuzzProgType, FuzzMap, FuzzProgram } from './gen-state';
import {
  prologue,
  unitAlu,
  unitPtrArith,
  unitJump,
  unitGoto,
  unitStack,
  unitCtx,
  unitAtomic,
  unitLdImm64,
  unitHelper,
  unitKfunc,
  unitCall,
  unitRaw,
  unitRegFault,
  unitVarOff,
  unitMemArg,
  unitLdAbs,
  unitLeak,
} from './gen-units';

export type { FuzzMap, FuzzProgType, FuzzProgram } from './gen-state';

const UNITS: readonly [number, (g: Gen, unit: number, units: number) => void][] = [
  [16, unitAlu],
  [4, unitPtrArith],
  [9, unitJump],
  [4, unitGoto],
  [10, unitStack],
  [6, unitCtx],
  [5, unitAtomic],
  [5, unitLdImm64],
  [4, unitHelper],
  [3, unitKfunc],
  [2, unitCall],
  [3, unitRaw],
  [1, unitRegFault],
  [3, unitVarOff],
  [1, unitLdAbs],
  [1, unitLeak],
  [2, unitMemArg],
];
const UNIT_TOTAL = UNITS.reduce((s, [w]) => s + w, 0);

/** A subprogram: reads its arguments (maybe ones it was not given), returns something. */
function subprogram(g: Gen): void {
  if (g.fault(0.15)) {
    // Recursion (the call stack overflows) or a frame that with its caller's passes the 512-byte limit.
    g.features.add('deep-calls');
    if (g.chance(0.5)) {
      g.emit(0x7a, 10, 0, -8 * (1 + g.int(64)), 1);
      g.emit(0x85, 0, 1, 0, -2);
    } else g.emit(0x7a, 10, 0, -512, 1);
  }
  const n = g.int(4);
  for (let i = 0; i < n; i++) {
    const f = g.int(4);
    if (f === 0) g.emit(0xbf, 0, 1 + g.int(5), 0, 0);
    else if (f === 1 && g.fault(0.5)) g.emit(0x61 | g.pick(SIZES), 0, 1, g.pick([0, -8, 8]), 0);
    else if (f === 2) g.emit(0x7a, 10, 0, -8 * (1 + g.int(8)), 1);
    else g.emit(0x07, 0, 0, 0, g.imm());
  }
  if (g.chance(0.9)) g.emit(0xb7, 0, 0, 0, g.int(100));
  g.emit(0x95);
}

/** One program from the generator's PRNG. */
export function generateProgram(rng: Prng): FuzzProgram {
  const type: FuzzProgType = (
    ['syscall', 'syscall', 'syscall', 'raw_tracepoint', 'raw_tracepoint', 'socket_filter', 'xdp', 'tracepoint'] as const
  )[rng.nextInt(8)]!;
  const maps: FuzzMap[] = [];
  const nm = rng.nextInt(3);
  for (let i = 0; i < nm; i++) maps.push({ ...MAP_SPECS[rng.nextInt(MAP_SPECS.length)]! });
  const g = new Gen(rng, type, maps);
  prologue(g);
  const units = 1 + g.int(g.faulty ? 10 : 7);
  for (let u = 0; u < units; u++) {
    g.unitStarts.push(g.out.length);
    let w = g.int(UNIT_TOTAL);
    for (const [weight, fn] of UNITS) {
      if (w < weight) {
        fn(g, u, units);
        break;
      }
      w -= weight;
    }
  }
  // The tail every forward jump may land on: r0 = K; exit (sometimes r0 left as it is, or no exit at all).
  g.unitStarts.push(g.out.length);
  const end = g.fault(0.05) ? g.int(2) : 2 + g.int(38);
  if (end > 1) g.emit(0xb7, 0, 0, 0, g.int(end > 30 ? 1 << 20 : 256));
  else if (g.kinds[0] !== 'scalar') g.nondeterministic = true; // r0 left as it is may hold an address
  if (end !== 0) g.emit(0x95, 0, 0, 0, g.fault(0.01) ? 1 : 0);
  g.unitStarts.push(g.out.length);
  const subs: number[] = [];
  for (let s = 0; s < 2; s++) {
    // Only subprograms that are called: check_cfg() refuses the unreachable rest.
    subs.push(g.out.length);
    if (g.calls.some((c) => c.sub === s)) subprogram(g);
  }
  for (const j of g.jumps) {
    const target = g.unitStarts[Math.min(j.unit, g.unitStarts.length - 1)]!;
    g.out[j.at]![j.field] = target - j.at - 1;
  }
  for (const c of g.calls) g.out[c.at]!.imm = subs[c.sub]! - c.at - 1;
  const p: FuzzProgram = { bytes: encodeInsns(g.out), prog_type: type, maps, features: [...g.features].sort() };
  if ((type === 'syscall' || type === 'raw_tracepoint') && !g.nondeterministic && !g.features.has('uninit-stack')) {
    const ctx = new Uint8Array(type === 'syscall' ? 80 : 96);
    for (let i = 0; i < ctx.length; i++) ctx[i] = rng.nextInt(256);
    p.ctx = ctx;
  }
  return p;
}

/** `count` programs from `seed`. */
export function generatePrograms(seed: number, count: number): FuzzProgram[] {
  const rng = new Prng(seed);
  return Array.from({ length: count }, () => generateProgram(rng));
}
