/**
 * The ublk-recovery.js example: a server crash with a read in flight, then user recovery, in each recovery mode,
 * answered as ublk_ch_release_work_fn() / __ublk_fail_req() / ublk_prep_req() of Linux 6.18 do.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { RunRequestSchema } from '../contract';
import { runInSandbox } from './sandbox';

describe('the ublk-recovery.js example', () => {
  it('shows what each recovery mode does with held and new I/O', async () => {
    const code = readFileSync(new URL('../../src-renderer/examples/ublk-recovery.js', import.meta.url), 'utf8');
    let out = '';
    const outcome = await runInSandbox(RunRequestSchema.parse({ code, filename: 'ublk-recovery.js' }), {
      output: (_s, t) => (out += t),
      progress: () => {},
    });
    expect(outcome.error).toBeUndefined();
    const r = outcome.result as Record<string, Record<string, unknown>>;
    for (const row of Object.values(r))
      expect(row).toMatchObject({
        held: 'ETIMEDOUT',
        pid: -1,
        recovering: true,
        after: 'UBLK_S_DEV_LIVE',
        read_after: 'ok',
      });
    // the read the server held: failed (__ublk_fail_req) unless REISSUE requeues it to the new server
    // a read sent while no server runs waits (QUIESCED: requeued, served by the new server) or fails (FAIL_IO)
    expect(r['USER_RECOVERY']).toMatchObject({
      state: 'UBLK_S_DEV_QUIESCED',
      read_while_down: 'ETIMEDOUT',
      held_read_served: 1,
      down_read_served: 1,
    });
    expect(r['USER_RECOVERY|REISSUE']).toMatchObject({
      state: 'UBLK_S_DEV_QUIESCED',
      read_while_down: 'ETIMEDOUT',
      held_read_served: 2,
      down_read_served: 1,
    });
    expect(r['USER_RECOVERY|FAIL_IO']).toMatchObject({
      state: 'UBLK_S_DEV_FAIL_IO',
      read_while_down: 'EREMOTEIO',
      held_read_served: 1,
      down_read_served: 0,
    });
    expect(out).toContain('USER_RECOVERY|REISSUE');
    console.log(out);
  });
});
