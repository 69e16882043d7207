import { describe, expect, it } from 'vitest';
import { Prng } from '../../common/prng';
import { copyReg, markKnown, notInit, regBoundsSync, regBoundsSyncSlow, scalarUnknown } from './reg';
import type { Reg } from './reg';
import { S32_MAX, S32_MIN, S64_MAX, S64_MIN, U32_MAX, U64_MAX, s32, s64, u32 } from './tnum';

const EDGES = [
  0n,
  1n,
  7n,
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
];

const fields = (r: Reg): bigint[] => [
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
];

describe('reg_bounds_sync() of a known value', () => {
  it('markKnown gives every view of the value: 5 everywhere, and -1 as u64/u32 maxima and s64/s32 -1', () => {
    const a = notInit();
    markKnown(a, 5n);
    expect(fields(a)).toEqual([5n, 0n, 5n, 5n, 5n, 5n, 5n, 5n, 5n, 5n]);
    const b = notInit();
    markKnown(b, -1n);
    expect(fields(b)).toEqual([U64_MAX, 0n, -1n, -1n, U64_MAX, U64_MAX, -1n, -1n, U32_MAX, U32_MAX]);
  });

  it('the known-value shortcut gives what the step-by-step sync gives, bounds containing the value or not', () => {
    const rng = new Prng(11);
    const pick = <T>(xs: readonly T[]): T => xs[rng.nextU32() % xs.length]!;
    const big = (): bigint =>
      rng.nextU32() % 3 === 0 ? pick(EDGES) : (BigInt(rng.nextU32()) << 32n) | BigInt(rng.nextU32());
    let contained = 0;
    for (let i = 0; i < 4000; i++) {
      const v = rng.nextU32() % 2 ? BigInt(rng.nextU32() % 100) : big();
      const r = scalarUnknown();
      r.var_off = { v, m: 0n };
      // Bounds: unbounded, the exact views, or views widened/shifted by a little (which may exclude v).
      const mode = rng.nextU32() % 3;
      if (mode > 0) {
        const d = (): bigint => (mode === 1 ? 0n : BigInt(rng.nextU32() % 5) - 2n);
        r.smin = s64(v) - (d() < 0n ? 1n : 0n);
        r.smax = s64(v) + d();
        r.umin = v + d() < 0n ? 0n : v + d() > U64_MAX ? U64_MAX : v + d();
        r.umax = v;
        r.s32min = s32(v) + d();
        r.s32max = s32(v);
        r.u32min = u32(v);
        r.u32max = u32(v) + (d() > 0n ? 1n : 0n);
        if (r.smin < S64_MIN) r.smin = S64_MIN;
        if (r.smax > S64_MAX) r.smax = S64_MAX;
        if (r.s32min < S32_MIN) r.s32min = S32_MIN;
        if (r.u32max > U32_MAX) r.u32max = U32_MAX;
        if (r.s32min > S32_MAX) r.s32min = S32_MAX;
      }
      const fast = copyReg(r);
      const slow = copyReg(r);
      regBoundsSync(fast);
      regBoundsSyncSlow(slow);
      expect(fields(fast), `v=${v} mode=${mode}`).toEqual(fields(slow));
      const exact =
        slow.smin === slow.smax &&
        slow.umin === slow.umax &&
        slow.s32min === slow.s32max &&
        slow.u32min === slow.u32max;
      if (exact) contained++;
    }
    // Both regimes are exercised: bounds that contain the value (the shortcut) and bounds that exclude it.
    expect(contained).toBeGreaterThan(1000);
    expect(contained).toBeLessThan(3900);
  });
});
