import { describe, expect, it } from 'vitest';
import { assembleKernel } from '../asm-kernel';
import { computeLiveRegisters } from './liveness';

const live = (src: string, params?: (n: number) => number | undefined): string[] => {
  const insns = assembleKernel(src, { kfuncId: (n) => (n === 'kf' ? 77 : undefined) }).insns;
  const l = computeLiveRegisters(insns, params ? (c) => params(c.imm) : undefined);
  return Array.from(l, (m) => Array.from({ length: 10 }, (_, r) => (m & (1 << r) ? String(r) : '.')).join(''));
};

describe('compute_live_registers()', () => {
  it('a call reads r1-r5 unless its argument count is known (get_call_summary())', () => {
    const src = 'r1 = 1\nr2 = 2\nr3 = 3\nr4 = 4\nr5 = 5\ncall kf\nexit';
    // Without a summary every argument register is read by the call.
    expect(live(src)[5]).toBe('.12345....');
    // A kfunc of three parameters reads r1-r3: r4 and r5 are dead before it, so their stores are too.
    const three = live(src, (id) => (id === 77 ? 3 : undefined));
    expect(three[5]).toBe('.123......');
    expect(three[3]).toBe('.123......');
    // A call defines r0-r5: the exit reads r0.
    expect(three[6]).toBe('0.........');
  });

  it('a bpf-to-bpf call always reads r1-r5', () => {
    expect(live('r1 = 1\ncall f\nexit\nf:\nr0 = r1\nexit', () => 0)[1]).toBe('.12345....');
  });
});
