// Lab 07, reference solution: a loop-like ublk target written in the script.
const k = boot({ seed: 7 });
const SECTOR = 512;

/** The "backing file": 4 KiB blocks kept in a Map, created on first write (a sparse file: holes read as zeros). */
const BLOCK = 4096;
const blocks = new Map();

function blockOf(index, create) {
  let b = blocks.get(index);
  if (!b && create) {
    b = new Uint8Array(BLOCK);
    blocks.set(index, b);
  }
  return b;
}

/** Copies between the request's buffer and the blocks, piece by piece (a request may start or end inside a block). */
function transfer(io, write) {
  let done = 0;
  while (done < io.len) {
    const pos = io.offset + done;
    const index = Math.floor(pos / BLOCK);
    const within = pos - index * BLOCK;
    const n = Math.min(BLOCK - within, io.len - done);
    const b = blockOf(index, write);
    if (write) b.set(io.data.subarray(done, done + n), within);
    else if (b) io.data.set(b.subarray(within, within + n), done);
    else io.data.fill(0, done, done + n);
    done += n;
  }
  return io.len;
}

const target = {
  name: 'script-loop',
  read: (io) => transfer(io, false),
  write: (io) => transfer(io, true),
  flush: () => 0,
};

const dev = k.ublk.add_dev({ dev_size: '64M', queue_depth: 32, target });
dev.start_dev();
print(dev.info().block_dev, 'is served by', dev.info().target, 'over the', dev.info().data_path, 'data path');

// Random 4 KiB writes over 256 KiB (so blocks are overwritten), then fio reads everything back and compares.
const w = k.ublk.fio({ dev, rw: 'randwrite', bs: '4k', iodepth: 16, ios: 100, size: '256K', verify: true });
// Sequential 16 KiB reads (fio fills the region first): requests span several of the target's blocks.
const r = k.ublk.fio({ dev, rw: 'read', bs: '16k', iodepth: 8, ios: 16, size: '256K', verify: true });
print(w.text);
print(r.text);

const pick = (x) => ({ ios: x.ios, iops: Math.round(x.iops), errors: x.errors, copied_bytes: x.copied_bytes, verify: x.verify });
lab.result({ sector: SECTOR, blocks: blocks.size, write: pick(w), read: pick(r), stats: dev.stats() });
