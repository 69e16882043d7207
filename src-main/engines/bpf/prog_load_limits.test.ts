/**
 * bpf_prog_load()'s size checks (kernel/bpf/syscall.c): insn_cnt 0, or more than BPF_COMPLEXITY_LIMIT_INSNS
 * (1,000,000 for a bpf_capable() loader), is E2BIG before anything else; a failed load hands out no program id.
 */
import { describe, expect, it } from 'vitest';
import { KernelError } from '../common/errors';
import { createBpf } from './index';
import { BPF_COMPLEXITY_LIMIT_INSNS } from './isa';
import { checkBpfInvariants } from './invariants';

const errnoOf = (fn: () => unknown): string => {
  try {
    fn();
  } catch (e) {
    return e instanceof KernelError ? e.errno : `not a KernelError: ${String(e)}`;
  }
  return 'ok';
};

describe('prog_load size limits', () => {
  it('1M+1 instructions are E2BIG, as bytes, as records and as assembly', () => {
    const bpf = createBpf();
    const n = BPF_COMPLEXITY_LIMIT_INSNS + 1;
    expect(errnoOf(() => bpf.prog_load({ insns: new Uint8Array(8 * n), verify: false }))).toBe('E2BIG');
    const exit = { code: 0x95, dst_reg: 0, src_reg: 0, off: 0, imm: 0 };
    expect(errnoOf(() => bpf.prog_load({ insns: Array.from({ length: n }, () => exit), verify: false }))).toBe('E2BIG');
    expect(errnoOf(() => bpf.prog_load({ asm: 'r0 = 0\n'.repeat(n - 1) + 'exit', verify: false }))).toBe('E2BIG');
    expect(bpf.progs.size).toBe(0);
    expect(checkBpfInvariants(bpf)).toEqual([]);
  });

  it('no instructions is E2BIG (insn_cnt == 0)', () => {
    const bpf = createBpf();
    expect(errnoOf(() => bpf.prog_load({ insns: [] }))).toBe('E2BIG');
    expect(errnoOf(() => bpf.prog_load({ insns: new Uint8Array(0) }))).toBe('E2BIG');
    expect(errnoOf(() => bpf.prog_load({ asm: '' }))).toBe('E2BIG');
  });

  it('a failed map_create hands out no id: the next map gets the id the failed one would have had', () => {
    const bpf = createBpf();
    expect(
      errnoOf(() => bpf.map_create({ map_type: 'BPF_MAP_TYPE_ARRAY', key_size: 4, value_size: 8, max_entries: 0 })),
    ).toBe('EINVAL');
    expect(bpf.map_create({ map_type: 'BPF_MAP_TYPE_ARRAY', key_size: 4, value_size: 8, max_entries: 1 }).id).toBe(1);
    expect(checkBpfInvariants(bpf)).toEqual([]);
  });
});
