/**
 * The helper-availability class (check_helper_call() in kernel/bpf/verifier.c, the get_func_proto() of each
 * program type): every helper id, -1 and past __BPF_FUNC_MAX_ID, called with zero arguments from every modelled
 * kernel program type. The model gives the kernel's verdict, errno and first error line for ids it refuses before
 * the arguments and for the helpers it implements; the helpers the kernel offers but the model does not implement
 * are listed (a departure, refused with `invalid func`).
 */
import { describe, expect, it } from 'vitest';
import { kernelForTests } from '../../../oracle/test-util';
import { BPF_FUNC_NAMES } from '../helper-ids';
import { createBpf } from '../index';
import { BPF_F } from '../prog_flags';
import { BPF_FUNC_MAX_ID, helperAllowed, helperCallRefusal } from './prog-types';
import type { ProgType } from './prog-types';
import { HELPER_PROTOS } from './protos';

const TYPES = [
  'socket_filter',
  'raw_tracepoint',
  'tracepoint',
  'xdp',
  'syscall',
] as const satisfies readonly ProgType[];
const IDS = [
  -1,
  ...Array.from({ length: BPF_FUNC_MAX_ID }, (_, i) => i),
  BPF_FUNC_MAX_ID,
  BPF_FUNC_MAX_ID + 1,
  1000,
  0x7fffffff,
];

/** r1 = 0 .. r5 = 0; call id; r0 = 0; exit */
function prog(id: number): Uint8Array {
  const b = new Uint8Array(8 * 8);
  const dv = new DataView(b.buffer);
  for (let r = 1; r <= 5; r++) {
    b[(r - 1) * 8] = 0xb7;
    b[(r - 1) * 8 + 1] = r;
  }
  b[5 * 8] = 0x85;
  dv.setInt32(5 * 8 + 4, id, true);
  b[6 * 8] = 0xb7;
  b[7 * 8] = 0x95;
  return b;
}

/** r1 stays the context (plus `ctxOff`), r2 = 0; call id; r0 = 0; exit */
function ctxProg(id: number, ctxOff: number): Uint8Array {
  const hex = `07010000${(ctxOff >>> 0).toString(16).padStart(8, '0').match(/../g)!.reverse().join('')}b702000000000000`;
  const b = Uint8Array.from(
    `${hex}85000000${(id >>> 0).toString(16).padStart(8, '0').match(/../g)!.reverse().join('')}b7000000000000009500000000000000`
      .match(/../g)!
      .map((x) => parseInt(x, 16)),
  );
  return b;
}

/** The partly checked helpers with a context in R1, unmodified and moved: Linux 6.18's answers. */
const CTX_CASES: [ProgType, number, number, string][] = [
  ['syscall', 12, 0, 'EACCES R2 type=scalar expected=map_ptr'],
  ['raw_tracepoint', 25, 0, 'EACCES R2 type=scalar expected=map_ptr'],
  ['socket_filter', 12, 8, 'EACCES dereference of modified ctx ptr R1 off=8 disallowed'],
  ['xdp', 211, 0, 'EACCES R1 type=ctx expected=map_ptr'],
];

function modelBytes(t: ProgType, bytes: Uint8Array): string {
  const v = createBpf().verify({ insns: bytes, prog_type: t, log_level: 1, prog_flags: flags(t) });
  return v.ok ? 'ok' : `${v.errors[0]?.errno} ${v.errors[0]?.message}`;
}

const flags = (t: ProgType): number => (t === 'syscall' ? BPF_F.SLEEPABLE : 0);

function model(t: ProgType, id: number): string {
  const v = createBpf().verify({ insns: prog(id), prog_type: t, log_level: 1, prog_flags: flags(t) });
  return v.ok ? 'ok' : `${v.errors[0]?.errno} ${v.errors[0]?.message}`;
}

/** Offered by the kernel, passed check_helper_call()'s early checks, and without a proto in the model. */
function unimplemented(t: ProgType, id: number): boolean {
  return helperCallRefusal(t, id, t === 'syscall') === undefined && !HELPER_PROTOS.has(id);
}

describe('helper id x program type (check_helper_call() before the arguments)', () => {
  it('refuses every id the type does not offer, and every id out of range, with the kernel’s line and EINVAL', () => {
    const wrong: string[] = [];
    for (const t of TYPES) {
      for (const id of IDS) {
        const refusal = helperCallRefusal(t, id, t === 'syscall');
        if (refusal !== undefined && model(t, id) !== `EINVAL ${refusal}`) wrong.push(`${t} ${id}: ${model(t, id)}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('gives Linux 6.18’s recorded answers for a sample of each kind', () => {
    expect(model('socket_filter', 0)).toBe('EINVAL program of this type cannot use helper bpf_unspec#0');
    expect(model('xdp', 4)).toBe('EINVAL program of this type cannot use helper bpf_probe_read#4');
    expect(model('raw_tracepoint', 26)).toBe('EINVAL program of this type cannot use helper bpf_skb_load_bytes#26');
    expect(model('syscall', 212)).toBe('EINVAL invalid func unknown#212');
    expect(model('tracepoint', -1)).toBe('EINVAL invalid func unknown#-1');
    expect(model('syscall', 107)).toBe('EINVAL helper call is not allowed in probe');
    expect(model('xdp', 148)).toBe('EINVAL helper call might sleep in a non-sleepable prog');
    expect(model('syscall', 1)).toBe('EACCES R1 type=scalar expected=map_ptr');
    expect(model('socket_filter', 5)).toBe('ok');
    expect(model('xdp', 125)).toBe('ok');
    expect(BPF_FUNC_NAMES.length).toBe(BPF_FUNC_MAX_ID);
    expect(BPF_FUNC_NAMES[211]).toBe('cgrp_storage_delete');
  });

  it('lists the helpers the kernel offers that the model does not implement', () => {
    const byType = TYPES.map((t) => `${t}: ${IDS.filter((id) => unimplemented(t, id)).length}`);
    const partial = [...HELPER_PROTOS]
      .filter(([, p]) => p.unimplemented)
      .map(([id]) => `bpf_${BPF_FUNC_NAMES[id]}#${id}`);
    console.log(`known but unimplemented, leading arguments checked as Linux does: ${partial.join(', ')}`);
    console.log(
      `helpers offered by Linux 6.18 but not implemented by the model (refused with invalid func): ${byType.join(', ')}`,
    );
    for (const t of TYPES) {
      for (const id of IDS.filter((i) => unimplemented(t, i))) {
        expect(model(t, id)).toBe(`EINVAL invalid func bpf_${BPF_FUNC_NAMES[id]}#${id}`);
      }
    }
    // Their leading arguments are checked as Linux does; a good ctx and map reach the refusal.
    expect(model('syscall', 211)).toBe('EACCES R1 type=scalar expected=map_ptr');
    expect(model('syscall', 12)).toBe('EACCES R1 type=scalar expected=ctx');
    for (const [t, id, off, k] of CTX_CASES) expect(modelBytes(t, ctxProg(id, off))).toBe(k);
    expect(helperAllowed('ublk', 1)).toBe(true);
    expect(helperAllowed('ublk', 26)).toBe(false);
  });
});

describe('bpf_ktime_get_boot_ns (id 125)', () => {
  it('runs in the interpreter and the JIT on the virtual clock that bpf_ktime_get_ns reads', () => {
    // call bpf_ktime_get_ns; r6 = r0; call bpf_ktime_get_boot_ns; r0 -= r6; exit
    const insns = Uint8Array.from(
      '8500000005000000bf06000000000000850000007d0000001f600000000000009500000000000000'
        .match(/../g)!
        .map((b) => parseInt(b, 16)),
    );
    const rs = [false, true].map((jit) => {
      const e = createBpf({ jit });
      const p = e.prog_load({ insns, prog_type: 'syscall', prog_flags: BPF_F.SLEEPABLE });
      return e.prog_test_run(p, { ctx_in: new Uint8Array(16) }).retval;
    });
    expect(rs[0]).toBe(rs[1]);
    // The clock does not go back between the two calls, and nothing suspends in between.
    expect(rs[0]! >>> 0).toBeLessThan(1_000_000);
  });
});

const { oracle, skip } = kernelForTests('helper id x program type against the running kernel');

describe.skipIf(skip)('helper id x program type against the running kernel', () => {
  it('the table is the kernel’s, and the model agrees wherever it decides before the arguments or implements the helper', () => {
    const wrong: string[] = [];
    let compared = 0;
    for (const t of TYPES) {
      const res = oracle.batch(IDS.map((id) => ({ prog: prog(id), opts: { prog_type: t, log_level: 1 }, run: false })));
      IDS.forEach((id, i) => {
        const v = res[i]!.verdict;
        if (v.refused) return; // the oracle's allow-list (policy.ts) keeps this helper from the kernel
        const k = v.ok ? 'ok' : `${v.errno_name} ${v.first_error}`;
        const offered = !/^EINVAL (program of this type cannot use helper|invalid func unknown)/.test(k);
        if (offered !== helperAllowed(t, id))
          wrong.push(`${t} ${id}: kernel ${k}, table says offered=${helperAllowed(t, id)}`);
        if (unimplemented(t, id)) return;
        compared++;
        if (model(t, id) !== k) wrong.push(`${t} ${id}: kernel ${k} | model ${model(t, id)}`);
      });
    }
    for (const [t, id, off, k] of CTX_CASES) {
      const v = oracle.verify(ctxProg(id, off), { prog_type: t, log_level: 1 });
      if (`${v.errno_name} ${v.first_error}` !== k)
        wrong.push(`${t} ${id} ctx+${off}: kernel ${v.errno_name} ${v.first_error}, recorded ${k}`);
    }
    console.log(`helper id x program type: ${compared} loads compared with the running kernel`);
    expect(wrong).toEqual([]);
    expect(compared).toBeGreaterThan(TYPES.length * 100);
  });
});
