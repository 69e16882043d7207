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

type Kind = 'ldx' | 'stx' | 'st';
const SIZES = [1, 2, 4, 8] as const;
const KINDS: Kind[] = ['ldx', 'stx', 'st'];
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
/** Departure from 6.18: a u64 load of __sk_buff.sk gives PTR_TO_SOCK_COMMON_OR_NULL; the model has no socket pointers. */
const DEPARTS = (t: string, k: Kind, off: number, size: number): boolean =>
  t === 'socket_filter' && k === 'ldx' && off === 168 && size === 8;

function allowed(t: string, k: Kind, off: number, size: number): boolean {
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
  else if (k === 'stx') b.push(...insn(0x63 | SZ[size]!, 1, 2, off, 0));
  else b.push(...insn(0x62 | SZ[size]!, 1, 0, off, 0));
  b.push(...insn(0xb7, 0, 0, 0, 0), ...insn(0x95, 0, 0, 0, 0));
  return Uint8Array.from(b);
}
function* cases(): Generator<{ t: string; k: Kind; off: number; size: number; name: string }> {
  for (const t of Object.keys(SPAN))
    for (const k of KINDS)
      for (const size of SIZES)
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
      const want = allowed(c.t, c.k, c.off, c.size) && !DEPARTS(c.t, c.k, c.off, c.size);
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
      if (DEPARTS(c.t, c.k, c.off, c.size)) return;
      const m = model(c.t, c.k, c.off, c.size);
      if (m.ok !== v.ok || (!v.ok && (m.errno !== v.errno_name || m.first !== v.first_error)))
        wrong.push(
          `${c.name}: kernel ${v.ok ? 'ok' : `${v.errno_name} ${v.first_error}`} | model ${m.ok ? 'ok' : `${m.errno} ${m.first}`}`,
        );
    });
    expect(wrong).toEqual([]);
  });
});
