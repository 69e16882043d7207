/**
 * The context accesses of every modelled program type (the *_is_valid_access() of net/core/filter.c,
 * kernel/trace/bpf_trace.c, kernel/bpf/syscall.c): every offset × size × LDX/STX/ST, against Linux 6.18's answers
 * recorded below and, where it can be asked, the running kernel.
 */
import { describe, expect, it } from 'vitest';
import { kernelForTests } from '../../../oracle/test-util';
import { createBpf } from '../index';
import { BPF_F } from '../prog_flags';
import { encodeInsns, insn as record } from '../isa';

type Kind = 'ldx' | 'ldsx' | 'stx' | 'st';
const SIZES = [1, 2, 4, 8] as const;
const KINDS: Kind[] = ['ldx', 'ldsx', 'stx', 'st'];
/** Offsets probed per type: -8 up to past the end of the context. */
const SPAN: Record<string, number> = { socket_filter: 200, raw_tracepoint: 112, tracepoint: 24, xdp: 40, syscall: 24 };

/**
 * Linux 6.18's accepted accesses (x86-64), as `a-b` ranges of offsets (every offset in the range aligned to the
 * size) or single start offsets; everything else in the span is EACCES `invalid bpf_context access off=N size=N`.
 */
const KERNEL: Record<string, Partial<Record<Kind, Record<number, string>>>> = {
  socket_filter: {
    ldx: {
      1: '0-71,84-87,164-167,176-179',
      2: '0-71,84-87,164-167,176-179',
      4: '0-71,84-87,164-167,176-179',
      8: '48,56,168',
    },
    stx: { 1: '48-67', 2: '48-67', 4: '48-67', 8: '48,56' },
    st: { 1: '48-67', 2: '48-67', 4: '48-67', 8: '48,56' },
  },
  raw_tracepoint: { ldx: { 1: '0-95', 2: '0-95', 4: '0-95', 8: '0-95' } },
  // tp_prog_is_valid_access()'s unsigned `off < sizeof(void *)` lets negative offsets through.
  tracepoint: { ldx: { 1: '-8--1,8-23', 2: '-8--1,8-23', 4: '-8--1,8-23', 8: '-8--1,8-23' } },
  xdp: { ldx: { 4: '0-19' } },
  syscall: {
    ldx: { 1: '0-23', 2: '0-23', 4: '0-23', 8: '0-23' },
    stx: { 1: '0-23', 2: '0-23', 4: '0-23', 8: '0-23' },
    st: { 1: '0-23', 2: '0-23', 4: '0-23', 8: '0-23' },
  },
};
function allowed(t: string, k: Kind, off: number, size: number): boolean {
  // A sign-extending load (1, 2, 4 bytes) is allowed where the plain load is, but not of a field that loads a
  // pointer (xdp_md's data, data_end, data_meta).
  if (k === 'ldsx') return size < 8 && allowed(t, 'ldx', off, size) && !(t === 'xdp' && [0, 4, 8].includes(off));
  const spec = KERNEL[t]![k]?.[size];
  if (spec === undefined || off % size !== 0) return false;
  return spec.split(',').some((r) => {
    const m = /^(-?\d+)(?:-(-?\d+))?$/.exec(r)!;
    const a = Number(m[1]);
    if (m[2] === undefined) return off === a;
    return off >= a && off + size - 1 <= Number(m[2]);
  });
}

const SZ: Record<number, number> = { 1: 0x10, 2: 0x08, 4: 0x00, 8: 0x18 };
/** One instruction's 8 bytes (isa.ts's encoding). */
const insn = (code: number, dst: number, src: number, off: number, imm: number): number[] => [
  ...encodeInsns([record(code, dst, src, off, imm)]),
];
/** `r2 = 0; <access through r1 = ctx>; r0 = 0; exit`. */
function program(k: Kind, off: number, size: number): Uint8Array {
  const b = insn(0xb7, 2, 0, 0, 0);
  if (k === 'ldx') b.push(...insn(0x61 | SZ[size]!, 3, 1, off, 0));
  else if (k === 'ldsx') b.push(...insn(0x81 | SZ[size]!, 3, 1, off, 0));
  else if (k === 'stx') b.push(...insn(0x63 | SZ[size]!, 1, 2, off, 0));
  else b.push(...insn(0x62 | SZ[size]!, 1, 0, off, 0));
  b.push(...insn(0xb7, 0, 0, 0, 0), ...insn(0x95, 0, 0, 0, 0));
  return Uint8Array.from(b);
}
function* cases(): Generator<{ t: string; k: Kind; off: number; size: number; name: string }> {
  for (const t of Object.keys(SPAN))
    for (const k of KINDS)
      for (const size of SIZES.filter((s) => k !== 'ldsx' || s < 8))
        for (let off = -8; off < SPAN[t]!; off++) yield { t, k, off, size, name: `${t} ${k} off=${off} size=${size}` };
}
function model(t: string, k: Kind, off: number, size: number): { ok: boolean; errno: string; first: string } {
  const flags = t === 'syscall' ? BPF_F.SLEEPABLE : 0;
  const v = createBpf().verify({ insns: program(k, off, size), prog_type: t, log_level: 1, prog_flags: flags });
  return { ok: v.ok, errno: v.ok ? '' : (v.errors[0]?.errno ?? ''), first: v.ok ? '' : (v.errors[0]?.message ?? '') };
}

describe('context accesses (is_valid_access) against Linux 6.18 recorded answers', () => {
  it('accepts exactly what the kernel accepts, and refuses the rest with its message and errno', () => {
    const wrong: string[] = [];
    for (const c of cases()) {
      const want = allowed(c.t, c.k, c.off, c.size);
      const got = model(c.t, c.k, c.off, c.size);
      const line = want ? '' : `invalid bpf_context access off=${c.off} size=${c.size}`;
      if (got.ok !== want || (!want && (got.errno !== 'EACCES' || got.first !== line)))
        wrong.push(`${c.name}: ${got.errno} ${got.first}`);
    }
    expect(wrong).toEqual([]);
  });
});

const { oracle, skip } = kernelForTests('context accesses against the running kernel');

describe.skipIf(skip)('context accesses against the running kernel', () => {
  it('the recorded answers are the running kernel’s, and the model agrees on verdict, errno and first line', () => {
    const all = [...cases()];
    const res = oracle.batch(
      all.map((c) => ({ prog: program(c.k, c.off, c.size), opts: { prog_type: c.t, log_level: 1 } })),
    );
    const wrong: string[] = [];
    all.forEach((c, i) => {
      const v = res[i]!.verdict;
      if (v.ok !== allowed(c.t, c.k, c.off, c.size))
        wrong.push(`${c.name}: kernel ${v.ok ? 'accepts' : v.first_error}, recorded otherwise`);
      const m = model(c.t, c.k, c.off, c.size);
      if (m.ok !== v.ok || (!v.ok && (m.errno !== v.errno_name || m.first !== v.first_error)))
        wrong.push(
          `${c.name}: kernel ${v.ok ? 'ok' : `${v.errno_name} ${v.first_error}`} | model ${m.ok ? 'ok' : `${m.errno} ${m.first}`}`,
        );
    });
    expect(wrong).toEqual([]);
  });
});

/**
 * A modified context pointer and a pointer stored into the context (check_mem_access()'s PTR_TO_CTX case):
 * __check_ptr_off_reg() refuses a negative fixed offset first, then any fixed offset, then a variable one; a
 * privileged load (allow_ptr_leaks) may store a pointer into the context ("R%d leaks addr into ctx" is for
 * unprivileged loads). Every pointer shape × LDX/STX of each value type/ST × program type.
 */
const SHAPES = ['none', 'off+8', 'off-8', 'var', 'var+8', 'var-8', 'var-only-known'] as const;
const VALUES = [
  ['scalar', 2],
  ['fp', 10],
  ['ctx', 1],
  ['ctx copy', 6],
] as const;
type Access = { kind: 'ldx' } | { kind: 'st' } | { kind: 'stx'; value: (typeof VALUES)[number] };
const ACCESSES: Access[] = [
  { kind: 'ldx' },
  { kind: 'st' },
  ...VALUES.map((value) => ({ kind: 'stx' as const, value })),
];
const PTR_TYPES = ['syscall', 'raw_tracepoint', 'tracepoint'] as const;

/** `r6 = r1; r2 = *(u32 *)(r1 +8) & 4; <shape of r6>; <access at r6 +8>; r0 = 0; exit`. */
function ptrProgram(shape: (typeof SHAPES)[number], a: Access): Uint8Array {
  const p = [record(0xbf, 6, 1), record(0x61, 2, 1, 8), record(0x57, 2, 0, 0, 4)];
  if (shape.startsWith('var')) p.push(record(0x0f, 6, 2));
  if (shape === 'var-only-known') p.push(record(0x57, 2, 0, 0, 0)); // r2 becomes 0: r6 keeps its variable part
  if (shape.endsWith('+8')) p.push(record(0x07, 6, 0, 0, 8));
  if (shape.endsWith('-8')) p.push(record(0x07, 6, 0, 0, -8));
  if (a.kind === 'ldx') p.push(record(0x79, 3, 6, 8));
  else if (a.kind === 'st') p.push(record(0x7a, 6, 0, 8, 1));
  else p.push(record(0x7b, 6, a.value[1], 8));
  p.push(record(0xb7, 0, 0, 0, 0), record(0x95));
  return encodeInsns(p);
}
function* ptrCases(): Generator<{ t: string; shape: (typeof SHAPES)[number]; a: Access; name: string }> {
  for (const t of PTR_TYPES)
    for (const shape of SHAPES)
      for (const a of ACCESSES)
        yield { t, shape, a, name: `${t} ${shape} ${a.kind === 'stx' ? `stx ${a.value[0]}` : a.kind}` };
}
/** The rule the kernel follows (checked against it below): the first line, '' when accepted. */
function ptrExpected(t: string, shape: (typeof SHAPES)[number], a: Access): { errno: string; first: string } {
  if (shape.endsWith('-8')) return { errno: 'EACCES', first: 'negative offset ctx ptr R6 off=-8 disallowed' };
  if (shape.endsWith('+8')) return { errno: 'EACCES', first: 'dereference of modified ctx ptr R6 off=8 disallowed' };
  if (shape.startsWith('var')) return { errno: 'EACCES', first: 'variable ctx access var_off=(0x0; 0x4) disallowed' };
  const write = a.kind !== 'ldx';
  if (write && t !== 'syscall') return { errno: 'EACCES', first: 'invalid bpf_context access off=8 size=8' };
  return { errno: '', first: '' };
}
function ptrModel(t: string, bytes: Uint8Array): { ok: boolean; errno: string; first: string } {
  const flags = t === 'syscall' ? BPF_F.SLEEPABLE : 0;
  const v = createBpf().verify({ insns: bytes, prog_type: t, log_level: 1, prog_flags: flags });
  return { ok: v.ok, errno: v.ok ? '' : (v.errors[0]?.errno ?? ''), first: v.ok ? '' : (v.errors[0]?.message ?? '') };
}

describe('modified context pointers and pointers stored into the context', () => {
  it('refuses negative, then fixed, then variable offsets, and lets a privileged load store pointers', () => {
    const wrong: string[] = [];
    for (const c of ptrCases()) {
      const want = ptrExpected(c.t, c.shape, c.a);
      const got = ptrModel(c.t, ptrProgram(c.shape, c.a));
      if (got.ok !== (want.first === '') || got.errno !== want.errno || got.first !== want.first)
        wrong.push(`${c.name}: want ${want.errno} ${want.first} | model ${got.errno} ${got.first}`);
    }
    expect(wrong).toEqual([]);
  });
});

describe.skipIf(skip)('modified context pointers against the running kernel', () => {
  it('the rule is the running kernel’s', () => {
    const all = [...ptrCases()];
    const res = oracle.batch(
      all.map((c) => ({ prog: ptrProgram(c.shape, c.a), opts: { prog_type: c.t, log_level: 1 } })),
    );
    const wrong: string[] = [];
    all.forEach((c, i) => {
      const v = res[i]!.verdict;
      const want = ptrExpected(c.t, c.shape, c.a);
      if (v.ok !== (want.first === '') || (!v.ok && (v.errno_name !== want.errno || v.first_error !== want.first)))
        wrong.push(
          `${c.name}: kernel ${v.ok ? 'ok' : `${v.errno_name} ${v.first_error}`} | rule ${want.errno} ${want.first}`,
        );
    });
    expect(wrong).toEqual([]);
  });
});
