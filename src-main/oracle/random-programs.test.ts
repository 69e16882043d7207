import { describe, expect, it } from 'vitest';
import { Prng } from '../engines/common/prng';
import { createBpf } from '../engines/bpf';
import { kernelOracle } from './index';
import { randomDiff, randomProgram } from './random-programs';

const oracle = kernelOracle();
const avail = oracle.available();
if (!avail.ok) console.log(`kernel oracle: random-program differential skipped (${avail.why})`);

describe('randomProgram', () => {
  it('is deterministic per seed, ends in exit and only jumps forward within the program', () => {
    const a = randomProgram(new Prng(3), 30);
    const b = randomProgram(new Prng(3), 30);
    expect(a).toEqual(b);
    expect(a.insns.at(-1)!.code).toBe(0x95);
    expect(a.high.slice(-2).map((i) => i.code)).toEqual([0x77, 0x95]);
    a.insns.forEach((i, pc) => {
      const cls = i.code & 7;
      if ((cls === 5 || cls === 6) && i.code !== 0x95) {
        expect(i.off).toBeGreaterThanOrEqual(0);
        expect(pc + 1 + i.off).toBeLessThan(a.insns.length);
      }
    });
    // It runs in our engine (the verifier-free load).
    expect(() => createBpf().prog_load({ insns: a.insns, verify: false }).run()).not.toThrow();
  });
});

describe.skipIf(!avail.ok)('random programs through the kernel and our engine', () => {
  it('agree on the 64-bit r0 of every program (kernel test run, interpreter, JIT)', () => {
    const s = randomDiff(oracle, 200, 20261126, 32);
    console.log(
      `kernel oracle: random programs ${s.accepted}/${s.programs} accepted by the kernel, r0 agreement ${s.agree}/${s.accepted}`,
    );
    expect(s.failures.map((f) => `#${f.index}: ${f.why}`)).toEqual([]);
    expect(s.accepted).toBe(200);
  });
});
