import { describe, expect, it } from 'vitest';
import type { MachineState } from '../../src-main/contract';
import { TAG_STATES, boardState, tagState } from './ublk-tagboard';

type Dev = MachineState['ublk']['devs'][number];

/** A device as machine-state.ts sends it: 2 queues of 4 tags, `fetched` tags ACTIVE on each. */
function dev(state: string, recovering: boolean, fetched: number, canceling = false): Dev {
  const tags = (n: number) =>
    Array.from({ length: 4 }, (_, tag) => ({ tag, flags: tag < n ? ['ACTIVE'] : [], request: null }));
  return {
    info: {},
    stats: {},
    board: { state, recovering },
    queues: [0, 1].map((q_id) => ({ q_id, nr_io_ready: fetched, canceling, tags: tags(fetched) })),
  };
}

describe('the tag board shows the device state: live, quiesced, recovering, fail_io, dead', () => {
  it('names each state from UBLK_S_DEV_* and the recovery flag', () => {
    expect(boardState(dev('UBLK_S_DEV_LIVE', false, 4))).toEqual({ state: 'live', text: 'live: 8/8 tags fetched' });
    expect(boardState(dev('UBLK_S_DEV_QUIESCED', false, 0)).state).toBe('quiesced');
    expect(boardState(dev('UBLK_S_DEV_FAIL_IO', false, 0)).state).toBe('fail_io');
    expect(boardState(dev('UBLK_S_DEV_DEAD', false, 0)).state).toBe('dead');
    // START_USER_RECOVERY sent: the device is still QUIESCED, the new server has fetched tag 0 of each queue
    const r = boardState(dev('UBLK_S_DEV_QUIESCED', true, 1));
    expect(r.state).toBe('recovering');
    expect(r.text).toContain('fetched 2/8 tags');
  });

  it('a device QUIESCE_DEV left: QUIESCED, every tag CANCELED (ublk_queue_reinit() keeps UBLK_IO_FLAG_CANCELED)', () => {
    const d = dev('UBLK_S_DEV_QUIESCED', false, 0);
    for (const q of d.queues) for (const t of q.tags) t.flags = ['CANCELED'];
    expect(boardState(d)).toEqual({
      state: 'quiesced',
      text: 'quiesced: no server; requests wait (requeued) until a new server ends user recovery',
    });
    expect(d.queues.flatMap((q) => q.tags.map(tagState))).toEqual(Array(8).fill('canceled'));
  });

  it('a state from an older machine frame (no board field) reads as live', () => {
    const d = dev('UBLK_S_DEV_LIVE', false, 4);
    delete d.board;
    expect(boardState(d).state).toBe('live');
    expect(tagState(d.queues[0]!.tags[0]!)).toBe('fetched');
  });
});

describe('UBLK_F_BATCH_IO tags show the batch command that moved them', () => {
  const tag = (flags: string[], batch: 'prepared' | 'queued' | 'fetched' | 'committed' | null, request = false) => ({
    tag: 0,
    flags,
    request: request ? { op: 'read', sector: 0, nr_sectors: 8 } : null,
    batch,
  });
  it('prepared, fetched in a batch, committed in a batch; a queued request is in the driver', () => {
    expect(tagState(tag(['ACTIVE'], 'prepared'))).toBe('batch_prepared');
    expect(tagState(tag(['OWNED_BY_SRV'], 'fetched', true))).toBe('batch_fetched');
    expect(tagState(tag(['ACTIVE'], 'committed'))).toBe('batch_committed');
    expect(tagState(tag(['ACTIVE'], 'queued', true))).toBe('driver');
    // CANCELED still wins, and a tag without batch information reads as before
    expect(tagState(tag(['ACTIVE', 'CANCELED'], 'prepared'))).toBe('canceled');
    expect(tagState(tag(['OWNED_BY_SRV'], null, true))).toBe('server');
    expect(TAG_STATES.map((s) => s.state)).toEqual(
      expect.arrayContaining(['batch_prepared', 'batch_fetched', 'batch_committed']),
    );
  });
});
