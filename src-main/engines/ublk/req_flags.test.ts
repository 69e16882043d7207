/**
 * Per-I/O flags and the range ops as Linux 6.18 hands them to a ublk server: ublk_req_build_flags() and
 * ublk_setup_iod() (drivers/block/ublk_drv.c), submit_bio_noacct()'s flush and discard/write-zeroes checks
 * (block/blk-core.c), and ublk_validate_params() for UBLK_PARAM_TYPE_DISCARD.
 */
import { describe, it, expect } from 'vitest';
import { createUblk } from './index';
import type { AddDevOptions } from './index';
import type { ScriptIo } from './targets';
import { errnoOf } from './test-util';
import {
  REQ_FLAGS,
  UBLK_IO_F_FAILFAST_DEV,
  UBLK_IO_F_FAILFAST_DRIVER,
  UBLK_IO_F_FAILFAST_TRANSPORT,
  UBLK_IO_F_FUA,
  UBLK_IO_F_META,
  UBLK_IO_F_NOUNMAP,
  UBLK_IO_F_SWAP,
  ublk_req_build_flags,
} from './ublk_cmd';

/** A device whose script target records what the server was asked. */
function recorder(discard?: AddDevOptions['discard'], handlers = true) {
  const k = createUblk();
  const seen: Pick<ScriptIo, 'op' | 'offset' | 'len' | 'flags'>[] = [];
  const rec = (io: ScriptIo): number => {
    seen.push({ op: io.op, offset: io.offset, len: io.len, flags: io.flags });
    return io.op === 'discard' || io.op === 'write_zeroes' ? 0 : io.len;
  };
  const dev = k.add_dev({
    queue_depth: 4,
    dev_size: '1M',
    ...(discard ? { discard } : {}),
    target: handlers ? { read: rec, write: rec, discard: rec, write_zeroes: rec } : { read: rec, write: rec },
  });
  dev.start_dev();
  return { k, dev, seen };
}

describe('ublk_req_build_flags() (6.18)', () => {
  it('maps each request flag to its UBLK_IO_F_* bit of iod->op_flags; REQ_PREFLUSH has none', () => {
    expect(ublk_req_build_flags(REQ_FLAGS.REQ_FAILFAST_DEV)).toBe(UBLK_IO_F_FAILFAST_DEV);
    expect(ublk_req_build_flags(REQ_FLAGS.REQ_FAILFAST_TRANSPORT)).toBe(UBLK_IO_F_FAILFAST_TRANSPORT);
    expect(ublk_req_build_flags(REQ_FLAGS.REQ_FAILFAST_DRIVER)).toBe(UBLK_IO_F_FAILFAST_DRIVER);
    expect(ublk_req_build_flags(REQ_FLAGS.REQ_META)).toBe(UBLK_IO_F_META);
    expect(ublk_req_build_flags(REQ_FLAGS.REQ_FUA)).toBe(UBLK_IO_F_FUA);
    expect(ublk_req_build_flags(REQ_FLAGS.REQ_NOUNMAP)).toBe(UBLK_IO_F_NOUNMAP);
    expect(ublk_req_build_flags(REQ_FLAGS.REQ_SWAP)).toBe(UBLK_IO_F_SWAP);
    expect(ublk_req_build_flags(REQ_FLAGS.REQ_PREFLUSH)).toBe(0);
    expect([UBLK_IO_F_FAILFAST_DEV, UBLK_IO_F_META, UBLK_IO_F_FUA, UBLK_IO_F_NOUNMAP, UBLK_IO_F_SWAP]).toEqual([
      1 << 8,
      1 << 11,
      1 << 13,
      1 << 15,
      1 << 16,
    ]);
  });
});

describe('the flags a READ or WRITE carries reach the server (ublk_setup_iod, 6.18)', () => {
  it('FAILFAST, META and SWAP arrive; a plain bio has none', () => {
    const { dev, seen } = recorder();
    dev.pwrite(new Uint8Array(4096), 0, {
      flags: ['REQ_FAILFAST_DEV', 'REQ_FAILFAST_TRANSPORT', 'REQ_FAILFAST_DRIVER', 'REQ_META'],
    });
    dev.pread(4096, 0, { flags: ['REQ_SWAP'] });
    dev.pread(4096, 0);
    expect(seen.map((s) => [s.op, s.flags])).toEqual([
      [
        'write',
        ['UBLK_IO_F_FAILFAST_DEV', 'UBLK_IO_F_FAILFAST_TRANSPORT', 'UBLK_IO_F_FAILFAST_DRIVER', 'UBLK_IO_F_META'],
      ],
      ['read', ['UBLK_IO_F_SWAP']],
      ['read', []],
    ]);
  });

  it('submit_bio_noacct() drops REQ_FUA and REQ_PREFLUSH: the disk has no volatile cache (attrs without UBLK_ATTR_VOLATILE_CACHE)', () => {
    const { dev, seen } = recorder();
    dev.pwrite(new Uint8Array(4096), 0, { flags: ['REQ_FUA', 'REQ_PREFLUSH', 'REQ_META'] });
    expect(seen[0]!.flags).toEqual(['UBLK_IO_F_META']);
  });

  it('a split bio keeps its flags in every piece (bio_split_to_limits)', () => {
    const { dev, seen } = recorder();
    dev.pwrite(new Uint8Array(1 << 20), 0, { flags: ['REQ_META'] }); // max_sectors is 512K
    expect(seen.map((s) => [s.len, s.flags])).toEqual([
      [512 << 10, ['UBLK_IO_F_META']],
      [512 << 10, ['UBLK_IO_F_META']],
    ]);
  });

  it('bad flags: an unknown name, or REQ_NOUNMAP outside WRITE_ZEROES, is EINVAL', () => {
    const { dev, seen } = recorder();
    expect(() => dev.pwrite(new Uint8Array(4096), 0, { flags: ['REQ_RAHEAD_X'] })).toThrow(
      /unknown request flag 'REQ_RAHEAD_X'/,
    );
    expect(errnoOf(() => dev.pread(4096, 0, { flags: ['REQ_NOUNMAP'] }))).toBe('EINVAL');
    expect(seen).toEqual([]);
  });
});

describe('REQ_OP_DISCARD and REQ_OP_WRITE_ZEROES (submit_bio_noacct + ublk_setup_iod, 6.18)', () => {
  it('without UBLK_PARAM_TYPE_DISCARD the block layer refuses both with -EOPNOTSUPP; the server sees nothing', () => {
    const { dev, seen } = recorder();
    expect(errnoOf(() => dev.discard(0, 4096))).toBe('EOPNOTSUPP');
    expect(errnoOf(() => dev.write_zeroes(0, 4096))).toBe('EOPNOTSUPP');
    expect(seen).toEqual([]);
  });

  it('with discard limits: UBLK_IO_OP_DISCARD and UBLK_IO_OP_WRITE_ZEROES reach the server, NOUNMAP as UBLK_IO_F_NOUNMAP', () => {
    const { dev, seen } = recorder({ max_discard_sectors: 2048, max_write_zeroes_sectors: 2048 });
    dev.discard(8192, 65536);
    dev.write_zeroes(0, 4096, { flags: ['REQ_NOUNMAP'] });
    dev.write_zeroes(4096, 4096);
    expect(seen).toEqual([
      { op: 'discard', offset: 8192, len: 65536, flags: [] },
      { op: 'write_zeroes', offset: 0, len: 4096, flags: ['UBLK_IO_F_NOUNMAP'] },
      { op: 'write_zeroes', offset: 4096, len: 4096, flags: [] },
    ]);
    expect(dev.get_params().discard).toMatchObject({
      max_discard_sectors: 2048,
      max_write_zeroes_sectors: 2048,
      max_discard_segments: 1,
    });
  });

  it('a range above max_discard_sectors is split; write zeroes needs its own limit', () => {
    const { dev, seen } = recorder({ max_discard_sectors: 8 });
    dev.discard(0, 12288);
    expect(seen.map((s) => [s.offset, s.len])).toEqual([
      [0, 4096],
      [4096, 4096],
      [8192, 4096],
    ]);
    expect(errnoOf(() => dev.write_zeroes(0, 4096))).toBe('EOPNOTSUPP'); // max_write_zeroes_sectors is 0
  });

  it('a target without a discard handler answers -EOPNOTSUPP, which reaches the caller (BLK_STS_NOTSUPP)', () => {
    const { dev } = recorder({ max_discard_sectors: 8 }, false);
    expect(errnoOf(() => dev.discard(0, 4096))).toBe('EOPNOTSUPP');
  });

  it('ublk_validate_params(): max_discard_sectors needs max_discard_segments == 1; discard_granularity must be set', () => {
    const k = createUblk();
    expect(() => k.add_dev({ dev_size: '1M', discard: { max_discard_sectors: 8, max_discard_segments: 2 } })).toThrow(
      /only single-segment discard/,
    );
    expect(() => k.add_dev({ dev_size: '1M', discard: { discard_granularity: 0 } })).toThrow(
      /discard_granularity must not be 0/,
    );
    expect(k.devs).toEqual([]);
  });
});
