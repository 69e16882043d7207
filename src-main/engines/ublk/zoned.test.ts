/**
 * Zoned ublk devices answered as Linux 6.18 (rpi-6.18.y, raspberrypi/linux 0121c84adb6a) with CONFIG_BLK_DEV_ZONED=y:
 * drivers/block/ublk_drv.c's ublk_ctrl_add_dev(), ublk_validate_params() + ublk_dev_param_zoned_validate(),
 * ublk_ctrl_start_dev() + ublk_revalidate_disk_zones(), ublk_setup_iod(_zoned)(), ublk_report_zones(),
 * ublk_check_commit_and_fetch() / the commit's zone_append_lba; block/blk-core.c's submit_bio_noacct() and
 * blk_check_zone_append(); block/blk-zoned.c's blkdev_zone_mgmt() and blk_revalidate_zone_cb(). Each test names
 * the function it follows.
 */
import { describe, expect, it } from 'vitest';
import { createUblk } from './index';
import type { UblkDev } from './index';
import { UBLK_F, UBLK_IO_OP_REPORT_ZONES, UBLK_IO_OP_WRITE_SAME } from './ublk_cmd';
import { UBLK_PARAM_TYPE_BASIC, UBLK_PARAM_TYPE_DMA_ALIGN, UBLK_PARAM_TYPE_ZONED } from './ublk_drv';
import type { UblkParams } from './ublk_drv';
import { errnoOf } from './test-util';
import {
  BLK_ZONE_SIZE,
  REQ_OP_DRV_IN,
  REQ_OP_DRV_OUT,
  REQ_OP_SECURE_ERASE,
  REQ_OP_ZONE_APPEND,
  REQ_OP_ZONE_OPEN,
  blk_revalidate_disk_zones,
  ublk_report_buffer_len,
  ublk_setup_iod_zoned,
} from './zoned';

const ZONE = 1 << 20; // 1 MiB zones = 2048 sectors

function zonedDev(o: Parameters<ReturnType<typeof createUblk>['add_dev']>[0] = {}, machine = createUblk()): UblkDev {
  const dev = machine.add_dev({ target: 'zoned', queue_depth: 4, dev_size: '16M', zoned: { zone_size: ZONE }, ...o });
  dev.start_dev();
  return dev;
}

/** ADD_DEV + SET_PARAMS straight to the driver (the script's add_dev always sends coherent parameters). */
function rawDev(
  flags: number,
  config = true,
): { set: (p: Partial<UblkParams>) => string; drv: ReturnType<typeof createUblk>['drv'] } | string {
  const k = createUblk({ config_blk_dev_zoned: config });
  const info = {
    nr_hw_queues: 1,
    queue_depth: 2,
    state: 0,
    max_io_buf_bytes: 512 * 1024,
    dev_id: -1,
    ublksrv_pid: -1,
    flags,
    ublksrv_flags: 0,
    owner_uid: 0,
    owner_gid: 0,
  };
  let ub;
  try {
    ub = k.drv.ublk_ctrl_add_dev(info, { privileged: true, uid: 0, gid: 0 }, null);
  } catch (e) {
    return (e as { errno: string }).errno;
  }
  const basic = {
    attrs: 0,
    logical_bs_shift: 9,
    physical_bs_shift: 12,
    io_opt_shift: 12,
    io_min_shift: 9,
    max_sectors: 1024,
    chunk_sectors: 2048,
    dev_sectors: 32768,
    virt_boundary_mask: 0,
  };
  return {
    drv: k.drv,
    set: (p) =>
      errnoOf(() =>
        k.drv.ublk_ctrl_set_params(ub, { types: UBLK_PARAM_TYPE_BASIC, ...p, basic: { ...basic, ...p.basic } }),
      ),
  };
}

const UC = UBLK_F.UBLK_F_USER_COPY;
const Z = UBLK_F.UBLK_F_ZONED;
const ZP = { max_open_zones: 0, max_active_zones: 0, max_zone_append_sectors: 256 };

describe('ADD_DEV with UBLK_F_ZONED: ublk_ctrl_add_dev() (6.18)', () => {
  it("needs USER_COPY or SUPPORT_ZERO_COPY (zone_append_lba shares the commit's addr): EINVAL otherwise", () => {
    expect(rawDev(Z)).toBe('EINVAL');
    expect(rawDev(Z | UBLK_F.UBLK_F_AUTO_BUF_REG)).toBe('EINVAL');
    expect(typeof rawDev(Z | UC)).toBe('object');
    expect(typeof rawDev(Z | UBLK_F.UBLK_F_SUPPORT_ZERO_COPY)).toBe('object');
  });

  it('CONFIG_BLK_DEV_ZONED=n (boot option): EINVAL even with USER_COPY', () => {
    expect(rawDev(Z | UC, false)).toBe('EINVAL');
    const k = createUblk({ config_blk_dev_zoned: false });
    expect(errnoOf(() => k.add_dev({ target: 'zoned' }))).toBe('EINVAL');
  });
});

describe("SET_PARAMS: ublk_validate_params() + ublk_dev_param_zoned_validate() (6.18), in the driver's order", () => {
  it('a zoned device: chunk_sectors 0 is EINVAL (basic), then no ZONED type is EINVAL', () => {
    const d = rawDev(Z | UC);
    if (typeof d === 'string') throw new Error(d);
    expect(
      d.set({ types: UBLK_PARAM_TYPE_BASIC | UBLK_PARAM_TYPE_ZONED, basic: { chunk_sectors: 0 } as never, zoned: ZP }),
    ).toBe('EINVAL');
    expect(d.set({ types: UBLK_PARAM_TYPE_BASIC })).toBe('EINVAL');
    expect(d.set({ types: UBLK_PARAM_TYPE_BASIC | UBLK_PARAM_TYPE_ZONED, zoned: ZP })).toBe('none');
  });

  it('zoned params on a device without UBLK_F_ZONED: EINVAL; on a CONFIG_BLK_DEV_ZONED=n kernel: EOPNOTSUPP', () => {
    const plain = rawDev(UC);
    if (typeof plain === 'string') throw new Error(plain);
    expect(plain.set({ types: UBLK_PARAM_TYPE_BASIC | UBLK_PARAM_TYPE_ZONED, zoned: ZP })).toBe('EINVAL');
    const noconfig = rawDev(UC, false);
    if (typeof noconfig === 'string') throw new Error(noconfig);
    expect(noconfig.set({ types: UBLK_PARAM_TYPE_BASIC | UBLK_PARAM_TYPE_ZONED, zoned: ZP })).toBe('EOPNOTSUPP');
  });

  it('max_zone_append_sectors 0, then max_active_zones, then max_open_zones above the zone count: EINVAL', () => {
    const d = rawDev(Z | UC);
    if (typeof d === 'string') throw new Error(d);
    const t = UBLK_PARAM_TYPE_BASIC | UBLK_PARAM_TYPE_ZONED;
    // 32768 sectors / 2048 per zone = 16 zones
    expect(d.set({ types: t, zoned: { ...ZP, max_zone_append_sectors: 0 } })).toBe('EINVAL');
    expect(d.set({ types: t, zoned: { ...ZP, max_active_zones: 17 } })).toBe('EINVAL');
    expect(d.set({ types: t, zoned: { ...ZP, max_open_zones: 17 } })).toBe('EINVAL');
    expect(d.set({ types: t, zoned: { ...ZP, max_open_zones: 16, max_active_zones: 16 } })).toBe('none');
  });

  it('the zoned answer is returned as is: a bad DMA_ALIGN next to valid zoned params is never looked at', () => {
    const d = rawDev(Z | UC);
    if (typeof d === 'string') throw new Error(d);
    expect(
      d.set({
        types: UBLK_PARAM_TYPE_BASIC | UBLK_PARAM_TYPE_ZONED | UBLK_PARAM_TYPE_DMA_ALIGN,
        zoned: ZP,
        dma: { alignment: 4096 },
      }),
    ).toBe('none');
    const plain = rawDev(UC);
    if (typeof plain === 'string') throw new Error(plain);
    expect(plain.set({ types: UBLK_PARAM_TYPE_BASIC | UBLK_PARAM_TYPE_DMA_ALIGN, dma: { alignment: 4096 } })).toBe(
      'EINVAL',
    );
  });
});

describe('START_DEV of a zoned device: ublk_ctrl_start_dev() + blk_revalidate_disk_zones() (6.18)', () => {
  it('the zone report runs through the server before add_disk(); a bad report is ENODEV and the device stays DEAD', () => {
    const k = createUblk();
    const dev = k.add_dev({
      queue_depth: 2,
      dev_size: '4M',
      flags: ['USER_COPY'],
      zoned: { zone_size: ZONE },
      target: { read: (io) => io.len, write: (io) => io.len, report_zones: (io) => io.len }, // all-zero entries: len 0
    });
    expect(errnoOf(() => dev.start_dev())).toBe('ENODEV');
    expect(dev.info().state_name).toBe('UBLK_S_DEV_DEAD');
  });

  it('blk_revalidate_zone_cb(): gaps, non-constant sizes, bad capacities and missing zones are ENODEV', () => {
    const z = (start: number, len: number, capacity = len) => ({ start, len, wp: start, type: 2, cond: 1, capacity });
    expect(blk_revalidate_disk_zones([z(0, 8), z(8, 8)], 16, 8)).toBeNull();
    expect(blk_revalidate_disk_zones([z(0, 8), z(16, 8)], 24, 8)?.[1]).toBe('Zone gap at sectors 8..16');
    expect(blk_revalidate_disk_zones([z(0, 4), z(4, 8)], 12, 8)?.[1]).toBe(
      'Invalid zoned device with non constant zone size',
    );
    expect(blk_revalidate_disk_zones([z(0, 8, 9)], 8, 8)?.[1]).toBe('Invalid zone capacity');
    expect(blk_revalidate_disk_zones([z(0, 8)], 16, 8)?.[1]).toBe('Missing zones from sector 8');
    expect(blk_revalidate_disk_zones([z(0, 8), z(8, 4)], 12, 8)).toBeNull(); // a smaller last zone is fine
  });
});

describe('the zoned target: zones with write pointers (null_blk zoned rules)', () => {
  it('a sequential write moves the write pointer: EMPTY → IMP_OPEN → FULL; an unaligned write is EIO', () => {
    const dev = zonedDev();
    const zs = ZONE / 512;
    expect(dev.report_zones({ nr_zones: 2 }).map((z) => [z.start, z.wp, z.cond, z.type])).toEqual([
      [0, 0, 'EMPTY', 'SEQ_WRITE_REQUIRED'],
      [zs, zs, 'EMPTY', 'SEQ_WRITE_REQUIRED'],
    ]);
    dev.pwrite(new Uint8Array(4096).fill(7), 0);
    expect(dev.report_zones({ nr_zones: 1 })[0]).toMatchObject({ wp: 8, cond: 'IMP_OPEN' });
    expect(errnoOf(() => dev.pwrite(new Uint8Array(4096), 0))).toBe('EIO'); // behind the write pointer
    expect(errnoOf(() => dev.pwrite(new Uint8Array(4096), 64 * 512))).toBe('EIO'); // ahead of it
    expect(dev.pread(4096, 0)[0]).toBe(7);
    dev.zone_mgmt('finish', 0);
    expect(dev.report_zones({ nr_zones: 1 })[0]).toMatchObject({ wp: zs, cond: 'FULL' });
    expect(errnoOf(() => dev.pwrite(new Uint8Array(4096), 8 * 512))).toBe('EIO');
    dev.zone_mgmt('reset', 0);
    expect(dev.report_zones({ nr_zones: 1 })[0]).toMatchObject({ wp: 0, cond: 'EMPTY' });
    expect(dev.pread(4096, 0)[0]).toBe(0);
  });

  it('open / close: EXP_OPEN, CLOSED (written) or EMPTY (not written); conventional zones have no write pointer', () => {
    const dev = zonedDev({ zoned: { zone_size: ZONE, nr_conv: 1 } });
    const zs = ZONE / 512;
    expect(dev.report_zones({ nr_zones: 1 })[0]).toMatchObject({ type: 'CONVENTIONAL', cond: 'NOT_WP' });
    dev.pwrite(new Uint8Array(4096), 8192); // anywhere in a conventional zone
    expect(errnoOf(() => dev.zone_mgmt('reset', 0))).toBe('EIO');
    dev.zone_mgmt('open', zs);
    expect(dev.report_zones({ sector: zs, nr_zones: 1 })[0]!.cond).toBe('EXP_OPEN');
    dev.zone_mgmt('close', zs);
    expect(dev.report_zones({ sector: zs, nr_zones: 1 })[0]!.cond).toBe('EMPTY');
    dev.pwrite(new Uint8Array(4096), zs * 512);
    dev.zone_mgmt('close', zs);
    expect(dev.report_zones({ sector: zs, nr_zones: 1 })[0]!.cond).toBe('CLOSED');
  });

  it('max_open_zones: explicit opens past it are ETOOMANYREFS (BLK_STS_ZONE_OPEN_RESOURCE); an implicit open closes an IMP_OPEN zone', () => {
    const dev = zonedDev({ zoned: { zone_size: ZONE, max_open_zones: 2 } });
    const zs = ZONE / 512;
    dev.zone_mgmt('open', 0);
    dev.zone_mgmt('open', zs);
    expect(errnoOf(() => dev.zone_mgmt('open', 2 * zs))).toBe('ETOOMANYREFS');
    expect(errnoOf(() => dev.pwrite(new Uint8Array(4096), 2 * zs * 512))).toBe('ETOOMANYREFS');
    dev.zone_mgmt('close', zs);
    dev.pwrite(new Uint8Array(4096), 2 * zs * 512); // IMP_OPEN
    dev.pwrite(new Uint8Array(4096), 3 * zs * 512); // closes zone 2 to open zone 3
    expect(dev.report_zones({ nr_zones: 4 }).map((z) => z.cond)).toEqual(['EXP_OPEN', 'EMPTY', 'CLOSED', 'IMP_OPEN']);
  });

  it('max_active_zones: opening one more EMPTY zone is EOVERFLOW (BLK_STS_ZONE_ACTIVE_RESOURCE)', () => {
    const dev = zonedDev({ zoned: { zone_size: ZONE, max_active_zones: 1 } });
    dev.pwrite(new Uint8Array(4096), 0);
    dev.zone_mgmt('close', 0); // CLOSED still counts as active
    expect(errnoOf(() => dev.pwrite(new Uint8Array(4096), ZONE))).toBe('EOVERFLOW');
  });
});

describe('zone management from a script: blkdev_zone_mgmt() and submit_bio_noacct() (6.18)', () => {
  it('EINVAL unless the range is whole zones inside the disk; a reset of every zone is one REQ_OP_ZONE_RESET_ALL', () => {
    const dev = zonedDev();
    const zs = ZONE / 512;
    expect(errnoOf(() => dev.zone_mgmt('reset', 8))).toBe('EINVAL');
    expect(errnoOf(() => dev.zone_mgmt('reset', 0, zs + 8))).toBe('EINVAL');
    expect(errnoOf(() => dev.zone_mgmt('reset', 0, 17 * zs))).toBe('EINVAL');
    dev.pwrite(new Uint8Array(4096), 0);
    dev.pwrite(new Uint8Array(4096), ZONE);
    const before = dev.stats().dispatched!;
    dev.zone_mgmt('reset', 0, 16 * zs);
    expect(dev.stats().dispatched! - before).toBe(1);
    expect(dev.report_zones({ nr_zones: 2 }).map((z) => z.cond)).toEqual(['EMPTY', 'EMPTY']);
  });

  it('on a disk that is not zoned: the ioctls are ENOTTY, a zone append bio EOPNOTSUPP', () => {
    const k = createUblk();
    const dev = k.add_dev({ queue_depth: 2, dev_size: '4M' });
    dev.start_dev();
    expect(errnoOf(() => dev.report_zones())).toBe('ENOTTY');
    expect(errnoOf(() => dev.zone_mgmt('reset', 0, 8))).toBe('ENOTTY');
    expect(errnoOf(() => dev.zone_append(new Uint8Array(4096), 0))).toBe('EOPNOTSUPP');
  });
});

describe("ZONE_APPEND: blk_check_zone_append() and the commit's zone_append_lba (6.18)", () => {
  it('the server writes at the write pointer and the bio ends at that sector', () => {
    const dev = zonedDev();
    const zs = ZONE / 512;
    expect(dev.zone_append(new Uint8Array(4096).fill(1), zs)).toBe(zs);
    expect(dev.zone_append(new Uint8Array(8192).fill(2), zs)).toBe(zs + 8);
    expect(dev.report_zones({ sector: zs, nr_zones: 1 })[0]).toMatchObject({ wp: zs + 24, cond: 'IMP_OPEN' });
    expect(Array.from(dev.pread(512, (zs + 8) * 512).subarray(0, 2))).toEqual([2, 2]);
  });

  it('EIO unless at a zone start and within max_zone_append_sectors (no split)', () => {
    const dev = zonedDev({ zoned: { zone_size: ZONE, max_zone_append_size: 8192 } });
    expect(errnoOf(() => dev.zone_append(new Uint8Array(4096), 8))).toBe('EIO');
    expect(errnoOf(() => dev.zone_append(new Uint8Array(16384), 0))).toBe('EIO');
    expect(dev.zone_append(new Uint8Array(8192), 0)).toBe(0);
  });

  it("the driver takes the server's zone_append_lba as is: a handler that reports none completes the append at sector 0", () => {
    const k = createUblk();
    const store = zonedDev({}, k).target.handler!;
    const dev = k.add_dev({
      queue_depth: 2,
      dev_size: '16M',
      flags: ['USER_COPY'],
      zoned: { zone_size: ZONE },
      target: { ...store, zone_append: (io) => io.len }, // never sets io.zone_append_lba: the commit's addr is 0
    });
    dev.start_dev();
    expect(dev.zone_append(new Uint8Array(4096), ZONE / 512)).toBe(0);
  });
});

describe('zoned on the zero-copy data path (ublk_ctrl_add_dev() allows SUPPORT_ZERO_COPY)', () => {
  it("ADD_DEV accepts it; a failed revalidation report is START_DEV's answer (blk_status_to_errno of the commit)", () => {
    const k = createUblk();
    const dev = k.add_dev({
      queue_depth: 2,
      dev_size: '4M',
      data_path: 'zero_copy',
      zoned: { zone_size: ZONE },
      // on zero copy a script target sees no data: it cannot fill the zone report and answers -EOPNOTSUPP
      target: { read: (io) => io.len, write: (io) => io.len, report_zones: (io) => (io.data ? io.len : -95) },
    });
    expect(dev.info().flag_names).toEqual(expect.arrayContaining(['UBLK_F_ZONED', 'UBLK_F_SUPPORT_ZERO_COPY']));
    expect(errnoOf(() => dev.start_dev())).toBe('EOPNOTSUPP');
    expect(dev.info().state_name).toBe('UBLK_S_DEV_DEAD');
  });
});

describe('a zoned device stops cleanly', () => {
  it('no lost tag after zone ops, appends and reports; STOP_DEV and DEL_DEV', () => {
    const dev = zonedDev();
    dev.pwrite(new Uint8Array(8192), ZONE);
    dev.zone_append(new Uint8Array(4096), 0);
    dev.zone_mgmt('finish', (2 * ZONE) / 512);
    dev.report_zones();
    expect(dev.invariants()).toEqual([]);
    dev.stop_dev();
    expect(errnoOf(() => dev.report_zones())).toBe('ENODEV');
    dev.del_dev();
  });
});

describe('REPORT_ZONES: ublk_report_zones() chunks by the buffer size (6.18)', () => {
  it('ublk_alloc_report_buffer(): nr_zones × 64 bytes, capped at max_hw_sectors << 9', () => {
    expect(ublk_report_buffer_len(16, 16, 1024)).toBe(16 * BLK_ZONE_SIZE);
    expect(ublk_report_buffer_len(100000, 100000, 1024)).toBe(1024 * 512);
    expect(ublk_report_buffer_len(20, 4, 1024)).toBe(4 * BLK_ZONE_SIZE);
  });

  it('a 4 KiB max_io_buf_bytes takes 64 zones per REQ_OP_DRV_IN: 100 zones are two requests', () => {
    const k = createUblk();
    const dev = k.add_dev({
      target: 'zoned',
      queue_depth: 2,
      dev_size: 100 * 64 * 1024,
      max_io_buf_bytes: 4096,
      zoned: { zone_size: 64 * 1024 },
    });
    dev.start_dev(); // the revalidation report: 2 requests
    const before = dev.stats().dispatched!;
    const zones = dev.report_zones();
    expect(zones.length).toBe(100);
    expect(dev.stats().dispatched! - before).toBe(2);
    expect(zones[99]).toMatchObject({ start: 99 * 128, len: 128, cond: 'EMPTY' });
    expect(dev.report_zones({ sector: 98 * 128 }).length).toBe(2);
    expect(dev.report_zones({ sector: 100 * 128 })).toEqual([]);
    expect(errnoOf(() => dev.report_zones({ nr_zones: 0 }))).toBe('EINVAL');
  });
});

describe('ublk_setup_iod(): ops with no mapping (6.18)', () => {
  it('UBLK_IO_OP_WRITE_SAME is defined but never produced: 6.18 has no REQ_OP_WRITE_SAME', () => {
    expect(UBLK_IO_OP_WRITE_SAME).toBe(4);
    // every op ublk_setup_iod_zoned() maps, and none of them to WRITE_SAME
    const mapped = [REQ_OP_ZONE_APPEND, REQ_OP_ZONE_OPEN].map((op) => ublk_setup_iod_zoned(op, 0, 8, 0, 0, null));
    for (const m of mapped) expect(typeof m === 'object' && (m.op_flags & 0xff) !== UBLK_IO_OP_WRITE_SAME).toBe(true);
  });

  it('a request op the driver does not map ends with BLK_STS_IOERR (-EIO), zoned or not; DRV_OUT is NOTSUPP in setup, EIO from prep', () => {
    expect(ublk_setup_iod_zoned(REQ_OP_DRV_OUT, 0, 0, 0, 0, null)).toBe(-95);
    expect(ublk_setup_iod_zoned(REQ_OP_DRV_IN, 0, 8, 0, 0, null)).toBe(-5); // no report descriptor
    expect(
      ublk_setup_iod_zoned(REQ_OP_DRV_IN, 0, 8, 0, 0, { sector: 0, operation: UBLK_IO_OP_REPORT_ZONES, nr_zones: 3 }),
    ).toMatchObject({ op_flags: UBLK_IO_OP_REPORT_ZONES, nr_sectors: 3 });
    for (const zoned of [false, true]) {
      const k = createUblk();
      const dev = zoned ? zonedDev({}, k) : k.add_dev({ queue_depth: 2, dev_size: '4M' });
      if (!zoned) dev.start_dev();
      for (const op of [REQ_OP_DRV_OUT, REQ_OP_SECURE_ERASE, REQ_OP_DRV_IN]) {
        let status: number | null = null;
        const cpu = k.appCpu(0);
        dev.ub.tagset.execute_rq(
          0,
          {
            id: -1,
            op,
            sector: 0,
            nr_sectors: 8,
            data: new Uint8Array(4096),
            cpu,
            end_io: (st) => {
              status = st;
            },
          },
          { cpu, t: k.clock.now },
        );
        k.clock.run(k.clock.now + 1e9, () => status !== null);
        expect([zoned, op, status]).toEqual([zoned, op, -5]);
      }
    }
  });
});

describe("fio's zonemode=zbd on a zoned device (the model's subset)", () => {
  it('resets the written zones first, then writes sequentially at the write pointers with no error; verify reads them back', () => {
    const k = createUblk();
    const dev = zonedDev({ nr_hw_queues: 2, queue_depth: 32 }, k);
    dev.pwrite(new Uint8Array(4096), 0); // zone 0 not empty: zbd_file_reset() resets it
    const r = k.fio({ dev, rw: 'write', bs: '64k', iodepth: 16, numjobs: 2, ios: 64, zonemode: 'zbd', verify: true });
    expect([r.errors, r.writes, r.verify?.mismatches]).toEqual([0, 128, 0]);
    // 2 jobs × 64 × 64 KiB: job 0 fills zones 0-3 from the start, job 1 zones 8-11
    expect(dev.report_zones().map((z) => z.cond)).toEqual([
      ...Array(4).fill('FULL'),
      ...Array(4).fill('EMPTY'),
      ...Array(4).fill('FULL'),
      ...Array(4).fill('EMPTY'),
    ]);
    // without zonemode the same job hits full zones: EIO from the server
    const again = k.fio({ dev, rw: 'write', bs: '64k', iodepth: 16, ios: 16 });
    expect(again.errors).toBe(16);
  });

  it('refuses what the model does not run: a disk that is not zoned, random writes, partial zones, wrapping', () => {
    const k = createUblk();
    const plain = k.add_dev({ queue_depth: 2, dev_size: '4M' });
    plain.start_dev();
    expect(errnoOf(() => k.fio({ dev: plain, rw: 'write', zonemode: 'zbd', ios: 1 }))).toBe('EINVAL');
    const dev = zonedDev({}, k);
    expect(errnoOf(() => k.fio({ dev, rw: 'randwrite', zonemode: 'zbd', ios: 1 }))).toBe('EINVAL');
    expect(errnoOf(() => k.fio({ dev, rw: 'write', zonemode: 'zbd', offset: 4096, size: ZONE, ios: 1 }))).toBe(
      'EINVAL',
    );
    expect(errnoOf(() => k.fio({ dev, rw: 'write', zonemode: 'zbd', bs: '64k', size: ZONE, ios: 17 }))).toBe('EINVAL');
    expect(errnoOf(() => k.fio({ dev, rw: 'write', zonemode: 'zns' as never, ios: 1 }))).toBe('EINVAL');
    expect(k.fio({ dev, rw: 'randread', zonemode: 'zbd', ios: 64 }).errors).toBe(0);
  });
});
