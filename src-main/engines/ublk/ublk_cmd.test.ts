import { describe, it, expect } from 'vitest';
import {
  UBLK_F,
  UBLKSRV_IO_DESC_SIZE,
  parseUblkFlags,
  ublkFlagNames,
  ublk_read_iod,
  ublk_user_copy_pos,
  ublk_write_iod,
} from './ublk_cmd';

describe('ublk UAPI', () => {
  it('lays out struct ublksrv_io_desc in 24 little-endian bytes', () => {
    const buf = new Uint8Array(2 * UBLKSRV_IO_DESC_SIZE);
    const v = new DataView(buf.buffer);
    ublk_write_iod(v, 1, { op_flags: 0x2001, nr_sectors: 8, start_sector: 0x1_0000_0002, addr: 0x7f00_0000_1000 });
    // slot 1 starts at byte 24: op_flags (u32), nr_sectors (u32), start_sector (u64), addr (u64)
    expect([...buf.subarray(24, 32)]).toEqual([0x01, 0x20, 0, 0, 8, 0, 0, 0]);
    expect([...buf.subarray(32, 40)]).toEqual([2, 0, 0, 0, 1, 0, 0, 0]);
    expect([...buf.subarray(40, 48)]).toEqual([0x00, 0x10, 0, 0, 0x00, 0x7f, 0, 0]);
    expect(ublk_read_iod(v, 1)).toEqual({
      op_flags: 0x2001,
      nr_sectors: 8,
      start_sector: 0x1_0000_0002,
      addr: 0x7f00_0000_1000,
    });
    expect([...buf.subarray(0, 24)].every((b) => b === 0)).toBe(true);
  });

  it('has the UAPI flag bits', () => {
    expect(UBLK_F.UBLK_F_SUPPORT_ZERO_COPY).toBe(1);
    expect(UBLK_F.UBLK_F_NEED_GET_DATA).toBe(4);
    expect(UBLK_F.UBLK_F_USER_COPY).toBe(128);
    expect(UBLK_F.UBLK_F_AUTO_BUF_REG).toBe(2048);
    expect(parseUblkFlags(['UBLK_F_USER_COPY', 'AUTO_BUF_REG'])).toBe(128 | 2048);
    expect(ublkFlagNames(5)).toEqual(['UBLK_F_SUPPORT_ZERO_COPY', 'UBLK_F_NEED_GET_DATA']);
    expect(() => parseUblkFlags(['UBLK_F_TURBO'])).toThrow(/unknown ublk feature flag/);
  });

  it('encodes the user-copy offset as UBLKSRV_IO_BUF_OFFSET + qid<<41 + tag<<25 + off', () => {
    expect(ublk_user_copy_pos(0, 0, 0)).toBe(0x80000000);
    expect(ublk_user_copy_pos(1, 2, 512)).toBe(0x80000000 + 2 ** 41 + 2 * 2 ** 25 + 512);
  });
});

describe('definitions of the current header (include/uapi/linux/ublk_cmd.h, mainline after 6.18)', () => {
  it('I/O ops, iod flags, attrs and the commands added after 6.18 have the header values', async () => {
    const c = await import('./ublk_cmd');
    expect([
      c.UBLK_IO_OP_WRITE_SAME,
      c.UBLK_IO_OP_ZONE_OPEN,
      c.UBLK_IO_OP_ZONE_CLOSE,
      c.UBLK_IO_OP_ZONE_FINISH,
      c.UBLK_IO_OP_ZONE_APPEND,
      c.UBLK_IO_OP_ZONE_RESET_ALL,
      c.UBLK_IO_OP_ZONE_RESET,
      c.UBLK_IO_OP_REPORT_ZONES,
    ]).toEqual([4, 10, 11, 12, 13, 14, 15, 18]);
    expect(
      [
        c.UBLK_IO_F_FAILFAST_DEV,
        c.UBLK_IO_F_FAILFAST_TRANSPORT,
        c.UBLK_IO_F_FAILFAST_DRIVER,
        c.UBLK_IO_F_META,
        c.UBLK_IO_F_FUA,
        c.UBLK_IO_F_NOUNMAP,
        c.UBLK_IO_F_SWAP,
        c.UBLK_IO_F_NEED_REG_BUF,
        c.UBLK_IO_F_INTEGRITY,
        c.UBLK_IO_F_SHMEM_ZC,
      ].map((b) => Math.log2(b)),
    ).toEqual([8, 9, 10, 11, 13, 15, 16, 17, 18, 19]);
    expect([c.UBLK_ATTR_READ_ONLY, c.UBLK_ATTR_ROTATIONAL, c.UBLK_ATTR_VOLATILE_CACHE, c.UBLK_ATTR_FUA]).toEqual([
      1, 2, 4, 8,
    ]);
    expect([c.UBLK_CMD.TRY_STOP_DEV, c.UBLK_CMD.REG_BUF, c.UBLK_CMD.UNREG_BUF]).toEqual([0x17, 0x18, 0x19]);
    expect([c.UBLK_IO_PREP_IO_CMDS, c.UBLK_IO_COMMIT_IO_CMDS, c.UBLK_IO_FETCH_IO_CMDS]).toEqual([0x25, 0x26, 0x27]);
    expect([c.UBLK_BATCH_F_HAS_ZONE_LBA, c.UBLK_BATCH_F_HAS_BUF_ADDR, c.UBLK_BATCH_F_AUTO_BUF_REG_FALLBACK]).toEqual([
      1, 2, 4,
    ]);
    expect(c.UBLK_PARAM_TYPE_INTEGRITY).toBe(64);
    expect(c.UBLK_FEATURES_LEN).toBe(8);
    expect(c.ublk_shmem_zc_addr(3, 0x1000)).toBe(3 * 2 ** 32 + 0x1000);
    // the 6.18 driver knows none of them: UBLK_F_ALL stops at bit 14
    expect(c.UBLK_F_ALL & c.UBLK_F.UBLK_F_BATCH_IO).toBe(0);
    expect(c.UBLK_F_ALL).toBe(0x7fff);
  });
});
