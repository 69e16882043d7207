import { describe, expect, it } from 'vitest';
import { kernelForTests } from '../../../oracle/test-util';
import { createBpf } from '../index';
import { BPF_LOG_BUF_SIZE, VerifierLog } from './log';

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
    const r1 = bpf.verify({ asm, prog_type: 'raw_tp', log_level: 1 });
    expect(r1.ok).toBe(true);
    expect(r1.log).toMatch(/processed 20003 insns \(limit 1000000\)/);
    // Level 2 backtracks r1 through every earlier checkpoint at each iteration (237,760 mark_precise lines, as 6.18
    // prints them): the log outgrows libbpf's 16 MiB and the load fails with ENOSPC, as it does on the running kernel.
    const r2 = bpf.verify({ asm, prog_type: 'raw_tp', log_level: 2 });
    expect([r2.ok, r2.errors[0]?.errno, r2.log.length]).toEqual([false, 'ENOSPC', 16 * 1024 * 1024 - 2]);
    expect(
      r2.log.endsWith(
        'processed 20003 insns (limit 1000000) max_states_per_insn 4 total_states 501 peak_states 501 mark_read 0\n',
      ),
    ).toBe(true);
    const r3 = bpf.verify({ asm, prog_type: 'raw_tp', log_level: 2, log_size: 32 * 1024 * 1024 }); // 16,989,364 bytes in all
    expect(r3.ok).toBe(true);
    // The branch's state follows its mark_precise lines on a line of its own, as the kernel prints it.
    expect(r3.log).toContain(
      '2: (55) if r1 != 0x0 goto pc-2\nmark_precise: frame0: last_idx 2 first_idx 2 subseq_idx -1 \n',
    );
    expect(r3.log).toContain('\n2: R1=0\n3: (b7) r0 = 0                        ; R0=0\n');
  });
});

describe('a log longer than its buffer (log_size)', () => {
  it('keeps the last log_size - 1 characters, cut back by absolute positions', () => {
    const log = new VerifierLog(8);
    log.append('0123');
    log.append('45678');
    expect(log.toString()).toBe('2345678');
    expect(log.len).toBe(9);
    log.truncate(6);
    expect(log.toString()).toBe('2345');
    log.truncate(1); // before anything kept: empty, positions go on from there
    expect([log.toString(), log.len]).toEqual(['', 1]);
    log.append('abc\ndef\n');
    expect(log.toString()).toBe('bc\ndef\n');
    expect(log.lastLineLen()).toBe(4);
    expect(new VerifierLog().len).toBe(0);
    expect(BPF_LOG_BUF_SIZE).toBe(16777215);
  });

  const LOOP = 'r1 = 2000000\nl:\nr1 -= 1\nif r1 != 0 goto l\nr0 = 0\nexit';
  const CASES = [
    { name: 'an accepted program', asm: 'r0 = 0\nexit', log_size: 50 },
    { name: 'a rejected read', asm: 'r0 = r2\nexit', log_size: 20 },
    { name: 'the budget run out (E2BIG)', asm: LOOP, log_size: 4096 },
  ];
  it('fails the load with ENOSPC when the log does not fit, keeping the tail of the whole log', () => {
    for (const c of CASES.slice(0, 2)) {
      const whole = createBpf().verify({ asm: c.asm, prog_type: 'raw_tp' });
      const cut = createBpf().verify({ asm: c.asm, prog_type: 'raw_tp', log_size: c.log_size });
      expect(cut.ok, c.name).toBe(false);
      expect(cut.errors[0]?.errno, c.name).toBe('ENOSPC');
      expect(cut.log, c.name).toBe(whole.log.slice(-(c.log_size - 1)));
      // A buffer with room for the log and its NUL keeps the verdict; no buffer at all (0) gives no log.
      const fits = createBpf().verify({ asm: c.asm, prog_type: 'raw_tp', log_size: whole.log.length + 1 });
      expect([fits.ok, fits.errors, fits.log], c.name).toEqual([whole.ok, whole.errors, whole.log]);
      const none = createBpf().verify({ asm: c.asm, prog_type: 'raw_tp', log_size: 0 });
      expect([none.ok, none.errors, none.log], c.name).toEqual([whole.ok, whole.errors, '']);
    }
    expect(() => createBpf().prog_load({ asm: 'r0 = 0\nexit', prog_type: 'raw_tp', log_size: 50 })).toThrow(
      expect.objectContaining({ errno: 'ENOSPC' }),
    );
    for (const bad of [-1, 1.5, NaN, 2 ** 30, '64' as unknown as number]) {
      const r = createBpf().verify({ asm: 'r0 = 0\nexit', prog_type: 'raw_tp', log_size: bad });
      expect([r.ok, r.errors[0]?.errno, r.errors[0]?.message]).toEqual([
        false,
        'EINVAL',
        expect.stringMatching(/^log_size .*: not an integer from 0 to 1073741823$/),
      ]);
      expect(() => createBpf().prog_load({ asm: 'r0 = 0\nexit', prog_type: 'raw_tp', log_size: bad })).toThrow(
        expect.objectContaining({ errno: 'EINVAL' }),
      );
    }
  });

  const { oracle, skip } = kernelForTests('log buffer against the running kernel');
  it.skipIf(skip)('gives what the running kernel gives with the same buffer', () => {
    for (const c of CASES) {
      const k = oracle.verify(c.asm, { prog_type: 'raw_tp', log_level: 1, log_size: c.log_size });
      const ours = createBpf().verify({ asm: c.asm, prog_type: 'raw_tp', log_size: c.log_size });
      // The oracle reloads an overflowed load without a log for its verdict; the overflowed load itself is ENOSPC.
      expect(k.log_truncated, c.name).toBe(true);
      expect([ours.ok, ours.errors[0]?.errno], c.name).toEqual([false, 'ENOSPC']);
      // The kept tail is the kernel's byte for byte (peak_states included: dropped checkpoints still referenced count).
      expect(ours.log, c.name).toBe(k.log);
    }
  });
});
