import { describe, expect, it } from 'vitest';
import type { KernelVerdict } from './index';
import { alignLogs, compareVerdicts } from './log-compare';

const KERNEL: KernelVerdict = {
  ok: false,
  errno: 13,
  errno_name: 'EACCES',
  log: '0: R1=ctx() R10=fp0\n0: (bf) r0 = r2\nR2 !read_ok\nprocessed 1 insns (limit 1000000) max_states_per_insn 0 total_states 0 peak_states 0 mark_read 0\n',
  first_error: 'R2 !read_ok',
};

describe('alignLogs', () => {
  it('pairs equal lines and leaves the differing ones one-sided, in order', () => {
    expect(alignLogs('a\nb\nc\n', 'a\nx\nc')).toEqual([
      { ours: 'a', kernel: 'a', agree: true },
      { kernel: 'x', agree: false },
      { ours: 'b', agree: false },
      { ours: 'c', kernel: 'c', agree: true },
    ]);
    expect(alignLogs('a   \n', 'a')).toEqual([{ ours: 'a', kernel: 'a', agree: true }]);
  });
});

describe('compareVerdicts', () => {
  it('agrees on an identical rejection', () => {
    const c = compareVerdicts({ ok: false, errno_name: 'EACCES', log: KERNEL.log }, KERNEL);
    expect(c).toMatchObject({
      verdict_agree: true,
      errno_agree: true,
      first_error_agree: true,
      first_disagreement: -1,
    });
    expect(c.ours_first_error).toBe('R2 !read_ok');
  });

  it('marks the first line where a different message appears', () => {
    const ours = KERNEL.log.replace('R2 !read_ok', 'R2 is not initialised');
    const c = compareVerdicts({ ok: false, errno_name: 'EACCES', log: ours }, KERNEL);
    expect(c).toMatchObject({
      verdict_agree: true,
      errno_agree: true,
      first_error_agree: false,
      first_disagreement: 2,
    });
    expect(c.rows[2]).toEqual({ kernel: 'R2 !read_ok', agree: false });
    expect(c.rows[3]).toEqual({ ours: 'R2 is not initialised', agree: false });
  });

  it('reports a verdict disagreement when we accept what the kernel refuses', () => {
    const c = compareVerdicts({ ok: true, log: 'processed 2 insns\n' }, KERNEL);
    expect(c).toMatchObject({
      verdict_agree: false,
      errno_agree: false,
      first_error_agree: false,
      first_disagreement: 0,
    });
    expect(c.ours_first_error).toBeUndefined();
  });
});
