// Lab 04's C driver: the run of a C submission. The lab runner defines `submission` ({ filename, c }) on the first
// line. It compiles the C with this machine's clang, loads its three programs (loop, sum_bpf_loop, iter), runs
// each and reports what starter.js reports, so that check.js judges the C as it judges the assembly.
const k = boot();

/** The submission compiled (its diagnostics printed at their C lines) and opened as libbpf opens an object. */
function open() {
  const r = k.bpf.compile({ c: submission.c, filename: submission.filename });
  for (const d of r.diagnostics) print(`${d.file}:${d.line}:${d.col}: ${d.severity}: ${d.message}`);
  if (!r.ok) throw new Error(`${submission.filename}: ${r.why}`);
  return k.bpf.obj_open(r.object, { name: submission.filename.replace(/\.c$/, '.o') });
}

function processed(log) {
  const m = /processed (\d+) insns/.exec(log ?? '');
  return m ? Number(m[1]) : undefined;
}

const { progs } = open().load();
const result = {};
for (const [name, fn] of [['loop', 'loop'], ['bpf_loop', 'sum_bpf_loop'], ['iter', 'iter']]) {
  const prog = progs[fn];
  if (!prog) {
    print(`${submission.filename} has no program ${fn}`);
    continue;
  }
  result[name] = { sum: Number(prog.run().retval), processed: processed(prog.verifier_log) };
}
print(result);
lab.result(result);
