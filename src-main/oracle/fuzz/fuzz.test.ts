import { release } from 'node:os';
import { describe, expect, it } from 'vitest';
import { KFUNC_BTF_ID } from '../../engines/bpf';
import { decodeInsns, encodeInsns, insn } from '../../engines/bpf';
import { kernelOracle } from '../index';
import type { FuzzProgram } from './generator';
import { generatePrograms } from './generator';
import { fuzzKernel } from './index';
import type { FuzzRun } from './index';
import { deleteInsns, minimise } from './minimise';
import type { Comparison } from './runner';
import { compare, modelAnswer, summaryTable } from './runner';
import { messageTemplate } from './template';

const oracle = kernelOracle();
const avail = oracle.available();
if (!avail.ok) console.log(`kernel oracle: encoding-level fuzz against the kernel skipped (${avail.why})`);

describe('messageTemplate', () => {
  it('normalises numbers, registers, stack slots and opcodes but keeps names', () => {
    expect(messageTemplate('invalid shift 32')).toBe('invalid shift N');
    expect(messageTemplate('invalid shift -1')).toBe('invalid shift N');
    expect(messageTemplate('R3 !read_ok')).toBe('R# !read_ok');
    expect(messageTemplate('unknown opcode 8c')).toBe('unknown opcode N');
    expect(messageTemplate('BPF_ATOMIC uses invalid atomic opcode fffffffe')).toBe(
      'BPF_ATOMIC uses invalid atomic opcode N',
    );
    expect(messageTemplate('cur state: R0=1 R10=fp0')).toBe('cur state: ...');
    expect(messageTemplate('invalid bpf_ld_imm64 insn')).toBe('invalid bpf_ld_imm64 insn');
    expect(messageTemplate('BPF_JMP/JMP32 uses reserved fields')).toBe('BPF_JMP/JMP32 uses reserved fields');
    expect(messageTemplate('misaligned stack access off 0+-8+2 size 4')).toBe(
      'misaligned stack access off N+N+N size N',
    );
    expect(messageTemplate('invalid read from stack R1 off -16+0 size 8')).toBe(
      'invalid read from stack R# off N+N size N',
    );
    expect(messageTemplate('variable stack access var_off=(0x0; 0x7) disallowed')).toBe(
      'variable stack access var_off=(N; N) disallowed',
    );
    expect(messageTemplate('program of this type cannot use helper bpf_probe_read#4')).toBe(
      'program of this type cannot use helper bpf_probe_read#N',
    );
  });
});

describe('generatePrograms', () => {
  const progs = generatePrograms(99, 3000);
  const all = progs.flatMap((p) => decodeInsns(p.bytes));

  it('is deterministic per seed', () => {
    expect(generatePrograms(99, 50)).toEqual(progs.slice(0, 50));
    expect(generatePrograms(100, 50)).not.toEqual(progs.slice(0, 50));
  });

  it('covers every class, mode and size as encodings, reserved fields and bad registers included', () => {
    const codes = new Set(all.map((i) => i.code));
    // Every opcode byte of the 6.18 ISA the kernel accepts (bpf_opcode_in_insntable() plus ld_imm64 and the JMP32 gotol).
    const valid: number[] = [0x18, 0x20, 0x28, 0x30, 0x40, 0x48, 0x50];
    for (const cls of [0x04, 0x07])
      for (const op of [0x00, 0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x70, 0x90, 0xa0, 0xb0, 0xc0])
        valid.push(cls | op, cls | op | 0x08);
    valid.push(0x84, 0x87, 0xd4, 0xdc, 0xd7);
    for (const s of [0x00, 0x08, 0x10, 0x18]) valid.push(0x61 | s, 0x62 | s, 0x63 | s, 0xc3 | s);
    valid.push(0x81, 0x89, 0x91);
    for (const cls of [0x05, 0x06])
      for (const op of [0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x70, 0xa0, 0xb0, 0xc0, 0xd0])
        valid.push(cls | op, cls | op | 0x08);
    valid.push(0x05, 0x06, 0x85, 0x95, 0xe5);
    expect(valid.filter((c) => !codes.has(c))).toEqual([]);
    // Opcodes outside the ISA, registers past r10, reserved fields set.
    expect(codes.size).toBeGreaterThan(180);
    expect(all.some((i) => i.dst_reg > 10)).toBe(true);
    expect(all.some((i) => i.src_reg > 10 && i.code !== 0x18)).toBe(true);
    expect(all.some((i) => (i.code & 0x07) === 0x07 && (i.code & 0x08) === 0 && i.src_reg !== 0)).toBe(true);
  });

  it('emits every ld_imm64 pseudo source, every atomic, movsx, sdiv, bad shifts, may_goto, gotol, kfuncs and calls', () => {
    const ld = new Set(all.filter((i) => i.code === 0x18).map((i) => i.src_reg));
    for (let s = 0; s <= 7; s++) expect(ld.has(s), `ld_imm64 src ${s}`).toBe(true);
    const atomics = new Set(all.filter((i) => (i.code & 0xe7) === 0xc3).map((i) => i.imm));
    for (const op of [0x00, 0x01, 0x40, 0x41, 0x50, 0x51, 0xa0, 0xa1, 0xe1, 0xf1, 0x100, 0x110])
      expect(atomics.has(op), `atomic 0x${op.toString(16)}`).toBe(true);
    expect(all.some((i) => i.code === 0xbf && [8, 16, 32].includes(i.off))).toBe(true); // movsx
    expect(all.some((i) => i.code === 0x3f && i.off === 1)).toBe(true); // sdiv
    expect(all.some((i) => i.code === 0x77 && (i.imm >= 64 || i.imm < 0))).toBe(true); // out-of-range shift
    expect(all.some((i) => i.code === 0x64 && i.imm >= 32)).toBe(true);
    expect(all.some((i) => i.code === 0xe5)).toBe(true);
    expect(all.some((i) => i.code === 0x06 && i.imm !== 0)).toBe(true);
    const kfuncs = new Set(all.filter((i) => i.code === 0x85 && i.src_reg === 2).map((i) => i.imm));
    for (const id of Object.values(KFUNC_BTF_ID)) expect(kfuncs.has(id)).toBe(true);
    expect(all.some((i) => i.code === 0x85 && i.src_reg === 1)).toBe(true);
    // Spills and fills of every size at unaligned offsets, ctx accesses of every size.
    for (const s of [0x00, 0x08, 0x10, 0x18]) {
      expect(all.some((i) => i.code === (0x63 | s) && i.dst_reg === 10 && i.off % 8 !== 0)).toBe(true);
      expect(all.some((i) => i.code === (0x61 | s) && i.src_reg === 10)).toBe(true);
    }
    const types = new Set(progs.map((p) => p.prog_type));
    expect([...types].sort()).toEqual(['raw_tracepoint', 'socket_filter', 'syscall', 'tracepoint', 'xdp']);
    expect(progs.filter((p) => p.maps.length > 0).length).toBeGreaterThan(progs.length / 3);
    expect(progs.filter((p) => p.ctx !== undefined).length).toBeGreaterThan(progs.length / 5);
  });
});

describe('the model side of the differential', () => {
  it('runs an accepted program as the verifier loaded it: dead instructions of any encoding are never reached', () => {
    // `r0 = 7; if r0 == 7 goto +2; <dead>; <dead>; exit`, the dead instructions with a bad register, an invalid
    // BPF_ATOMIC op or reserved fields set: the kernel's walk never reaches them, so it accepts the program and runs it.
    for (const dead of [insn(0xbf, 11, 1), insn(0xdb, 10, 1, -8, 0xe0), insn(0x04, 1, 0, 3, 1)]) {
      const p: FuzzProgram = {
        prog_type: 'raw_tracepoint',
        maps: [],
        features: [],
        ctx: new Uint8Array(8),
        bytes: encodeInsns([insn(0xb7, 0, 0, 0, 7), insn(0x15, 0, 0, 2, 7), dead, dead, insn(0x95)]),
      };
      expect(modelAnswer(p)).toEqual({ ok: true, errno: '', interp: 7n, jit: 7n });
    }
  });
});

describe('the minimiser', () => {
  it('re-aims jumps and calls across deleted instructions', () => {
    const prog = [
      insn(0xb7, 0, 0, 0, 1),
      insn(0x15, 0, 0, 2, 0),
      insn(0xb7, 1),
      insn(0xb7, 2),
      insn(0x85, 0, 1, 0, 1),
      insn(0x95),
      insn(0x95),
    ];
    const out = deleteInsns(prog, new Set([2]));
    expect(out[1]!.off).toBe(1); // still lands on the instruction after r2 = 0 ... (the call)
    expect(out[3]!.imm).toBe(1); // the call still aims at the last exit
    expect(deleteInsns(prog, new Set([3]))[1]!.off).toBe(1); // its target deleted: aims at the next kept one
  });

  it('shrinks to the instructions that make the class, keeping the class', () => {
    // A stand-in for the kernel: the class exists while the program holds `r6 <<= 64` and an exit.
    const evaluate = (ps: readonly FuzzProgram[]): Comparison[] =>
      ps.map((p) => {
        const is = decodeInsns(p.bytes);
        const bad =
          is.some((i) => i.code === 0x67 && i.dst_reg === 6 && i.imm === 64) && is.some((i) => i.code === 0x95);
        const c = compare(bad ? { ok: false, errno: 'EINVAL', first: 'invalid shift 64' } : { ok: true, errno: '' }, {
          ok: true,
          errno: '',
        });
        return c;
      });
    const big: FuzzProgram = {
      prog_type: 'syscall',
      maps: [],
      features: [],
      bytes: encodeInsns([
        insn(0xb7, 0, 0, 0, 7),
        insn(0x18, 3, 0, 0, 5),
        insn(0, 0, 0, 0, 9),
        insn(0x05, 0, 0, 1),
        insn(0x07, 1, 0, 0, 3),
        insn(0x67, 6, 0, 0, 64),
        insn(0xb7, 2, 0, 0, 9),
        insn(0x95),
      ]),
    };
    const cls = evaluate([big])[0]!.cls!;
    expect(cls).toBe('verdict: kernel «EINVAL: invalid shift N» | model «accepted»');
    const small = minimise(big, cls, evaluate);
    expect(decodeInsns(small.bytes)).toEqual([insn(0x67, 6, 0, 0, 64), insn(0x95)]);
  });
});

/** The seeded CI corpus: 5,000 programs of seed 20261207. */
const CI_COUNT = 5000;
const CI_SEED = 20261207;
/**
 * Floors under the figures measured on Linux 6.18 (x86-64) for the CI corpus on 2026-12-07, after the load-time
 * pass fixes (resolve_pseudo_ldimm64(), kfunc offsets, check_cfg(), BPF_LD_[ABS|IND]), the do_check ones (ctx
 * offsets, map/helper compatibility, helper memory arguments, call depth, atomics), the per-type helper table
 * and map_ptr loads (check_ptr_to_map_access()): 4,741 programs compared (259 withheld by the oracle's allow-list),
 * 119 kernel templates reached (118 reproduced by the model), verdict 100 %, verdict+errno 100 %, first line
 * 99.85 % of the programs both reject, retval 707/707. Raise them as the verifier is fixed; never lower them. The template floor leaves room for another
 * build's configuration.
 */
/** Whether the running kernel is the version the model follows, so that the floors apply to it. */
const MODELLED = ((): { ok: boolean; why?: string } => {
  const rel = release();
  if (!/^6\.18(\.|$|-)/.test(rel) || process.arch !== 'x64')
    return { ok: false, why: `the model follows Linux 6.18 on x86-64; this is ${rel} on ${process.arch}` };
  return { ok: true };
})();
if (avail.ok && !MODELLED.ok) console.log(`kernel oracle: the agreement floors skipped (${MODELLED.why})`);
const FLOOR = { templates: 119, verdict: 1, errno: 1, first_line: 0.998, retval: 1 };

describe.skipIf(!avail.ok)('the encoding-level fuzz against the running kernel (seeded 5,000)', () => {
  let run: FuzzRun | undefined;
  const get = (): FuzzRun => (run ??= fuzzKernel(oracle, { count: CI_COUNT, seed: CI_SEED }));

  it('reports the figures, the templates reached and the disagreement classes', () => {
    const s = get().summary;
    console.log(`fuzz:kernel seed ${CI_SEED}:\n${summaryTable(s, 30)}`);
    // Every program is compared, but those the oracle's allow-list keeps from the kernel (policy.ts).
    expect(s.programs + s.withheld).toBe(CI_COUNT);
    expect(s.withheld / CI_COUNT).toBeLessThan(0.1);
    // At least 40 % rejected by Linux, for many different reasons.
    expect(s.kernel_rejected / s.programs).toBeGreaterThanOrEqual(0.4);
    // Another kernel version reaches other messages: the floor is the modelled kernel's, a bound below it elsewhere.
    expect(s.kernel_templates.size).toBeGreaterThanOrEqual(MODELLED.ok ? FLOOR.templates : 100);
    expect(s.reproduced.size).toBeGreaterThan(0);
  }, 600_000);

  it('runs accepted programs on both sides and never crashes the model', () => {
    const s = get().summary;
    expect(s.ran).toBeGreaterThan(CI_COUNT / 20);
    expect(s.model_crashes).toBe(0);
  }, 600_000);

  // The floors are the modelled kernel's (6.18 on x86-64): another version answers some programs otherwise, which
  // the report above shows without failing a clone on that machine.
  it.skipIf(!MODELLED.ok)(
    'agrees with the kernel at least as often as measured on 6.18 (floors only rise)',
    () => {
      const s = get().summary;
      expect(s.verdict_agree / s.programs).toBeGreaterThanOrEqual(FLOOR.verdict);
      expect(s.errno_agree / s.programs).toBeGreaterThanOrEqual(FLOOR.errno);
      expect(s.first_line_agree / s.both_rejected).toBeGreaterThanOrEqual(FLOOR.first_line);
      expect(s.retval_agree / s.ran).toBeGreaterThanOrEqual(FLOOR.retval);
    },
    600_000,
  );
});
