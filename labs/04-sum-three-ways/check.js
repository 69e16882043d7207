// Lab 04's criteria. They look at the programs loaded on the machine the script booted and re-run them, and
// compare the reported counts with those programs' own verifier logs.
const SUM = 5050;
const CALL = 0x85; // BPF_JMP | BPF_CALL
const ITER_KFUNCS = ['bpf_iter_num_new', 'bpf_iter_num_next', 'bpf_iter_num_destroy'];

const progs = (k) => (k ? [...k.bpf.progs.values()] : []);
const calls = (p) => p.insns.filter((i) => i.code === CALL);
const usesBpfLoop = (p) => calls(p).some((i) => i.src_reg === 0 && i.imm === 181);
const usesIter = (k, p) => {
  const ids = new Set(calls(p).filter((i) => i.src_reg === 2).map((i) => k.bpf.kfuncs.get(i.imm)?.name));
  return ITER_KFUNCS.every((n) => ids.has(n));
};
const isJmp = (code) => (code & 7) === 5 || (code & 7) === 6; // BPF_JMP, BPF_JMP32
const hasBackEdge = (p) => p.insns.some((i) => isJmp(i.code) && i.code !== CALL && (i.code & 0xf0) !== 0x90 && i.off < 0);
const sumOf = (p) => {
  try {
    return Number(p.run().retval);
  } catch {
    return NaN;
  }
};
const processed = (p) => Number(/processed (\d+) insns/.exec(p?.verifier_log ?? '')?.[1]);

/** The three programs by kind (the first loaded of each). */
function kinds(k) {
  const all = progs(k);
  return {
    loop: all.find((p) => hasBackEdge(p) && calls(p).length === 0),
    bpf_loop: all.find((p) => usesBpfLoop(p)),
    iter: all.find((p) => usesIter(k, p)),
  };
}

const kindCheck = (kind, hint) => ({
  name: `${kind === 'loop' ? 'a bounded-loop' : kind === 'bpf_loop' ? 'a bpf_loop' : 'an open-coded iterator'} program that returns ${SUM}`,
  hint,
  check: ({ k }) => {
    const p = kinds(k)[kind];
    if (!p) return { pass: false, detail: 'no such program is loaded' };
    const got = sumOf(p);
    return { pass: got === SUM, detail: `the checker ran it and got ${got}` };
  },
});

export default [
  {
    name: 'three programs pass the verifier',
    hint: 'load each program with k.bpf.prog_load (the verifier is on by default)',
    check: ({ k }) => {
      const all = progs(k);
      return { pass: all.length >= 3 && all.every((p) => typeof p.verifier_log === 'string'), detail: `${all.length} loaded` };
    },
  },
  kindCheck('loop', 'a loop with a conditional jump backwards (if r1 <= 100 goto l) and no call at all'),
  kindCheck('bpf_loop', 'call bpf_loop (helper 181) with r2 = cb ll; the callback adds r1 + 1 to the sum behind r2'),
  kindCheck('iter', 'bpf_iter_num_new(&it, 1, 101), bpf_iter_num_next until it returns 0, then bpf_iter_num_destroy'),
  {
    name: 'the reported sums are what the programs return',
    hint: 'lab.result({ loop: { sum, processed }, bpf_loop: { ... }, iter: { ... } }) with sum = Number(prog.run().retval)',
    check: ({ result, k }) => {
      const ps = kinds(k);
      return ['loop', 'bpf_loop', 'iter'].every((n) => ps[n] && result?.[n]?.sum === sumOf(ps[n]) && result[n].sum === SUM);
    },
  },
  {
    name: 'the reported counts are those of the verifier logs',
    hint: 'read the number of the "processed N insns" line of each prog.verifier_log',
    check: ({ result, k }) => {
      const ps = kinds(k);
      const want = Object.fromEntries(['loop', 'bpf_loop', 'iter'].map((n) => [n, processed(ps[n])]));
      const got = Object.fromEntries(['loop', 'bpf_loop', 'iter'].map((n) => [n, result?.[n]?.processed]));
      const pass = ['loop', 'bpf_loop', 'iter'].every((n) => Number.isFinite(want[n]) && got[n] === want[n]);
      const off = ['loop', 'bpf_loop', 'iter'].filter((n) => !Number.isFinite(want[n]) || got[n] !== want[n]);
      return { pass, detail: `these counts are not the "processed N insns" of a loaded program's log: ${off.join(', ')}` };
    },
  },
];
