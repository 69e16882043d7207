// ublk user recovery (Linux 6.18): a read is held by the server when it crashes (dev.kill_server()), then
// START_USER_RECOVERY / END_USER_RECOVERY bring a new server. The recovery flags decide what happens to the
// held read (failed with EIO, or reissued to the new server) and to I/O sent while no server runs
// (it waits while QUIESCED, or fails with EREMOTEIO while FAIL_IO).
const k = boot();
const MODES = {
  USER_RECOVERY: ['UBLK_F_USER_RECOVERY'],
  'USER_RECOVERY|REISSUE': ['UBLK_F_USER_RECOVERY', 'UBLK_F_USER_RECOVERY_REISSUE'],
  'USER_RECOVERY|FAIL_IO': ['UBLK_F_USER_RECOVERY', 'UBLK_F_USER_RECOVERY_FAIL_IO'],
};
const errno = (f) => { try { f(); return 'ok'; } catch (e) { return e.errno ?? String(e); } };
const rows = {};
for (const [mode, flags] of Object.entries(MODES)) {
  let hold = true;
  const served = { 0: 0, 4096: 0 }; // target reads per offset: the held read is at 0, the one sent while down at 4096
  const target = { read: (io) => { served[io.offset]++; return hold ? undefined : io.len; }, write: (io) => io.len };
  const dev = k.ublk.add_dev({ nr_hw_queues: 1, queue_depth: 4, dev_size: '1M', flags, target });
  dev.start_dev();
  const held = errno(() => dev.pread(4096, 0)); // the server never answers: ETIMEDOUT after 1 s, still in flight
  hold = false;
  dev.kill_server();
  const down = dev.info();
  const whileDown = errno(() => dev.pread(4096, 4096));
  dev.start_user_recovery();
  const during = dev.snapshot();
  dev.end_user_recovery();
  const after = dev.info().state_name;
  const readAfter = errno(() => dev.pread(4096, 8192)); // also lets the requeued requests reach the new server
  rows[mode] = {
    held, state: down.state_name, pid: down.ublksrv_pid, read_while_down: whileDown, recovering: during.recovering,
    after, read_after: readAfter, held_read_served: served[0], down_read_served: served[4096],
  };
  print(`${mode}: ${JSON.stringify(rows[mode])}`);
}
lab.table(Object.entries(rows).map(([mode, r]) => ({ mode, ...r })));
lab.result(rows);
