// The path of sampled I/Os through the layers, as swimlanes over virtual time: the application submits,
// the block layer queues (queue_rq), task work reaches the ublk server, which runs the backend and commits.
const k = boot();
const dev = k.ublk.add_dev({ target: 'loop', nr_hw_queues: 1, queue_depth: 16, dev_size: '256M' });
dev.start_dev();
const r = k.ublk.fio({ dev, rw: 'randread', bs: '64k', iodepth: 8, ios: 400, trace_every: 40 });
const lanes = ['submit', 'queue_rq', 'task_work', 'server_cqe', 'backend', 'commit', 'complete', 'reap'];
const t0 = Math.min(...r.trace.map((e) => e.t));
// One line per sampled I/O, climbing the lanes as it travels.
const ids = [...new Set(r.trace.map((e) => e.id))];
const series = ids.map((id) => ({
  label: `io ${id}`,
  points: r.trace
    .filter((e) => e.id === id && lanes.includes(e.kind))
    .map((e) => [(e.t - t0) / 1000, lanes.indexOf(e.kind)])
    .sort((a, b) => a[0] - b[0]),
}));
lab.chart('sampled I/Os through the layers (lanes: ' + lanes.map((l, i) => i + ' ' + l).join(', ') + ')', series, {
  xlabel: 'virtual µs',
  ylabel: 'lane',
});
const byIo = new Map();
for (const e of r.trace) {
  const row = byIo.get(e.id) ?? { io: e.id, q: e.q };
  row[e.kind + '_us'] = Math.round((e.t - t0) / 100) / 10;
  byIo.set(e.id, row);
}
lab.table([...byIo.values()], 'traced I/Os (virtual µs)');
print(r.text);
