// Lab 08, reference solution: copy against zero copy (explicit and automatic buffer registration), 4K to 1M.
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
  for (const path of PATHS) {
    const r = point(path, bs);
    row[path] = Math.round(r.iops);
  }
  rows.push(row);
}

const kib = (b) => `${b / 1024}K`;
lab.table(rows.map((r) => ({ bs: kib(r.bs), copy: r.copy, zero_copy: r.zero_copy, auto_buf_reg: r.auto_buf_reg, 'zc/copy': (r.zero_copy / r.copy).toFixed(2) })));
lab.chart('IOPS by block size (ublk loop, randread, iodepth 32)', Object.fromEntries(PATHS.map((p) => [p, rows.map((r) => [r.bs / 1024, r[p]])])), { xlabel: 'block size (KiB)', ylabel: 'IOPS' });
lab.chart('zero copy gain over copy', {
  zero_copy: rows.map((r) => [r.bs / 1024, r.zero_copy / r.copy]),
  auto_buf_reg: rows.map((r) => [r.bs / 1024, r.auto_buf_reg / r.copy]),
}, { xlabel: 'block size (KiB)', ylabel: 'IOPS ratio to copy' });

const crossover = rows.find((r) => r.zero_copy > r.copy).bs;
const at = (bs) => rows.find((r) => r.bs === bs);
const gain_64k = at(65536).zero_copy / at(65536).copy;
const auto_gain_4k = at(4096).auto_buf_reg / at(4096).zero_copy;
print(`explicit zero copy passes copy at ${kib(crossover)}; at 64K it gives x${gain_64k.toFixed(2)}; at 4K AUTO_BUF_REG gives x${auto_gain_4k.toFixed(2)} over explicit registration`);
lab.result({ rows: rows.map((r) => ({ bs: r.bs, copy: r.copy, zero_copy: r.zero_copy, auto_buf_reg: r.auto_buf_reg })), crossover, gain_64k, auto_gain_4k });
