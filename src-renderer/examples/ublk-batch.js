// ublk batch I/O (UBLK_F_BATCH_IO, mainline after 6.18): one PREP_IO_CMDS for every tag, multishot FETCH_IO_CMDS
// delivering tags into a provided buffer, one COMMIT_IO_CMDS for many results. Beside the per-tag
// FETCH_REQ / COMMIT_AND_FETCH_REQ commands, on each buffer mode: IOPS, io_uring ops per I/O, and data checked on loop.
const k = boot();
const rows = [];
for (const [mode, path] of [['copy', 'copy'], ['zero copy', 'zero_copy'], ['AUTO_BUF_REG', 'auto_buf_reg']]) {
  for (const batch of [false, true]) {
    const flags = batch ? ['UBLK_F_BATCH_IO'] : [];
    // 16 fio jobs on a 2-queue null device (the batch cover letter's setup): the server threads are the bottleneck
    const dev = k.ublk.add_dev({ nr_hw_queues: 2, queue_depth: 128, dev_size: '1G', target: 'null', server: 'kublk', data_path: path, flags });
    dev.start_dev();
    const r = k.ublk.fio({ dev, rw: 'randread', bs: '4k', iodepth: 128, numjobs: 16, ios: 1000 });
    dev.stop_dev();
    // the data path is the same: a verified write + read on a loop file
    const loop = k.ublk.add_dev({ nr_hw_queues: 2, queue_depth: 32, dev_size: '16M', target: 'loop', data_path: path, flags });
    loop.start_dev();
    const w = k.ublk.fio({ dev: loop, rw: 'randwrite', bs: '4k', iodepth: 32, numjobs: 2, ios: 200, verify: true });
    const v = k.ublk.fio({ dev: loop, rw: 'randread', bs: '4k', iodepth: 32, ios: 200, verify: true });
    const tags = loop.snapshot().queues[0].tags.map((t) => t.batch);
    loop.stop_dev();
    rows.push({
      mode, commands: batch ? 'batch' : 'per tag', iops: Math.round(r.iops), uring_ops_per_io: +r.uring_ops_per_io.toFixed(3),
      server_cpu: r.cpu.server.map((c) => Math.round(c)).join('/'), mismatches: w.verify.mismatches + v.verify.mismatches,
      tag_states: batch ? [...new Set(tags)].join(',') : '-',
    });
    print(`${mode.padEnd(12)} ${(batch ? 'batch' : 'per tag').padEnd(8)} ${String(Math.round(r.iops)).padStart(9)} IOPS  ${r.uring_ops_per_io.toFixed(3)} io_uring ops/I/O`);
  }
}
const gain = (mode) => rows.find((r) => r.mode === mode && r.commands === 'batch').iops / rows.find((r) => r.mode === mode && r.commands === 'per tag').iops;
print(`batch gain: copy ${((gain('copy') - 1) * 100).toFixed(1)} % (published +12 %), zero copy ${((gain('zero copy') - 1) * 100).toFixed(1)} % (published +3.7 %)`);
lab.table(rows);
lab.result({ rows, gain_copy: gain('copy'), gain_zero_copy: gain('zero copy'), gain_auto_buf_reg: gain('AUTO_BUF_REG') });
