// Lab 07: a loop-like ublk target written in the script.
const k = boot({ seed: 7 });

/** The "backing file": 4 KiB blocks kept in a Map, created on first write (a sparse file: holes read as zeros). */
const BLOCK = 4096;
const blocks = new Map();

const target = {
  name: 'script-loop',
  /** A READ: fill io.data (io.len bytes) with what the device holds at byte offset io.offset. */
  read(io) {
    // TODO: copy the stored bytes into io.data (and zeros where nothing was written yet).
    return io.len;
  },
  /** A WRITE: io.data holds io.len bytes to store at byte offset io.offset. */
  write(io) {
    // TODO: this only keeps writes that are exactly one aligned block; requests may be larger.
    if (io.len === BLOCK && io.offset % BLOCK === 0) blocks.set(io.offset / BLOCK, io.data.slice());
    return io.len;
  },
  flush: () => 0,
};

const dev = k.ublk.add_dev({ dev_size: '64M', queue_depth: 32, target });
dev.start_dev();

const w = k.ublk.fio({ dev, rw: 'randwrite', bs: '4k', iodepth: 16, ios: 100, size: '256K', verify: true });
print(w.text);
// TODO: a second run, sequential 16K reads with verify: { rw: 'read', bs: '16k', iodepth: 8, ios: 16, size: '256K' }.

const pick = (x) => ({ ios: x.ios, iops: Math.round(x.iops), errors: x.errors, copied_bytes: x.copied_bytes, verify: x.verify });
lab.result({ write: pick(w), stats: dev.stats() });
