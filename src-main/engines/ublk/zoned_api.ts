/**
 * The script side of zoned ublk devices (Linux 6.18): the parameters add_dev sends (UBLK_PARAM_TYPE_ZONED,
 * basic.chunk_sectors), START_DEV's blk_revalidate_disk_zones(), and the block-device calls a script makes —
 * BLKREPORTZONE (blkdev_report_zones_ioctl() → ublk_report_zones()), BLKRESETZONE / BLKOPENZONE / BLKCLOSEZONE /
 * BLKFINISHZONE (blkdev_zone_mgmt_ioctl() → blkdev_zone_mgmt()) and a kernel submitter's REQ_OP_ZONE_APPEND bio.
 */
import { ERRNO, KernelError } from '../common/errors';
import type { Errno } from '../common/errors';
import { parseSize } from '../common/size';
import type { Bio } from './blk_mq';
import type { EventClock } from './clock';
import type { Cpu } from './cpu';
import type { UblkDevice, UblkParamZoned } from './ublk_drv';
import {
  BLK_ZONE_COND_NAMES,
  BLK_ZONE_TYPE_CONVENTIONAL,
  REQ_OP_DRV_IN,
  REQ_OP_ZONE_APPEND,
  REQ_OP_ZONE_CLOSE,
  REQ_OP_ZONE_FINISH,
  REQ_OP_ZONE_OPEN,
  REQ_OP_ZONE_RESET,
  blk_revalidate_disk_zones,
  blkdev_zone_mgmt,
  ublk_report_zones,
} from './zoned';
import type { BlkZone } from './zoned';

/** add_dev's `zoned` options (sizes in bytes or '4M'). */
export interface ZonedOptions {
  /** Zone size (basic.chunk_sectors), a power of two; default 4M. */
  zone_size?: number | string;
  /** Writable bytes per zone (the zoned target's zone capacity); default the zone size. */
  zone_capacity?: number | string;
  /** Conventional zones at the start (zoned target); default 0. */
  nr_conv?: number;
  /** ublk_param_zoned.max_open_zones / max_active_zones (0: no limit). */
  max_open_zones?: number;
  max_active_zones?: number;
  /** ublk_param_zoned.max_zone_append_sectors, in bytes; default the zone size (0 is refused by SET_PARAMS). */
  max_zone_append_size?: number | string;
}

/** The resolved zone geometry: SET_PARAMS' chunk_sectors and struct ublk_param_zoned, plus the target's extras. */
export interface ZonedGeometry {
  chunk_sectors: number;
  params: UblkParamZoned;
  zone_capacity: number;
  nr_conv: number;
}

function count(v: unknown, what: string): number {
  if (v === undefined) return 0;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 0xffffffff)
    throw new KernelError('EINVAL', `zoned: ${what} must be a whole number, not ${String(v)}`);
  return v;
}

/** add_dev's zoned options to sectors (the driver checks the rest: SET_PARAMS' answers stay the kernel's). */
export function zonedGeometry(o: ZonedOptions): ZonedGeometry {
  const zone = parseSize(o.zone_size ?? '4M', 'zone_size');
  if (zone % 512) throw new KernelError('EINVAL', `zoned: zone_size ${zone} is not a multiple of 512`);
  const cap = parseSize(o.zone_capacity ?? zone, 'zone_capacity');
  const append = parseSize(o.max_zone_append_size ?? zone, 'max_zone_append_size');
  return {
    chunk_sectors: zone / 512,
    zone_capacity: Math.floor(cap / 512),
    nr_conv: count(o.nr_conv, 'nr_conv'),
    params: {
      max_open_zones: count(o.max_open_zones, 'max_open_zones'),
      max_active_zones: count(o.max_active_zones, 'max_active_zones'),
      max_zone_append_sectors: Math.floor(append / 512),
    },
  };
}

/** One zone of a report, as `blkzone report` prints it: sectors, the type and condition by name. */
export interface ZoneReportEntry {
  start: number;
  len: number;
  wp: number;
  capacity: number;
  type: 'CONVENTIONAL' | 'SEQ_WRITE_REQUIRED' | 'SEQ_WRITE_PREFERRED';
  cond: string;
}

/** What the zoned calls need of a device: the driver's device, the clock and the submitting CPU. */
export interface ZonedDevCtx {
  ub: UblkDevice;
  clock: EventClock;
  cpu: Cpu;
}

/** Runs one bio (or, `passthrough`, a blk_execute_rq() request) and waits for it in virtual time: its status and bio. */
function runBio(
  d: ZonedDevCtx,
  op: number,
  sector: number,
  nr_sectors: number,
  data: Uint8Array | null,
  priv: unknown,
  passthrough: boolean,
): { status: number; bio: Bio } {
  let status: number | null = null;
  const ctx = { cpu: d.cpu, t: Math.max(d.clock.now, d.cpu.free) };
  const bio: Bio = {
    id: -1,
    op,
    sector,
    nr_sectors,
    data,
    opf: 0,
    cpu: d.cpu,
    priv,
    end_io: (st) => {
      status = st;
    },
  };
  if (passthrough) d.ub.tagset.execute_rq(0, bio, ctx);
  else d.ub.tagset.submit_bios(0, [bio], ctx);
  d.clock.run(d.clock.now + 1e9, () => status !== null);
  if (status === null) throw new KernelError('ETIMEDOUT', 'zone request did not complete within 1 s of virtual time');
  return { status, bio };
}

const ERRNO_BY_NUMBER = new Map<number, Errno>((Object.keys(ERRNO) as Errno[]).map((k) => [-ERRNO[k], k]));
function errnoOf(status: number): Errno {
  return ERRNO_BY_NUMBER.get(status) ?? 'EIO';
}

/** ublk_report_zones() on the live disk: REQ_OP_DRV_IN requests through the server; the zones, or -errno. */
function reportRaw(d: ZonedDevCtx, sector: number, nr_zones: number): BlkZone[] | number {
  const ts = d.ub.tagset;
  const z = ts.zoned!;
  const out: BlkZone[] = [];
  const r = ublk_report_zones(
    z,
    ts.max_sectors,
    sector,
    nr_zones,
    (desc, buf) => {
      // model: a request counts whole sectors, so the kernel buffer (nr_zones × 64 bytes) is mapped rounded up to 512
      const mapped = new Uint8Array(Math.ceil(buf.length / 512) * 512);
      const { status } = runBio(d, REQ_OP_DRV_IN, 0, mapped.length / 512, mapped, { ublk_report: desc }, true);
      buf.set(mapped.subarray(0, buf.length));
      return status;
    },
    (zone) => {
      out.push(zone);
      return 0;
    },
  );
  return r < 0 ? r : out;
}

/** START_DEV's blk_revalidate_disk_zones(): a report of every zone, checked as the block layer checks it. */
export function revalidateZones(d: ZonedDevCtx): [Errno, string] | null {
  const ts = d.ub.tagset;
  const zones = reportRaw(d, 0, ts.zoned!.nr_zones);
  if (typeof zones === 'number') return [errnoOf(zones), `the zone report failed (${zones})`];
  return blk_revalidate_disk_zones(zones, ts.capacity, ts.zoned!.chunk_sectors);
}

/** BLKREPORTZONE: -ENOTTY off a zoned disk, -EINVAL for nr_zones 0; nothing at or past the capacity. */
export function reportZones(d: ZonedDevCtx, sector: number, nr_zones: number): ZoneReportEntry[] {
  const ts = d.ub.tagset;
  if (!ts.alive)
    throw new KernelError('ENODEV', `/dev/ublkb${d.ub.dev_info.dev_id} does not exist (device not started or stopped)`);
  if (!ts.zoned) throw new KernelError('ENOTTY', 'BLKREPORTZONE: not a zoned block device');
  if (!Number.isInteger(sector) || sector < 0 || !Number.isInteger(nr_zones) || nr_zones < 0)
    throw new KernelError('EINVAL', 'BLKREPORTZONE: sector and nr_zones must be whole numbers');
  if (!nr_zones) throw new KernelError('EINVAL', 'BLKREPORTZONE: nr_zones is 0');
  if (sector >= ts.capacity) return [];
  const zones = reportRaw(d, sector, nr_zones);
  if (typeof zones === 'number') throw new KernelError(errnoOf(zones), `BLKREPORTZONE failed: ${errnoOf(zones)}`);
  return zones.map((zn) => ({
    start: zn.start,
    len: zn.len,
    wp: zn.wp,
    capacity: zn.capacity,
    type:
      zn.type === BLK_ZONE_TYPE_CONVENTIONAL
        ? 'CONVENTIONAL'
        : zn.type === 2
          ? 'SEQ_WRITE_REQUIRED'
          : 'SEQ_WRITE_PREFERRED',
    cond: BLK_ZONE_COND_NAMES[zn.cond] ?? `0x${zn.cond.toString(16)}`,
  }));
}

const MGMT_OPS = {
  reset: REQ_OP_ZONE_RESET,
  open: REQ_OP_ZONE_OPEN,
  close: REQ_OP_ZONE_CLOSE,
  finish: REQ_OP_ZONE_FINISH,
} as const;
export type ZoneMgmtOp = keyof typeof MGMT_OPS;

/** BLKRESETZONE / BLKOPENZONE / BLKCLOSEZONE / BLKFINISHZONE over [sector, sector + nr_sectors). */
export function zoneMgmt(d: ZonedDevCtx, name: ZoneMgmtOp, sector: number, nr_sectors: number): void {
  const ts = d.ub.tagset;
  const op = MGMT_OPS[name];
  if (op === undefined)
    throw new KernelError('EINVAL', `unknown zone operation '${String(name)}' (reset, open, close, finish)`);
  if (!ts.alive)
    throw new KernelError('ENODEV', `/dev/ublkb${d.ub.dev_info.dev_id} does not exist (device not started or stopped)`);
  if (!ts.zoned) throw new KernelError('ENOTTY', `BLK${name.toUpperCase()}ZONE: not a zoned block device`);
  if (!Number.isInteger(sector) || !Number.isInteger(nr_sectors) || sector < 0 || nr_sectors < 0)
    throw new KernelError('EINVAL', 'zone range: whole numbers of sectors');
  const bios = blkdev_zone_mgmt(ts.zoned, ts.capacity, op, sector, nr_sectors);
  if (typeof bios[0] === 'string') throw new KernelError(bios[0], `BLK${name.toUpperCase()}ZONE: ${String(bios[1])}`);
  let first = 0;
  for (const [bop, s] of bios as [number, number][]) {
    const { status } = runBio(d, bop, s, 0, null, undefined, false);
    if (status && !first) first = status; // bio_chain_endio(): the parent keeps the first error
  }
  if (first)
    throw new KernelError(errnoOf(first), `BLK${name.toUpperCase()}ZONE at sector ${sector}: ${errnoOf(first)}`);
}

/** A kernel submitter's REQ_OP_ZONE_APPEND bio at the zone starting at `sector`: the sector it was written at. */
export function zoneAppend(d: ZonedDevCtx, data: Uint8Array, sector: number, lbs: number): number {
  const ts = d.ub.tagset;
  if (
    !(data instanceof Uint8Array) ||
    !data.length ||
    data.length % lbs ||
    !Number.isInteger(sector) ||
    sector < 0 ||
    (sector * 512) % lbs
  ) {
    throw new KernelError(
      'EINVAL',
      `zone append: data must be a non-empty Uint8Array of whole ${lbs}-byte blocks at an aligned sector`,
    );
  }
  if (!ts.alive)
    throw new KernelError('ENODEV', `/dev/ublkb${d.ub.dev_info.dev_id} does not exist (device not started or stopped)`);
  const { status, bio } = runBio(d, REQ_OP_ZONE_APPEND, sector, data.length / 512, data, undefined, false);
  if (status)
    throw new KernelError(
      errnoOf(status),
      `zone append of ${data.length} bytes to the zone at sector ${sector} failed: ${errnoOf(status)}`,
    );
  return bio.sector;
}

/** What fio's zoned mode needs of a job spec (fio.ts's FioJobSpec). */
export interface ZbdSpec {
  rw: string;
  bs: number;
  numjobs: number;
  ios: number;
  runtime: number;
  offset: number;
  size: number;
}

/**
 * fio's zonemode=zbd as the model runs it: only on a zoned disk; write jobs write sequentially from zone starts, each
 * job its own whole zones, after zbd_file_reset() has reset every zone of the region whose write pointer is not at
 * its start; reads go anywhere. Model: no wrap (fio would reset zones it comes back to), no random writes at write
 * pointers, and one write per zone at a time is left to the server's order (no zone write plugging).
 */
export function fioZbdPrepare(d: ZonedDevCtx, s: ZbdSpec): void {
  const ts = d.ub.tagset;
  if (!ts.zoned)
    throw new KernelError('EINVAL', `fio: zonemode=zbd: /dev/ublkb${d.ub.dev_info.dev_id} is not a zoned block device`);
  if (s.rw === 'read' || s.rw === 'randread') return;
  if (s.rw !== 'write')
    throw new KernelError('EINVAL', `fio: zonemode=zbd runs rw=write, read or randread in this model, not '${s.rw}'`);
  const zoneBytes = ts.zoned.chunk_sectors * 512;
  if (zoneBytes % s.bs)
    throw new KernelError('EINVAL', `fio: zonemode=zbd: bs ${s.bs} does not divide the zone size ${zoneBytes}`);
  if (s.offset % zoneBytes || s.size % (zoneBytes * s.numjobs))
    throw new KernelError(
      'EINVAL',
      `fio: zonemode=zbd: offset and size must be whole zones of ${zoneBytes} bytes, size a multiple of numjobs zones`,
    );
  const perJob = s.size / s.bs / s.numjobs;
  if (s.runtime || s.ios > perJob)
    throw new KernelError(
      'EINVAL',
      `fio: zonemode=zbd: each job writes its ${perJob} blocks once at most (ios ≤ ${perJob}, no runtime)`,
    );
  const first = s.offset / 512;
  const zones = reportZones(d, first, s.size / zoneBytes);
  for (const z of zones) if (z.type !== 'CONVENTIONAL' && z.wp !== z.start) zoneMgmt(d, 'reset', z.start, z.len);
}
