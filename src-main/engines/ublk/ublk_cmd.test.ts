import { describe, it, expect } from 'vitest';
import { UBLK_F, UBLKSRV_IO_DESC_SIZE, parseUblkFlags, ublkFlagNames, ublk_read_iod, ublk_user_copy_pos, ublk_write_iod } from './ublk_cmd';

describe('ublk UAPI', () => {
  it('lays out struct ublksrv_io_desc in 24 little-endian bytes', () => {
    const buf = new Uint8Array(2 * UBLKSRV_IO_DESC_SIZE);
    const v = new DataView(buf.buffer);
    ublk_write_iod(v, 1, { op_flags: 0x2001, nr_sectors: 8, start_sector: 0x1_0000_0002, addr: 0x7f00_0000_1000 });
    // slot 1 starts at byte 24: op_flags (u32), nr_sectors (u32), start_sector (u64), addr (u64)
    expect([...buf.subarray(24, 32)]).toEqual([0x01, 0x20, 0, 0, 8, 0, 0, 0]);
    expect([...buf.subarray(32, 40)]).toEqual([2, 0, 0, 0, 1, 0, 0, 0]);
    expect([...buf.subarray(40, 48)]).toEqual([0x00, 0x10, 0, 0, 0x00, 0x7f, 0, 0]);
    expect(ublk_read_iod(v, 1)).toEqual({ op_flags: 0x2001, nr_sectors: 8, start_sector: 0x1_0000_0002, addr: 0x7f00_0000_1000 });
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
