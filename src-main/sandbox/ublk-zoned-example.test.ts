/**
 * The ublk-zoned.js example: a zoned ublk device with the 'zoned' target, answered as Linux 6.18's ublk driver
 * (ublk_report_zones(), the commit's zone_append_lba) and null_blk's zone rules (write pointer, open/active limits).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { RunRequestSchema } from '../contract';
import { runInSandbox } from './sandbox';

describe('the ublk-zoned.js example', () => {
  it('writes at the write pointer, appends, hits the open/active limits and reports the zones', async () => {
    const code = readFileSync(new URL('../../src-renderer/examples/ublk-zoned.js', import.meta.url), 'utf8');
    let out = '';
    const outcome = await runInSandbox(RunRequestSchema.parse({ code, filename: 'ublk-zoned.js' }), {
      output: (_s, t) => (out += t),
      progress: () => {},
    });
    expect(outcome.error).toBeUndefined();
    const r = outcome.result as { steps: { got: string }[]; lbas: number[]; zones: string[] };
    expect(r.steps.map((s) => s.got)).toEqual([
      'ok',
      'EIO',
      'ok',
      'ok',
      'EOVERFLOW',
      'ETOOMANYREFS',
      'ok',
      'EIO',
      'EIO',
    ]);
    expect(r.lbas).toEqual([16384, 16400, 16416]);
    expect(r.zones).toEqual(['NOT_WP', 'EMPTY', 'FULL', 'EXP_OPEN', 'EXP_OPEN', 'EMPTY']);
    expect(out).toContain('zcond: FULL [type: SEQ_WRITE_REQUIRED]');
  });
});
