// A zoned ublk device (UBLK_F_ZONED, Linux 6.18 with CONFIG_BLK_DEV_ZONED=y): the 'zoned' target keeps zones with
// write pointers (EMPTY, IMP_OPEN, EXP_OPEN, CLOSED, FULL) on the user-copy data path. START_DEV reports every zone
// through the server (blk_revalidate_disk_zones()); writes must land on the write pointer; a zone append bio
// completes at the sector the server wrote it at (the commit's zone_append_lba); open zones are limited.
const k = boot();
const dev = k.ublk.add_dev({ target: 'zoned', queue_depth: 8, dev_size: '64M',
                             zoned: { zone_size: '4M', nr_conv: 1, max_open_zones: 2, max_active_zones: 4 } });
dev.start_dev();
const ZS = 4 * 1024 * 1024 / 512; // sectors per zone
const errno = (f) => { try { f(); return 'ok'; } catch (e) { return e.errno ?? String(e); } };
const steps = [];
const step = (what, f) => steps.push({ what, got: errno(f) });

step('write 64 KiB at the start of zone 1 (its write pointer)', () => dev.pwrite(new Uint8Array(65536).fill(1), ZS * 512));
step('write again at sector 0 of zone 1 (behind the write pointer)', () => dev.pwrite(new Uint8Array(4096), ZS * 512));
const lbas = [1, 2, 3].map(() => dev.zone_append(new Uint8Array(8192).fill(9), 2 * ZS));
step('open zone 3 (2 zones open: the implicitly open zone 1 is closed to make room)', () => dev.zone_mgmt('open', 3 * ZS));
step('open zone 4 (the implicitly open zone 2 is closed)', () => dev.zone_mgmt('open', 4 * ZS));
step('open zone 5 (4 zones active: max_active_zones)', () => dev.zone_mgmt('open', 5 * ZS));
step('reset zone 1, open zone 5 (2 zones explicitly open: max_open_zones)', () => { dev.zone_mgmt('reset', ZS); dev.zone_mgmt('open', 5 * ZS); });
step('finish zone 2', () => dev.zone_mgmt('finish', 2 * ZS));
step('write into the full zone 2', () => dev.pwrite(new Uint8Array(4096), 2 * ZS * 512 + 65536));
step('reset the conventional zone 0', () => dev.zone_mgmt('reset', 0));
lab.table(steps);
print(`zone appends to zone 2 landed at sectors ${lbas.join(', ')} (zone start ${2 * ZS})`);

// blkzone report: one line per zone
const zones = dev.report_zones({ nr_zones: 6 });
for (const z of zones) {
  print(`start: 0x${z.start.toString(16).padStart(9, '0')}, len 0x${z.len.toString(16)}, cap 0x${z.capacity.toString(16)}, wptr 0x${(z.wp - z.start).toString(16)} zcond: ${z.cond} [type: ${z.type}]`);
}
lab.table(zones);
lab.result({ steps, lbas, zones: zones.map((z) => z.cond), dispatched: dev.stats().dispatched });
