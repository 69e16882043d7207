import { describe, expect, it } from 'vitest';
import { Prng } from '../../common/prng';
import { BPF_ADD, BPF_AND, BPF_ARSH, BPF_LSH, BPF_MUL, BPF_OR, BPF_RSH, BPF_SUB, BPF_XOR } from '../isa';
import { scalarAlu, scalarAluBounds } from './alu';
import { copyReg, scalarConst } from './reg';
import type { Reg } from './reg';
import { S64_MAX, U64_MAX } from './tnum';

const EDGES = [
  0n,
  1n,
  2n,
  3n,
  31n,
  32n,
  63n,
  0x7fn,
  0x80n,
  0xffn,
  0x7fffffffn,
  0x80000000n,
  0xffffffffn,
  0x100000000n,
  S64_MAX,
  1n << 63n,
  U64_MAX,
  U64_MAX - 1n,
  0xffffffff80000000n,
  0x7fffffff00000000n,
  -1n,
  -8n,
];

const fields = (r: Reg): unknown[] => [
  r.var_off.v,
  r.var_off.m,
  r.smin,
  r.smax,
  r.umin,
  r.umax,
  r.s32min,
  r.s32max,
  r.u32min,
  r.u32max,
  r.id,
  r.precise,
];

describe('scalar ALU on two known values', () => {
  it('gives what the interval and tnum steps give, for every op, both widths and edge values', () => {
    const rng = new Prng(3);
    const pick = <T>(xs: readonly T[]): T => xs[rng.nextU32() % xs.length]!;
    const ops = [BPF_ADD, BPF_SUB, BPF_MUL, BPF_AND, BPF_OR, BPF_XOR, BPF_LSH, BPF_RSH, BPF_ARSH];
    for (let i = 0; i < 6000; i++) {
      const op = pick(ops);
      const alu32 = rng.nextU32() % 2 === 1;
      const a = rng.nextU32() % 2 ? pick(EDGES) : (BigInt(rng.nextU32()) << 32n) | BigInt(rng.nextU32());
      const isSh = op === BPF_LSH || op === BPF_RSH || op === BPF_ARSH;
      const b = isSh
        ? BigInt(rng.nextU32() % (alu32 ? 32 : 64))
        : rng.nextU32() % 2
          ? pick(EDGES)
          : BigInt(rng.nextU32() | 0);
      const d = scalarConst(a);
      d.id = 7;
      d.precise = rng.nextU32() % 2 === 1;
      const s = scalarConst(b);
      const fast = copyReg(d);
      const slow = copyReg(d);
      scalarAlu(fast, s, op, alu32);
      scalarAluBounds(slow, copyReg(s), op, alu32);
      expect(fields(fast), `${a} op ${op} ${b} alu32=${alu32}`).toEqual(fields(slow));
    }
  });

  it('adds 5 + 3 to 8, and the 32-bit 0xffffffff + 1 wraps to 0', () => {
    const d = scalarConst(5n);
    scalarAlu(d, scalarConst(3n), BPF_ADD, false);
    expect([d.var_off.v, d.smin, d.umax, d.u32max]).toEqual([8n, 8n, 8n, 8n]);
    const w = scalarConst(0xffffffffn);
    scalarAlu(w, scalarConst(1n), BPF_ADD, true);
    expect([w.var_off.v, w.smin, w.smax, w.umin, w.umax]).toEqual([0n, 0n, 0n, 0n, 0n]);
  });
});
