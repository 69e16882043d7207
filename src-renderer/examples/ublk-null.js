// A ublk device with the null target: fio randread, 4k, iodepth 64 (see the ublk panel).
const k = boot();
const dev = k.ublk.add_dev({ target: 'null', nr_hw_queues: 2, queue_depth: 64, dev_size: '1G' });
dev.start_dev();
const r = k.ublk.fio({ dev, rw: 'randread', bs: '4k', iodepth: 64, ios: 20000 });
print(r.text);
print(dev.info());
lab.result({ iops: r.iops, p99_us: r.lat.p99, copied_bytes: r.copied_bytes });
