// Lab 05's C driver: the run of a C submission (the lab runner defines `submission`, { filename, c }, on the first
// line). It compiles the C with this machine's clang and loads each of fix1 .. fix5 on its own, as a libbpf user
// does with bpf_program__set_autoload(): one object opened per program, only that program's autoload on, so a
// program the verifier rejects does not stop the others. It fills the maps as starter.js does, runs each program
// that loads and reports what starter.js reports, so that check.js judges the C as it judges the assembly.
const k = boot();

/** The submission compiled once (its diagnostics printed at their C lines). */
function compile() {
  const r = k.bpf.compile({ c: submission.c, filename: submission.filename });
  for (const d of r.diagnostics) print(`${d.file}:${d.line}:${d.col}: ${d.severity}: ${d.message}`);
  if (!r.ok) throw new Error(`${submission.filename}: ${r.why}`);
  return r.object;
}

/** arr: 10, 20, 30, 40; tbl: slot 0 holds an index (3), slots 1..7 hold 11, 22, ..., 77. */
function fill(maps) {
  if (!maps.arr || !maps.tbl) throw new Error(`${submission.filename}: keep the maps arr and tbl`);
  [10, 20, 30, 40].forEach((v, i) => maps.arr.update(i, v));
  const value = new Uint8Array(64);
  const dv = new DataView(value.buffer);
  dv.setBigUint64(0, 3n, true);
  for (let i = 1; i < 8; i++) dv.setBigUint64(8 * i, BigInt(11 * i), true);
  maps.tbl.update(0, value);
}

const object = compile();
const name = submission.filename.replace(/\.c$/, '.o');
const result = {};
for (const fix of ['fix1', 'fix2', 'fix3', 'fix4', 'fix5']) {
  const obj = k.bpf.obj_open(object, { name });
  if (!obj.progs.some((p) => p.name === fix)) {
    print(`${submission.filename} has no program ${fix}`);
    continue;
  }
  for (const p of obj.progs) obj.set_autoload(p.name, p.name === fix);
  try {
    const { progs, maps } = obj.load();
    fill(maps);
    result[fix] = Number(progs[fix].run().retval);
    print(fix, 'loaded, returned', result[fix]);
  } catch (e) {
    if (!(e instanceof KernelError)) throw e;
    print(fix, 'rejected:', e.message);
    print(String(e.log ?? '').trim().split('\n').slice(-12).join('\n'));
  }
}
lab.result(result);
