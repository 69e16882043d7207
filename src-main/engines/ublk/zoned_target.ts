/**
 * The `zoned` ublk target: a server that keeps zones with write pointers as a zoned device does, with the zone
 * state machine of drivers/block/null_blk/zoned.c (Linux 6.18; the ZNS/ZBC rules): conditions EMPTY, IMP_OPEN,
 * EXP_OPEN, CLOSED, FULL; max_open_zones / max_active_zones answered with BLK_STS_ZONE_OPEN_RESOURCE
 * (-ETOOMANYREFS) / BLK_STS_ZONE_ACTIVE_RESOURCE (-EOVERFLOW); a write off the write pointer, into a full zone or
 * past the zone capacity is BLK_STS_IOERR (-EIO). It answers UBLK_IO_OP_REPORT_ZONES with struct blk_zone entries
 * and ZONE_APPEND with the written sector (the commit's zone_append_lba). Data lives in a sparse backing file.
 */
import { KernelError } from '../common/errors';
import type { BackingFile } from './backing';
import type { ScriptIo, Target, TargetHandler } from './targets';
import {
  BLK_ZONE_COND_CLOSED,
  BLK_ZONE_COND_EMPTY,
  BLK_ZONE_COND_EXP_OPEN,
  BLK_ZONE_COND_FULL,
  BLK_ZONE_COND_IMP_OPEN,
  BLK_ZONE_COND_NOT_WP,
  BLK_ZONE_SIZE,
  BLK_ZONE_TYPE_CONVENTIONAL,
  BLK_ZONE_TYPE_SEQWRITE_REQ,
  put_blk_zone,
} from './zoned';
import type { BlkZone } from './zoned';

const EIO = -5;
const ETOOMANYREFS = -109; // BLK_STS_ZONE_OPEN_RESOURCE
const EOVERFLOW = -75; // BLK_STS_ZONE_ACTIVE_RESOURCE

export interface ZonedTargetOpts {
  /** Zone size in sectors (power of two). */
  zone_sectors: number;
  /** Writable sectors per zone (≤ zone_sectors; ZNS zone capacity). */
  zone_capacity: number;
  /** Conventional zones at the start of the device (no write pointer). */
  nr_conv: number;
  max_open: number;
  max_active: number;
}

/** One zone of the server. */
interface Zone extends BlkZone {
  readonly idx: number;
}

/** The zones and their open/active accounting (null_blk's nr_zones_imp_open / exp_open / closed). */
export class ZoneStore {
  readonly zones: Zone[] = [];
  nr_imp_open = 0;
  nr_exp_open = 0;
  nr_closed = 0;

  constructor(
    readonly dev_sectors: number,
    readonly o: ZonedTargetOpts,
    readonly file: BackingFile,
  ) {
    for (let s = 0, i = 0; s < dev_sectors; s += o.zone_sectors, i++) {
      const len = Math.min(o.zone_sectors, dev_sectors - s);
      const conv = i < o.nr_conv;
      this.zones.push({
        idx: i,
        start: s,
        len,
        capacity: conv ? len : Math.min(o.zone_capacity, len),
        type: conv ? BLK_ZONE_TYPE_CONVENTIONAL : BLK_ZONE_TYPE_SEQWRITE_REQ,
        cond: conv ? BLK_ZONE_COND_NOT_WP : BLK_ZONE_COND_EMPTY,
        wp: conv ? s + len : s,
      });
    }
  }

  zone_of(sector: number): Zone | null {
    return this.zones[Math.floor(sector / this.o.zone_sectors)] ?? null;
  }

  private get nr_active(): number {
    return this.nr_imp_open + this.nr_exp_open + this.nr_closed;
  }

  /** null_check_active(): one more active zone allowed? */
  private check_active(): number {
    if (!this.o.max_active || this.nr_active < this.o.max_active) return 0;
    return EOVERFLOW;
  }

  /** null_check_open(): one more open zone, closing an implicitly open one if that makes room. */
  private check_open(): number {
    if (!this.o.max_open) return 0;
    if (this.nr_exp_open + this.nr_imp_open < this.o.max_open) return 0;
    if (this.nr_imp_open) {
      const z = this.zones.find((x) => x.cond === BLK_ZONE_COND_IMP_OPEN)!;
      this.close_zone(z);
      return 0;
    }
    return ETOOMANYREFS;
  }

  /** null_check_zone_resources(): what opening zone z needs. */
  private check_resources(z: Zone): number {
    if (z.cond === BLK_ZONE_COND_EMPTY) {
      const r = this.check_active();
      if (r) return r;
      return this.check_open();
    }
    if (z.cond === BLK_ZONE_COND_CLOSED) return this.check_open();
    return 0;
  }

  private leave(z: Zone): void {
    if (z.cond === BLK_ZONE_COND_IMP_OPEN) this.nr_imp_open--;
    else if (z.cond === BLK_ZONE_COND_EXP_OPEN) this.nr_exp_open--;
    else if (z.cond === BLK_ZONE_COND_CLOSED) this.nr_closed--;
  }

  /** null_zone_write(): [sector, +n) at the write pointer (append: wherever it is). Returns the start sector or -errno. */
  write(sector: number, n: number, append: boolean): number {
    const z = this.zone_of(sector);
    if (!z) return EIO;
    if (z.type === BLK_ZONE_TYPE_CONVENTIONAL) return append ? EIO : sector;
    if (append) sector = z.wp;
    if (z.cond === BLK_ZONE_COND_FULL) return EIO;
    if (sector !== z.wp || z.wp + n > z.start + z.capacity) return EIO;
    const r = this.check_resources(z);
    if (r) return r;
    if (z.cond === BLK_ZONE_COND_EMPTY || z.cond === BLK_ZONE_COND_CLOSED) {
      this.leave(z);
      z.cond = BLK_ZONE_COND_IMP_OPEN;
      this.nr_imp_open++;
    }
    z.wp += n;
    if (z.wp === z.start + z.capacity) {
      this.leave(z);
      z.cond = BLK_ZONE_COND_FULL;
    }
    return sector;
  }

  private close_zone(z: Zone): number {
    if (z.cond === BLK_ZONE_COND_CLOSED || z.cond === BLK_ZONE_COND_EMPTY) return 0;
    if (z.cond !== BLK_ZONE_COND_IMP_OPEN && z.cond !== BLK_ZONE_COND_EXP_OPEN) return EIO;
    this.leave(z);
    if (z.wp === z.start) z.cond = BLK_ZONE_COND_EMPTY;
    else {
      z.cond = BLK_ZONE_COND_CLOSED;
      this.nr_closed++;
    }
    return 0;
  }

  /** null_zone_mgmt(): open / close / finish / reset of the zone at `sector`; reset_all of every sequential zone. */
  mgmt(op: 'open' | 'close' | 'finish' | 'reset' | 'reset_all', sector: number): number {
    if (op === 'reset_all') {
      for (const z of this.zones) if (z.type !== BLK_ZONE_TYPE_CONVENTIONAL) this.reset(z);
      return 0;
    }
    const z = this.zone_of(sector);
    if (!z || z.type === BLK_ZONE_TYPE_CONVENTIONAL) return EIO;
    switch (op) {
      case 'open': {
        if (z.cond === BLK_ZONE_COND_EXP_OPEN) return 0;
        if (z.cond === BLK_ZONE_COND_FULL) return EIO;
        if (z.cond === BLK_ZONE_COND_IMP_OPEN) {
          this.nr_imp_open--;
        } else {
          const r = this.check_resources(z);
          if (r) return r;
          this.leave(z);
        }
        z.cond = BLK_ZONE_COND_EXP_OPEN;
        this.nr_exp_open++;
        return 0;
      }
      case 'close':
        return this.close_zone(z);
      case 'finish': {
        if (z.cond === BLK_ZONE_COND_FULL) return 0;
        if (z.cond === BLK_ZONE_COND_EMPTY) {
          const r = this.check_active();
          if (r) return r;
        }
        this.leave(z);
        z.cond = BLK_ZONE_COND_FULL;
        z.wp = z.start + z.len;
        return 0;
      }
      case 'reset':
        this.reset(z);
        return 0;
    }
  }

  private reset(z: Zone): void {
    this.leave(z);
    z.cond = BLK_ZONE_COND_EMPTY;
    z.wp = z.start;
    this.file.punch_hole(z.start * 512, z.len * 512);
  }

  /** The report of up to nr_zones zones from `sector`, as struct blk_zone entries into buf; returns the bytes. */
  report(sector: number, nr_zones: number, buf: Uint8Array): number {
    let first = Math.floor(sector / this.o.zone_sectors);
    let n = 0;
    while (n < nr_zones && first < this.zones.length && (n + 1) * BLK_ZONE_SIZE <= buf.length) {
      put_blk_zone(buf, n * BLK_ZONE_SIZE, this.zones[first]!);
      n++;
      first++;
    }
    return n * BLK_ZONE_SIZE;
  }
}

const MGMT = {
  zone_open: 'open',
  zone_close: 'close',
  zone_finish: 'finish',
  zone_reset: 'reset',
  zone_reset_all: 'reset_all',
} as const;

/** The server-side handler of the zoned target (it runs on the user-copy data path, like a script target). */
export function zonedTarget(dev_sectors: number, o: ZonedTargetOpts, file: BackingFile): Target & { zones: ZoneStore } {
  if (
    !Number.isInteger(o.zone_sectors) ||
    o.zone_sectors < 8 ||
    2 ** Math.round(Math.log2(o.zone_sectors)) !== o.zone_sectors
  ) {
    throw new KernelError(
      'EINVAL',
      `zoned: zone size ${o.zone_sectors * 512} bytes is not a power of two of at least 4K`,
    );
  }
  if (!Number.isInteger(o.zone_capacity) || o.zone_capacity <= 0 || o.zone_capacity > o.zone_sectors)
    throw new KernelError('EINVAL', 'zoned: zone capacity must be from 1 sector to the zone size');
  const store = new ZoneStore(dev_sectors, o, file);
  if (o.nr_conv < 0 || o.nr_conv >= store.zones.length)
    throw new KernelError(
      'EINVAL',
      `zoned: ${o.nr_conv} conventional zones leave no sequential zone of ${store.zones.length}`,
    );
  const sectors = (io: ScriptIo): number => io.len / 512;
  const handler: TargetHandler = {
    name: 'zoned',
    read(io) {
      if (io.data) file.pread(io.data, 0, io.len, io.offset);
      return io.len;
    },
    write(io) {
      const r = store.write(io.offset / 512, sectors(io), false);
      if (r < 0) return r;
      if (io.data) file.pwrite(io.data, 0, io.len, io.offset);
      return io.len;
    },
    zone_append(io) {
      const r = store.write(io.offset / 512, sectors(io), true);
      if (r < 0) return r;
      if (io.data) file.pwrite(io.data, 0, io.len, r * 512);
      io.zone_append_lba = r;
      return io.len;
    },
    report_zones(io) {
      return io.data ? store.report(io.offset / 512, io.nr_zones ?? 0, io.data) : EIO;
    },
    zone_mgmt(io) {
      return store.mgmt(MGMT[io.op as keyof typeof MGMT], io.offset / 512);
    },
  };
  return { kind: 'zoned', files: [], handler, map: () => [], zones: store };
}
