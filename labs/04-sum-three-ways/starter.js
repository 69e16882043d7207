// Lab 04: sum 1..N three ways.
const k = boot();
const N = 100;

// 1. A bounded loop: r1 counts from 1 to N, r0 accumulates.
const loop = `
r0 = 0
r1 = 1
l:
r0 += r1
r1 += 1
if r1 <= ${N} goto l
exit
`;

// 2. bpf_loop(N, cb, &sum, 0): the callback adds its index + 1 to the sum on the stack.
//    TODO: set r1 = the count, r2 = cb ll, r3 = a pointer to the sum at r10 - 8, r4 = 0, then call bpf_loop;
//    after the main program's exit, add the callback: a `cb:` label, its body (r1 is the index 0..N-1, r2 the
//    context pointer), then `r0 = 0` and `exit`. (A callback no call reaches is an "unreachable insn".)
const withBpfLoop = `
r6 = 0
*(u64 *)(r10 - 8) = r6
r0 = *(u64 *)(r10 - 8)
exit
`;

// 3. The open-coded iterator: bpf_iter_num_new(&it, 1, N + 1), bpf_iter_num_next until NULL, bpf_iter_num_destroy.
const withIter = `
r0 = 0
exit
`; // TODO

/** The number in the verifier log's "processed N insns" line. */
function processed(log) {
  return 0; // TODO
}

const result = {};
for (const [name, asm] of [['loop', loop], ['bpf_loop', withBpfLoop], ['iter', withIter]]) {
  const prog = k.bpf.prog_load({ asm, prog_type: 'raw_tp', prog_name: name });
  const sum = Number(prog.run().retval);
  result[name] = { sum, processed: processed(prog.verifier_log) };
}
print(result);
lab.result(result);
