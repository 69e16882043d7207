/**
 * Zoned ublk devices (UBLK_F_ZONED) as Linux 6.18 builds them with CONFIG_BLK_DEV_ZONED=y (Debian's and Fedora's
 * config): drivers/block/ublk_drv.c's zoned section (ublk_dev_param_zoned_validate(), ublk_dev_param_zoned_apply(),
 * ublk_report_zones(), ublk_setup_iod_zoned()), the block layer's checks of zoned bios (block/blk-core.c's
 * submit_bio_noacct() and blk_check_zone_append(), block/blk-zoned.c's blkdev_zone_mgmt(),
 * blk_revalidate_disk_zones()) and struct blk_zone (include/uapi/linux/blkzoned.h).
 */
import type { Errno } from '../common/errors';
import {
  UBLK_IO_OP_REPORT_ZONES,
  UBLK_IO_OP_ZONE_APPEND,
  UBLK_IO_OP_ZONE_CLOSE,
  UBLK_IO_OP_ZONE_FINISH,
  UBLK_IO_OP_ZONE_OPEN,
  UBLK_IO_OP_ZONE_RESET,
  UBLK_IO_OP_ZONE_RESET_ALL,
} from './ublk_cmd';

/** enum req_op of 6.18 (include/linux/blk_types.h; FINISH/RESET/RESET_ALL moved to odd numbers in 6.16). */
export const REQ_OP_SECURE_ERASE = 5;
export const REQ_OP_ZONE_APPEND = 7;
export const REQ_OP_ZONE_OPEN = 10;
export const REQ_OP_ZONE_CLOSE = 11;
export const REQ_OP_ZONE_FINISH = 13;
export const REQ_OP_ZONE_RESET = 15;
export const REQ_OP_ZONE_RESET_ALL = 17;
export const REQ_OP_DRV_IN = 34;
export const REQ_OP_DRV_OUT = 35;

/** op_is_zone_mgmt(): the zone management ops (no data). */
export function op_is_zone_mgmt(op: number): boolean {
  return (
    op === REQ_OP_ZONE_RESET ||
    op === REQ_OP_ZONE_OPEN ||
    op === REQ_OP_ZONE_CLOSE ||
    op === REQ_OP_ZONE_FINISH ||
    op === REQ_OP_ZONE_RESET_ALL
  );
}

/** struct blk_zone's type and cond (include/uapi/linux/blkzoned.h). */
export const BLK_ZONE_TYPE_CONVENTIONAL = 0x1;
export const BLK_ZONE_TYPE_SEQWRITE_REQ = 0x2;
export const BLK_ZONE_COND_NOT_WP = 0x0;
export const BLK_ZONE_COND_EMPTY = 0x1;
export const BLK_ZONE_COND_IMP_OPEN = 0x2;
export const BLK_ZONE_COND_EXP_OPEN = 0x3;
export const BLK_ZONE_COND_CLOSED = 0x4;
export const BLK_ZONE_COND_READONLY = 0xd;
export const BLK_ZONE_COND_FULL = 0xe;
export const BLK_ZONE_COND_OFFLINE = 0xf;
export const BLK_ZONE_COND_NAMES: Record<number, string> = {
  [BLK_ZONE_COND_NOT_WP]: 'NOT_WP',
  [BLK_ZONE_COND_EMPTY]: 'EMPTY',
  [BLK_ZONE_COND_IMP_OPEN]: 'IMP_OPEN',
  [BLK_ZONE_COND_EXP_OPEN]: 'EXP_OPEN',
  [BLK_ZONE_COND_CLOSED]: 'CLOSED',
  [BLK_ZONE_COND_READONLY]: 'READONLY',
  [BLK_ZONE_COND_FULL]: 'FULL',
  [BLK_ZONE_COND_OFFLINE]: 'OFFLINE',
};
/** sizeof(struct blk_zone): start, len, wp (u64), type, cond, non_seq, reset (u8), resv[4], capacity (u64), reserved[24]. */
export const BLK_ZONE_SIZE = 64;

/** struct blk_zone, sectors as numbers. */
export interface BlkZone {
  start: number;
  len: number;
  wp: number;
  type: number;
  cond: number;
  capacity: number;
}

function putU64(v: DataView, o: number, x: number): void {
  v.setUint32(o, (x % 0x100000000) >>> 0, true);
  v.setUint32(o + 4, Math.floor(x / 0x100000000) >>> 0, true);
}
function getU64(v: DataView, o: number): number {
  return v.getUint32(o, true) + v.getUint32(o + 4, true) * 0x100000000;
}

/** Writes one struct blk_zone at byte `off` (little-endian, as on x86). */
export function put_blk_zone(buf: Uint8Array, off: number, z: BlkZone): void {
  const v = new DataView(buf.buffer, buf.byteOffset + off, BLK_ZONE_SIZE);
  putU64(v, 0, z.start);
  putU64(v, 8, z.len);
  putU64(v, 16, z.wp);
  v.setUint8(24, z.type);
  v.setUint8(25, z.cond);
  putU64(v, 32, z.capacity);
}

/** Reads one struct blk_zone at byte `off`. */
export function get_blk_zone(buf: Uint8Array, off: number): BlkZone {
  const v = new DataView(buf.buffer, buf.byteOffset + off, BLK_ZONE_SIZE);
  return {
    start: getU64(v, 0),
    len: getU64(v, 8),
    wp: getU64(v, 16),
    type: v.getUint8(24),
    cond: v.getUint8(25),
    capacity: getU64(v, 32),
  };
}

/** The parts of struct ublk_param_basic / ublk_param_zoned the zoned checks read. */
export interface ZonedParams {
  dev_sectors: number;
  chunk_sectors: number;
  max_open_zones: number;
  max_active_zones: number;
  max_zone_append_sectors: number;
}

/** ublk_get_nr_zones(): dev_sectors >> ilog2(chunk_sectors) (the zone size is a power of two). */
export function ublk_get_nr_zones(dev_sectors: number, chunk_sectors: number): number {
  return Math.floor(dev_sectors / 2 ** Math.floor(Math.log2(chunk_sectors)));
}

/**
 * ublk_dev_param_zoned_validate() (6.18): without CONFIG_BLK_DEV_ZONED -EOPNOTSUPP; with it, a device without
 * UBLK_F_ZONED, max_zone_append_sectors 0, or max_active/max_open above the zone count are -EINVAL.
 */
export function ublk_dev_param_zoned_validate(
  config_zoned: boolean,
  dev_zoned: boolean,
  p: ZonedParams,
): [Errno, string] | null {
  if (!config_zoned) return ['EOPNOTSUPP', 'zoned parameters: this kernel is built without CONFIG_BLK_DEV_ZONED'];
  if (!dev_zoned) return ['EINVAL', 'zoned parameters on a device added without UBLK_F_ZONED'];
  if (!p.max_zone_append_sectors) return ['EINVAL', 'zoned: max_zone_append_sectors must not be 0'];
  const nr_zones = ublk_get_nr_zones(p.dev_sectors, p.chunk_sectors);
  if (p.max_active_zones > nr_zones)
    return ['EINVAL', `zoned: max_active_zones ${p.max_active_zones} exceeds the ${nr_zones} zones`];
  if (p.max_open_zones > nr_zones)
    return ['EINVAL', `zoned: max_open_zones ${p.max_open_zones} exceeds the ${nr_zones} zones`];
  return null;
}

/** The disk's zoned queue limits (ublk_ctrl_start_dev() sets them from UBLK_PARAM_TYPE_ZONED; nr_zones from apply). */
export interface ZonedLimits {
  chunk_sectors: number;
  nr_zones: number;
  max_open_zones: number;
  max_active_zones: number;
  /** queue_limits.max_zone_append_sectors: min(max_hw_zone_append_sectors, chunk_sectors, max_hw_sectors). */
  max_zone_append_sectors: number;
}

/** bdev_is_zone_start(). */
export function is_zone_start(z: ZonedLimits, sector: number): boolean {
  return sector % z.chunk_sectors === 0;
}

/**
 * submit_bio_noacct()'s zoned cases (block/blk-core.c, 6.18) for bio `op` at [sector, sector + nr_sectors):
 * 0 or -errno. Zone management on a non-zoned disk is -EOPNOTSUPP; ZONE_APPEND is blk_check_zone_append()
 * (BLK_STS_NOTSUPP off a zoned disk; BLK_STS_IOERR unless at a zone start, within one zone and
 * max_zone_append_sectors); REQ_OP_DRV_IN/OUT only come as passthrough requests (-EOPNOTSUPP as bios).
 */
export function submit_bio_zoned_checks(z: ZonedLimits | null, op: number, sector: number, nr_sectors: number): number {
  if (op === REQ_OP_ZONE_APPEND) {
    if (!z) return -95;
    if (!is_zone_start(z, sector)) return -5;
    if (nr_sectors > z.chunk_sectors) return -5;
    if (nr_sectors > z.max_zone_append_sectors) return -5;
    return 0;
  }
  if (op_is_zone_mgmt(op)) return z ? 0 : -95;
  if (op === REQ_OP_DRV_IN || op === REQ_OP_DRV_OUT || op === REQ_OP_SECURE_ERASE) return -95;
  return 0;
}

/**
 * blkdev_zone_mgmt() (block/blk-zoned.c, 6.18): the range checks of BLKRESETZONE/BLKOPENZONE/BLKCLOSEZONE/
 * BLKFINISHZONE, then one bio per zone; a reset of the whole disk is one REQ_OP_ZONE_RESET_ALL. Returns the bios
 * ([op, sector]) or an errno.
 */
export function blkdev_zone_mgmt(
  z: ZonedLimits | null,
  capacity: number,
  op: number,
  sector: number,
  nr_sectors: number,
): [number, number][] | [Errno, string] {
  if (!z) return ['EOPNOTSUPP', 'not a zoned block device'];
  if (!op_is_zone_mgmt(op)) return ['EOPNOTSUPP', `op ${op} is not a zone management op`];
  const end = sector + nr_sectors;
  if (end <= sector || end > capacity)
    return ['EINVAL', `zone range ${sector}+${nr_sectors} is empty or past the capacity ${capacity}`];
  if (!is_zone_start(z, sector)) return ['EINVAL', `sector ${sector} is not a zone start`];
  if (!is_zone_start(z, nr_sectors) && end !== capacity)
    return ['EINVAL', `${nr_sectors} sectors is not a whole number of zones`];
  if (op === REQ_OP_ZONE_RESET && sector === 0 && nr_sectors === capacity) return [[REQ_OP_ZONE_RESET_ALL, 0]];
  const bios: [number, number][] = [];
  for (let s = sector; s < end; s += z.chunk_sectors) bios.push([op, s]);
  return bios;
}

/** The iod ublk_setup_iod_zoned() (6.18) builds, or a blk_status as -errno. */
export interface ZonedIod {
  op_flags: number;
  nr_sectors: number;
  start_sector: number;
  addr: number;
}

/** struct ublk_zoned_report_desc: what ublk_report_zones() records for its REQ_OP_DRV_IN request. */
export interface UblkZonedReportDesc {
  sector: number;
  operation: number;
  nr_zones: number;
}

/**
 * ublk_setup_iod_zoned() (6.18): the zone ops to UBLK_IO_OP_ZONE_*; REQ_OP_DRV_IN to UBLK_IO_OP_REPORT_ZONES with
 * iod->nr_zones (the nr_sectors slot) and the report's start sector, BLK_STS_IOERR without a report descriptor;
 * REQ_OP_DRV_OUT BLK_STS_NOTSUPP; any other op BLK_STS_IOERR. (ublk_prep_req() turns every failure into IOERR.)
 */
export function ublk_setup_iod_zoned(
  op: number,
  sector: number,
  nr_sectors: number,
  addr: number,
  flags: number,
  desc: UblkZonedReportDesc | null,
): ZonedIod | number {
  let ublk_op: number;
  switch (op) {
    case REQ_OP_ZONE_OPEN:
      ublk_op = UBLK_IO_OP_ZONE_OPEN;
      break;
    case REQ_OP_ZONE_CLOSE:
      ublk_op = UBLK_IO_OP_ZONE_CLOSE;
      break;
    case REQ_OP_ZONE_FINISH:
      ublk_op = UBLK_IO_OP_ZONE_FINISH;
      break;
    case REQ_OP_ZONE_RESET:
      ublk_op = UBLK_IO_OP_ZONE_RESET;
      break;
    case REQ_OP_ZONE_APPEND:
      ublk_op = UBLK_IO_OP_ZONE_APPEND;
      break;
    case REQ_OP_ZONE_RESET_ALL:
      ublk_op = UBLK_IO_OP_ZONE_RESET_ALL;
      break;
    case REQ_OP_DRV_IN:
      if (!desc || desc.operation !== UBLK_IO_OP_REPORT_ZONES) return -5;
      // the descriptor's addr is not set for a report: the server finds the buffer by user copy
      return { op_flags: UBLK_IO_OP_REPORT_ZONES | flags, nr_sectors: desc.nr_zones, start_sector: desc.sector, addr };
    case REQ_OP_DRV_OUT:
      return -95;
    default:
      return -5;
  }
  return { op_flags: ublk_op | flags, nr_sectors, start_sector: sector, addr };
}

/**
 * ublk_alloc_report_buffer() (6.18): nr_zones capped at the disk's, times sizeof(struct blk_zone), capped at
 * max_hw_sectors << 9 (kvmalloc halving on failure: the model's allocation never fails). 0 when nothing fits.
 */
export function ublk_report_buffer_len(nr_zones: number, disk_nr_zones: number, max_hw_sectors: number): number {
  const n = Math.min(nr_zones, disk_nr_zones);
  const len = Math.min(n * BLK_ZONE_SIZE, max_hw_sectors * 512);
  return len >= BLK_ZONE_SIZE ? len : 0;
}

/**
 * ublk_report_zones() (6.18): the zones from `sector` on, in requests of at most buffer_len / 64 zones, each a
 * REQ_OP_DRV_IN through the server (`execute` runs one: blk_execute_rq(), returns 0 or -errno); an entry of
 * length 0 ends a response early. Returns the zones reported, or -errno.
 */
export function ublk_report_zones(
  z: ZonedLimits,
  max_hw_sectors: number,
  sector: number,
  nr_zones: number,
  execute: (desc: UblkZonedReportDesc, buf: Uint8Array) => number,
  cb: (zone: BlkZone, idx: number) => number,
): number {
  const first_zone = Math.floor(sector / z.chunk_sectors);
  nr_zones = Math.min(z.nr_zones - first_zone, nr_zones);
  const buffer_length = ublk_report_buffer_len(nr_zones, z.nr_zones, max_hw_sectors);
  if (!buffer_length) return -12; // -ENOMEM
  const max_zones_per_request = Math.floor(buffer_length / BLK_ZONE_SIZE);
  let done_zones = 0;
  while (done_zones < nr_zones) {
    const zones_in_request = Math.min(nr_zones - done_zones, max_zones_per_request);
    const buf = new Uint8Array(buffer_length);
    const ret = execute({ operation: UBLK_IO_OP_REPORT_ZONES, sector, nr_zones: zones_in_request }, buf);
    if (ret) return ret;
    for (let i = 0; i < zones_in_request; i++) {
      const zone = get_blk_zone(buf, i * BLK_ZONE_SIZE);
      if (!zone.len) break; // a zero-length zone: no more zones in this response
      const r = cb(zone, i);
      if (r) return r;
      done_zones++;
      sector += z.chunk_sectors;
    }
    // model: a response that ends early (len 0) would make 6.18 send the same request again forever; stop instead
    if (done_zones < nr_zones && get_blk_zone(buf, 0).len === 0) break;
  }
  return done_zones;
}

/**
 * blk_revalidate_zone_cb()'s checks (block/blk-zoned.c, 6.18) over a full report, then the "missing zones"
 * check of blk_revalidate_disk_zones(): a gap, a zone at or past the capacity or of length 0, a zone (not the
 * last) of another size than chunk_sectors, a larger last zone, a capacity of 0 or above the length: -ENODEV.
 */
export function blk_revalidate_disk_zones(
  zones: readonly BlkZone[],
  capacity: number,
  zone_sectors: number,
): [Errno, string] | null {
  if (!zone_sectors || 2 ** Math.round(Math.log2(zone_sectors)) !== zone_sectors)
    return ['ENODEV', `invalid zone size ${zone_sectors} (not a power of two)`];
  if (!capacity) return ['ENODEV', 'capacity 0'];
  let sector = 0;
  for (const zone of zones) {
    if (zone.start !== sector) return ['ENODEV', `Zone gap at sectors ${sector}..${zone.start}`];
    if (zone.start >= capacity || !zone.len) return ['ENODEV', `Invalid zone start ${zone.start}, length ${zone.len}`];
    const last = zone.start + zone.len >= capacity;
    if (!last && zone.len !== zone_sectors) return ['ENODEV', 'Invalid zoned device with non constant zone size'];
    if (last && zone.len > zone_sectors) return ['ENODEV', 'Invalid zoned device with larger last zone size'];
    if (!zone.capacity || zone.capacity > zone.len) return ['ENODEV', 'Invalid zone capacity'];
    if (zone.type !== BLK_ZONE_TYPE_CONVENTIONAL && zone.type !== BLK_ZONE_TYPE_SEQWRITE_REQ && zone.type !== 0x3)
      return ['ENODEV', `Invalid zone type 0x${zone.type.toString(16)} at sector ${zone.start}`];
    sector += zone.len;
  }
  if (sector !== capacity) return ['ENODEV', `Missing zones from sector ${sector}`];
  return null;
}
