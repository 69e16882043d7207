// Lab 04, reference solution.
const k = boot();
const N = 100;

const loop = `
r0 = 0
r1 = 1
l:
r0 += r1
r1 += 1
if r1 <= ${N} goto l
exit
`;

const withBpfLoop = `
r6 = 0
*(u64 *)(r10 - 8) = r6
r1 = ${N}
r2 = cb ll
r3 = r10
r3 += -8
r4 = 0
call bpf_loop
r0 = *(u64 *)(r10 - 8)
exit
cb:
r1 += 1
r3 = *(u64 *)(r2 + 0)
r3 += r1
*(u64 *)(r2 + 0) = r3
r0 = 0
exit
`;

const withIter = `
r6 = 0
r1 = r10
r1 += -8
r2 = 1
r3 = ${N + 1}
call bpf_iter_num_new
next:
r1 = r10
r1 += -8
call bpf_iter_num_next
if r0 == 0 goto done
r1 = *(u32 *)(r0 + 0)
r6 += r1
goto next
done:
r1 = r10
r1 += -8
call bpf_iter_num_destroy
r0 = r6
exit
`;

function processed(log) {
  const m = /processed (\d+) insns/.exec(log);
  return m ? Number(m[1]) : undefined;
}

const result = {};
for (const [name, asm] of [['loop', loop], ['bpf_loop', withBpfLoop], ['iter', withIter]]) {
  const prog = k.bpf.prog_load({ asm, prog_type: 'raw_tp', prog_name: name });
  const sum = Number(prog.run().retval);
  result[name] = { sum, processed: processed(prog.verifier_log) };
}
print(result);
lab.result(result);
