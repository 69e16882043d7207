import { describe, expect, it } from 'vitest';
import type { MachineState } from '../../src-main/contract';
import { cLineAt, cLineText, keepBpfDetails, parseState } from './bpf-state';

describe('reading the verifier state notation', () => {
  it('splits registers and an iterator slot with its state and depth', () => {
    const v = parseState(
      'R0=rdonly_mem(id=2,ref_obj_id=1,sz=4) R6=scalar(smin=0,smax=umax=0xffffffff,var_off=(0x0; 0xffffffff)) R10=fp0 fp-8=iter_num(ref_id=1,state=active,depth=1) refs=1',
    );
    expect(v.regs.map((r) => [r.name, r.type, r.value, r.id, r.ref_obj_id])).toEqual([
      ['R0', 'rdonly_mem', 'sz=4', '2', '1'],
      ['R6', 'scalar', 'smin=0,smax=umax=0xffffffff,var_off=(0x0; 0xffffffff)', '', ''],
      ['R10', 'fp', 'fp0', '', ''],
    ]);
    expect(v.stack).toEqual([
      {
        slot: 'fp-8',
        kind: 'iterator',
        type: 'iter_num',
        value: '',
        state: 'active',
        depth: '1',
        ref_id: '1',
        text: 'fp-8=iter_num(ref_id=1,state=active,depth=1)',
      },
    ]);
    expect(v.refs).toBe('1');
  });

  it('reads constants, precise marks, the _w suffix of older kernels, spills and byte kinds', () => {
    const v = parseState(
      'frame1: R0_w=P0 R1_w=fp-8 R2=scalar() fp-8=mmmmmmmm fp-16=00000000 fp-24=ctx() fp-32=scalar(id=3,umax=7) cb',
    );
    expect(v.frame).toBe(1);
    expect(v.callback).toBe(true);
    expect(v.regs.map((r) => [r.name, r.type, r.value, r.precise])).toEqual([
      ['R0', 'scalar', '0', true],
      ['R1', 'fp', 'fp-8', false],
      ['R2', 'scalar', 'unknown', false],
    ]);
    expect(v.stack.map((s) => [s.slot, s.kind, s.type, s.value, s.ref_id])).toEqual([
      ['fp-8', 'bytes', 'mmmmmmmm', '', ''],
      ['fp-16', 'bytes', '00000000', '', ''],
      ['fp-24', 'spilled register', 'ctx', '', ''],
      ['fp-32', 'spilled register', 'scalar', 'umax=7', 'id=3'],
    ]);
  });
});

describe('keeping the loads’ details across machine states', () => {
  const state = (loads: MachineState['bpf']['loads']): MachineState =>
    ({ bpf: { progs: [], maps: [], loads } }) as unknown as MachineState;
  const load = (seq: number, withDetail: boolean): MachineState['bpf']['loads'][number] => ({
    seq,
    name: `p${seq}`,
    prog_type: 'raw_tracepoint',
    insn_cnt: 2,
    verified: true,
    ok: true,
    ...(withDetail ? { detail: { disasm: `${seq}`, log: '', log_level: 1, maps: [] } } : {}),
  });

  it('carries a detail sent earlier to the state that lacks it, by load sequence number', () => {
    const first = state([load(0, true)]);
    const next = keepBpfDetails(first, state([load(0, false), load(1, true)]));
    expect(next.bpf.loads.map((l) => l.detail?.disasm)).toEqual(['0', '1']);
    expect(next.bpf.loads[0]!.detail).toBe(first.bpf.loads[0]!.detail);
    expect(keepBpfDetails(undefined, state([load(3, false)])).bpf.loads[0]!.detail).toBeUndefined();
  });
});

describe('the C line of an instruction (line_info)', () => {
  const src = [
    { insn: 0, file: '/w/fill.bpf.c', line: 9, col: 1, text: 'int fill(void *ctx)' },
    { insn: 4, file: '/w/fill.bpf.c', line: 12, col: 11, text: '\t\tseen[i] = i * i;' },
  ];
  it('is the last record starting at or before the instruction, printed as the verifier log does', () => {
    expect(cLineAt(src, 0)?.line).toBe(9);
    expect(cLineAt(src, 3)?.line).toBe(9);
    expect(cLineAt(src, 4)?.line).toBe(12);
    expect(cLineAt(src, 40)?.line).toBe(12);
    expect(cLineAt(undefined, 4)).toBeUndefined();
    expect(cLineAt(src.slice(1), 2)).toBeUndefined();
    expect(cLineText(src[1]!)).toBe('seen[i] = i * i; @ fill.bpf.c:12');
  });
});
