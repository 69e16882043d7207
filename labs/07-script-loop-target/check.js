// Lab 07's criteria. The target's handlers live in the script (gone once the run ends), so the checks read the
// device the script created, its driver counters and state machine, and the machine's own record of every fio run
// on it (k.fio_runs, with verify's counts as the engine made them), and hold the reported runs to them.
function scriptDev(k) {
  return k ? k.ublk.devs.find((d) => d.target.kind === 'script') : undefined;
}
/** The machine's record of the fio runs on the script device with this rw and block size, newest last. */
function runsOf(k, rw, bs) {
  const d = scriptDev(k);
  if (!d) return [];
  const id = d.info().dev_id;
  return k.fio_runs.filter((f) => f.dev_id === id && f.options.rw === rw && String(f.options.bs).toLowerCase() === bs).map((f) => f.result);
}
const ok = (x) => x && typeof x === 'object';

export default [
  {
    name: 'adds a device served by a target written in the script, on the copy data path',
    hint: "k.ublk.add_dev({ target: { read(io) {...}, write(io) {...} } }) with no data_path (copy: the handlers see io.data)",
    check: ({ k }) => {
      const d = scriptDev(k);
      if (!d) return { pass: false, detail: 'no device with a script target' };
      const h = d.target.handler;
      return { pass: d.path === 'copy' && typeof h.read === 'function' && typeof h.write === 'function', detail: `data path ${d.path}` };
    },
  },
  {
    name: 'the device was started and served I/O without errors',
    hint: 'dev.start_dev(); every request your handlers complete must return its byte count (io.len), never a negative errno',
    check: ({ k }) => {
      const d = scriptDev(k);
      if (!d) return false;
      const s = d.stats();
      const bad = d.invariants();
      const pass = d.info().state_name === 'UBLK_S_DEV_LIVE' && s.completed > 0 && s.errors === 0 && s.dispatched === s.completed && bad.length === 0;
      return { pass, detail: `state ${d.info().state_name}, ${s.completed} completed, ${s.errors} errors${bad.length ? '; ' + bad.join('; ') : ''}` };
    },
  },
  {
    name: 'random 4K writes read back with 0 mismatches',
    hint: "k.ublk.fio({ dev, rw: 'randwrite', bs: '4k', iodepth: 16, ios: 100, size: '256K', verify: true }) and report it as `write`",
    check: ({ k }) => {
      const w = runsOf(k, 'randwrite', '4k').at(-1);
      const pass = ok(w) && w.ios >= 100 && w.errors === 0 && ok(w.verify) && w.verify.checked > 0 && w.verify.mismatches === 0;
      return { pass, detail: ok(w) ? JSON.stringify({ ios: w.ios, errors: w.errors, verify: w.verify }) : 'the machine ran no 4k randwrite fio on the script device' };
    },
  },
  {
    name: '16K reads across your blocks verify with 0 mismatches',
    hint: "k.ublk.fio({ dev, rw: 'read', bs: '16k', iodepth: 8, ios: 16, size: '256K', verify: true }) as `read`: a request can span several blocks",
    check: ({ k }) => {
      const r = runsOf(k, 'read', '16k').at(-1);
      const pass = ok(r) && r.ios >= 16 && r.errors === 0 && ok(r.verify) && r.verify.checked >= 16 && r.verify.mismatches === 0;
      return { pass, detail: ok(r) ? JSON.stringify({ ios: r.ios, errors: r.errors, verify: r.verify }) : 'the machine ran no 16k read fio on the script device' };
    },
  },
  {
    name: 'the fio runs you report are the ones the device served',
    hint: 'report what k.ublk.fio() returned, and dev.stats() at the end',
    check: ({ result, k }) => {
      const d = scriptDev(k);
      if (!d || !ok(result) || !ok(result.write) || !ok(result.read) || !ok(result.stats)) return false;
      const s = d.stats();
      const w = result.write;
      const r = result.read;
      const same = Object.keys(s).every((key) => result.stats[key] === s[key]);
      // The reported verify counts are those the machine recorded for the same runs.
      const wr = runsOf(k, 'randwrite', '4k').at(-1);
      const rr = runsOf(k, 'read', '16k').at(-1);
      const sameVerify = ok(wr) && ok(rr) && JSON.stringify(w.verify) === JSON.stringify(wr.verify) && JSON.stringify(r.verify) === JSON.stringify(rr.verify);
      const ios = w.ios + (w.verify ? w.verify.checked : 0) + r.ios;
      const bytes = w.copied_bytes + r.copied_bytes;
      const pass = same && sameVerify && s.completed >= ios && s.copied_bytes >= bytes;
      return { pass, detail: `device: ${s.completed} I/Os, ${s.copied_bytes} bytes copied; reported runs: at least ${ios} I/Os, ${bytes} bytes` };
    },
  },
];
