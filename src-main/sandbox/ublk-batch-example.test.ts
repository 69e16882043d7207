/**
 * The ublk-batch.js example: per-tag commands vs UBLK_F_BATCH_IO on copy, zero copy and AUTO_BUF_REG (mainline's
 * ublk_ch_batch_io_uring_cmd(), after 6.18), run in the sandbox as the workbench runs it.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { RunRequestSchema } from '../contract';
import { runInSandbox } from './sandbox';

describe('the ublk-batch.js example', () => {
  it('batching cuts the io_uring ops per I/O, gains IOPS where the server is the bottleneck, and moves data correctly', async () => {
    const code = readFileSync(new URL('../../src-renderer/examples/ublk-batch.js', import.meta.url), 'utf8');
    let out = '';
    const outcome = await runInSandbox(RunRequestSchema.parse({ code, filename: 'ublk-batch.js' }), {
      output: (_s, t) => (out += t),
      progress: () => {},
    });
    expect(outcome.error).toBeUndefined();
    const r = outcome.result as {
      rows: { mode: string; commands: string; uring_ops_per_io: number; mismatches: number; tag_states: string }[];
      gain_copy: number;
      gain_zero_copy: number;
    };
    expect(r.rows).toHaveLength(6);
    for (const row of r.rows) expect(row.mismatches).toBe(0);
    const ops = (mode: string, c: string) => r.rows.find((x) => x.mode === mode && x.commands === c)!.uring_ops_per_io;
    // per tag: COMMIT_AND_FETCH_REQ per I/O (plus REGISTER/NOP/UNREGISTER under kublk's zero copy); batched: a share of one command
    expect(ops('copy', 'per tag')).toBeCloseTo(1, 5);
    expect(ops('copy', 'batch')).toBeLessThan(0.1);
    expect(ops('zero copy', 'batch')).toBeLessThan(ops('zero copy', 'per tag') - 0.9);
    // the published +12 % (copy) and +3.7 % (zero copy) at 16 jobs, within ±25 % of the ratio
    expect(r.gain_copy / 1.12).toBeGreaterThan(0.75);
    expect(r.gain_copy / 1.12).toBeLessThan(1.25);
    expect(r.gain_zero_copy / 1.037).toBeGreaterThan(0.75);
    expect(r.gain_zero_copy / 1.037).toBeLessThan(1.25);
    expect(r.rows.filter((x) => x.commands === 'batch').every((x) => x.tag_states === 'committed')).toBe(true);
    expect(out).toContain('batch gain');
  });
});
