// A bounded loop (allowed since Linux 5.3): r0 = 1 + 2 + ... + n, run for several n. The number of
// instructions executed grows with n, which is what the verifier must bound before a program may load.
const k = boot();
const rows = [];
const points = [];
for (const n of [1, 10, 100, 1000]) {
  const prog = k.bpf.prog_load({
    prog_name: `sum_to_${n}`,
    verify: false,
    asm: `
    r0 = 0
    r1 = 1
loop:
    r0 += r1
    r1 += 1
    if r1 <= ${n} goto loop
    exit`,
  });
  const res = prog.run();
  rows.push({ n, retval: Number(res.retval), insns: res.insns });
  points.push([n, res.insns]);
}
lab.table(rows, 'sum of 1..n');
lab.chart('instructions executed against n', [{ label: 'insns', points }], { xlabel: 'n', ylabel: 'instructions' });
print(rows.every((r) => r.retval === (r.n * (r.n + 1)) / 2) ? 'all sums right' : 'a sum is wrong');
