// Lab 12's C driver: the run of a C submission (the lab runner defines `submission`, { filename, c }, on the first
// line). It compiles the C with this machine's clang, loads sum_vals through the verifier and, when it loads, runs
// it on the README's example; when the verifier rejects it, it prints the reason and the end of the log, where
// libbpf-style `; C line @ file:line` comments sit above the instructions they compiled to.
const k = boot();

/** The submission compiled (its diagnostics printed at their C lines) and opened as libbpf opens an object. */
function open() {
  const r = k.bpf.compile({ c: submission.c, filename: submission.filename });
  for (const d of r.diagnostics) print(`${d.file}:${d.line}:${d.col}: ${d.severity}: ${d.message}`);
  if (!r.ok) throw new Error(`${submission.filename}: ${r.why}`);
  return k.bpf.obj_open(r.object, { name: submission.filename.replace(/\.c$/, '.o') });
}

let loaded;
try {
  loaded = open().load({ log_level: 1 });
} catch (e) {
  if (!(e instanceof KernelError)) throw e;
  print(`${e.errno} ${e.message}`);
  print(String(e.log ?? '').trim().split('\n').slice(-14).join('\n'));
}

if (loaded) {
  const prog = loaded.progs.sum_vals;
  const map = loaded.maps.data;
  if (!prog || !map) throw new Error(`${submission.filename}: keep the program sum_vals and the map data`);
  print(prog.verifier_log.trim().split('\n').at(-1));
  // The README's example: vals = 1, 2, ..., 64 and n = 10.
  const value = new Uint8Array(map.value_size);
  const dv = new DataView(value.buffer);
  dv.setUint32(0, 10, true);
  for (let i = 0; i < 64; i++) dv.setBigUint64(8 + 8 * i, BigInt(i + 1), true);
  map.update(0, value);
  const sum = Number(prog.run().retval);
  print(`sum_vals with n = 10: ${sum}`);
  lab.result({ sum });
}
