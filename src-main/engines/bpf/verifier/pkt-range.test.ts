/**
 * Packet bounds checks against Linux 6.18: try_match_pkt_pointers(), find_good_pkt_pointers(), mark_pkt_end() and
 * is_pkt_ptr_branch_taken() (kernel/bpf/verifier.c). pkt-range.kernel.json holds the running 6.18's answer to every
 * variant of pkt-range.fixtures.ts (XDP, privileged, log level 1), recorded with the oracle.
 */
import { describe, expect, it } from 'vitest';
import { kernelForTests } from '../../../oracle/test-util';
import { createBpf } from '../index';
import { answerOf, kernelClassDisagreements } from './kernel-classes.fixtures';
import { pktRangeCases } from './pkt-range.fixtures';
import RECORDED from './pkt-range.kernel.json';

const KERNEL: Readonly<Record<string, string>> = RECORDED;

function model(asm: string): string {
  const v = createBpf().verify({ asm, prog_type: 'xdp', log_level: 1 });
  return answerOf({ ok: v.ok, errno: v.errors[0]?.errno, first: v.errors[0]?.message });
}

/** Programs whose level-2 logs show the ranges: r=N, and AT_PKT_END / BEYOND_PKT_END in the other branch. */
const LOGGED = [
  'r2 = *(u32 *)(r1 +0)\nr3 = *(u32 *)(r1 +4)\nr4 = r2\nr4 += 8\nif r4 > r3 goto +1\nr0 = *(u64 *)(r2 +0)\nr0 = 0\nexit',
  'r2 = *(u32 *)(r1 +0)\nr3 = *(u32 *)(r1 +4)\nr4 = r2\nr4 += 14\nif r4 >= r3 goto +1\nr0 = *(u8 *)(r2 +14)\nr0 = 0\nexit',
  'r2 = *(u32 *)(r1 +0)\nr3 = *(u32 *)(r1 +4)\nr4 = r2\nr4 += 4\nif r3 > r4 goto +2\nr0 = 0\nexit\nr0 = *(u32 *)(r2 +0)\nr0 = 0\nexit',
  'r2 = *(u32 *)(r1 +0)\nr3 = *(u32 *)(r1 +8)\nr4 = r3\nr4 += 2\nif r4 <= r2 goto +2\nr0 = 0\nexit\nr0 = *(u16 *)(r3 +0)\nr0 = 0\nexit',
  // Two paths meet with pointers of different offsets, then with the range proven on one path only (pruning).
  'r2 = *(u32 *)(r1 +0)\nr3 = *(u32 *)(r1 +4)\nr6 = *(u32 *)(r1 +12)\nr4 = r2\nif r6 > 3 goto +2\nr4 += 16\ngoto +1\n' +
    'r4 += 8\nif r4 > r3 goto +2\nr0 = *(u32 *)(r2 +4)\nr0 = *(u32 *)(r4 -4)\nr0 = 0\nexit',
  'r2 = *(u32 *)(r1 +0)\nr3 = *(u32 *)(r1 +4)\nr6 = *(u32 *)(r1 +12)\nr4 = r2\nr4 += 16\nif r6 > 3 goto +2\n' +
    'if r4 > r3 goto +3\ngoto +1\nif r4 > r3 goto +1\nr0 = *(u32 *)(r2 +4)\nr0 = 0\nexit',
];

describe('packet bounds checks against Linux 6.18 recorded answers', () => {
  it('every jump × operand order × width × offset × branch gives the recorded answer', () => {
    const cases = pktRangeCases();
    expect(cases.length).toBe(Object.keys(KERNEL).length);
    const wrong = cases
      .filter((c) => model(c.asm) !== KERNEL[c.name])
      .map((c) => `${c.name}: ${model(c.asm)} (kernel ${KERNEL[c.name]})`);
    expect(wrong).toEqual([]);
  });

  it('prints the proven range and the at/beyond-end marks as the kernel does', () => {
    const v = createBpf().verify({ asm: LOGGED[0]!, prog_type: 'xdp', log_level: 2 });
    expect(v.log).toContain('R3=pkt_end() R4=pkt(off=8,r=8)');
    expect(v.log).toContain('R0=scalar() R2=pkt(r=8)');
    expect(v.log).toContain('R4=pkt(off=8,r=0xfffffffffffffffe)');
  });
});

const { oracle, skip } = kernelForTests('packet bounds checks against the running kernel');

describe.skipIf(skip)('packet bounds checks against the running kernel', () => {
  it('the recorded answers are the running kernel’s and the model agrees', () => {
    const wrong = kernelClassDisagreements(
      oracle,
      pktRangeCases(),
      (c) => ({ prog: c.asm, opts: { prog_type: 'xdp', log_level: 1 } }),
      KERNEL,
      (c) => model(c.asm),
    );
    expect(wrong).toEqual([]);
  });

  it('the level-2 lines of packet pointers are the kernel’s', () => {
    const pick = (log: string) => log.split('\n').filter((l) => /pkt|^processed/.test(l));
    for (const asm of LOGGED) {
      const k = oracle.verify(asm, { prog_type: 'xdp', log_level: 2 });
      const m = createBpf().verify({ asm, prog_type: 'xdp', log_level: 2 });
      expect(pick(m.log)).toEqual(pick(k.log));
    }
  });
});
