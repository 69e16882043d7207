// Lab 08: where zero copy starts to pay.
const SEED = 8;
const PATHS = ['copy', 'zero_copy', 'auto_buf_reg'];
const SIZES = [4096, 8192, 16384, 32768, 65536, 131072, 262144, 524288, 1048576];

/** One point: a fresh machine, a loop device on `path`, one fio run of 256 random reads of `bs` bytes. */
function point(path, bs) {
  const k = boot({ memory: '64M', seed: SEED });
  const dev = k.ublk.add_dev({ dev_size: '256M', queue_depth: 64, max_io_buf_bytes: '1M', data_path: path, target: 'loop' });
  dev.start_dev();
  return k.ublk.fio({ dev, rw: 'randread', bs, iodepth: 32, ios: 256 });
}

const rows = [];
for (const bs of SIZES) {
  const row = { bs };
  // TODO: measure every data path of PATHS, not only copy.
  row.copy = Math.round(point('copy', bs).iops);
  rows.push(row);
}

lab.table(rows);
// TODO: chart IOPS against block size for the three paths (lab.chart).

// TODO: the smallest block size at which zero_copy beats copy, and the two gains.
const crossover = null;
const gain_64k = 0;
const auto_gain_4k = 0;
lab.result({ rows, crossover, gain_64k, auto_gain_4k });
