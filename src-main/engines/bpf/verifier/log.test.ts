import { describe, expect, it } from 'vitest';
import { createBpf } from '../index';
import { VerifierLog } from './log';

describe('the verifier log buffer', () => {
  it('appends, cuts back to a saved position and measures the last line like one flat string', () => {
    const log = new VerifierLog();
    let flat = '';
    const add = (s: string): void => {
      log.append(s);
      flat += s;
    };
    add('0: R1=ctx() R10=fp0\n');
    add('0: (b7) r0 = 0');
    add('\n');
    const saved = log.len;
    add('1: (95) exit\n');
    expect(log.lastLineLen()).toBe('1: (95) exit\n'.length);
    add('2: (05) goto pc+1');
    add('\n3:');
    // As the kernel's print position: the characters after the last newline before the final character.
    const flatLastLine = (f: string): number => f.length - (f.lastIndexOf('\n', f.length - 2) + 1);
    expect(log.lastLineLen()).toBe(flatLastLine(flat));
    expect(flatLastLine(flat)).toBe(2);
    expect(log.toString()).toBe(flat);
    log.truncate(saved + 4);
    flat = flat.slice(0, saved + 4);
    expect(log.toString()).toBe(flat);
    expect(log.len).toBe(flat.length);
    log.truncate(saved);
    expect(log.toString()).toBe('0: R1=ctx() R10=fp0\n0: (b7) r0 = 0\n');
    expect(log.lastLineLen()).toBe('0: (b7) r0 = 0\n'.length);
    log.clear();
    expect([log.toString(), log.len, log.lastLineLen()]).toEqual(['', 0, 0]);
  });

  it('keeps a long walk linear: a 20,000-insn loop logs at level 1 and 2 with its closing line', () => {
    const bpf = createBpf();
    const asm = 'r1 = 10000\nl:\nr1 -= 1\nif r1 != 0 goto l\nr0 = 0\nexit';
    const quiet = bpf.verify({ asm, prog_type: 'raw_tp', log_level: 0 });
    expect(quiet.result?.insn_processed).toBe(20003);
    for (const log_level of [1, 2]) {
      const r = bpf.verify({ asm, prog_type: 'raw_tp', log_level });
      expect(r.ok).toBe(true);
      expect(r.log).toMatch(/processed 20003 insns \(limit 1000000\)/);
      if (log_level === 2) expect(r.log).toContain('2: (55) if r1 != 0x0 goto pc-2        ; R1=1\n');
    }
  });
});
