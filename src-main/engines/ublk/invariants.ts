/**
 * The ublk machine's invariant checker: the driver's device table (ublk_index_idr) holds exactly the devices
 * add_dev() returned and has not deleted, under their own ids; the unprivileged-device count matches; every
 * device's tags and buffers are consistent (UblkDev.invariants()).
 */
import type { Ublk } from './index';
import { UBLK_F } from './ublk_cmd';

export function checkUblkInvariants(ublk: Ublk): string[] {
  const errs: string[] = [];
  const live = new Set(ublk.devs.filter((d) => !d.ub.deleted).map((d) => d.ub));
  for (const [id, ub] of ublk.drv.devices) {
    if (ub.dev_info.dev_id !== id) errs.push(`device table: device ${ub.dev_info.dev_id} filed under id ${id}`);
    if (!live.has(ub))
      errs.push(`device table: device ${id} belongs to no device add_dev() returned (leaked by a failed ADD_DEV?)`);
    if (ub.deleted) errs.push(`device table: device ${id} was deleted but is still filed`);
  }
  for (const ub of live)
    if (ublk.drv.devices.get(ub.dev_info.dev_id) !== ub)
      errs.push(`device ${ub.dev_info.dev_id}: not in the device table`);
  const unpriv = [...ublk.drv.devices.values()].filter(
    (ub) => ub.dev_info.flags & UBLK_F.UBLK_F_UNPRIVILEGED_DEV,
  ).length;
  if (unpriv !== ublk.drv.unprivileged_ublks_added)
    errs.push(`unprivileged devices: ${unpriv} in the table, ${ublk.drv.unprivileged_ublks_added} counted`);
  for (const d of ublk.devs)
    if (!d.ub.deleted) for (const e of d.invariants()) errs.push(`device ${d.ub.dev_info.dev_id}: ${e}`);
  return errs;
}
