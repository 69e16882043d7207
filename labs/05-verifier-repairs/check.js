// Lab 05's criteria. Each repaired program is looked up by name among the programs loaded on the machine the
// script booted (so it passed the verifier), run again by the checker, and checked to still do its job the way
// the starter's version does (a program that only returns the constant does not count).
const CALL = 0x85; // BPF_JMP | BPF_CALL
const calls = (p) => p.insns.filter((i) => i.code === CALL);
const kfuncs = (k, p) => new Set(calls(p).filter((i) => i.src_reg === 2).map((i) => k.bpf.kfuncs.get(i.imm)?.name));
const helpers = (p) => new Set(calls(p).filter((i) => i.src_reg === 0).map((i) => i.imm));
const isJmp = (code) => (code & 7) === 5 || (code & 7) === 6;
const hasBackEdge = (p) => p.insns.some((i) => isJmp(i.code) && i.code !== CALL && (i.code & 0xf0) !== 0x90 && i.off < 0);
const LOOKUP = 1; // BPF_FUNC_map_lookup_elem

const byName = (k, name) => (k ? [...k.bpf.progs.values()].filter((p) => p.name === name).at(-1) : undefined);
const retval = (p) => {
  try {
    return Number(p.run().retval);
  } catch (e) {
    return `error: ${e.message}`;
  }
};

function fix(name, expected, what, hint, shape) {
  return {
    name: `${name} loads and ${what}`,
    hint,
    check: ({ k }) => {
      const p = byName(k, name);
      if (!p) return { pass: false, detail: `no program named ${name} is loaded (the verifier rejected it, or prog_name is missing)` };
      if (typeof p.verifier_log !== 'string') return { pass: false, detail: 'it was loaded without the verifier' };
      const bad = shape(k, p);
      if (bad) return { pass: false, detail: bad };
      const got = retval(p);
      return { pass: got === expected, detail: `the checker ran it and got ${got}` };
    },
  };
}

export default [
  fix('fix1', 45, 'sums 0..9 with the iterator', 'every bpf_iter_num_new needs its bpf_iter_num_destroy on every path to exit (after the loop)', (k, p) => {
    const ks = kfuncs(k, p);
    return ks.has('bpf_iter_num_new') && ks.has('bpf_iter_num_next') && ks.has('bpf_iter_num_destroy') ? '' : 'it should still use bpf_iter_num_new/next and destroy the iterator';
  }),
  fix('fix2', 42, 'computes 6 × 7 in a loop', 'R0 is read (r0 += 6) before anything was written to it: give it a starting value', (_k, p) =>
    hasBackEdge(p) ? '' : 'it should still add in a loop'),
  fix('fix3', 30, 'reads arr[2]', 'bpf_map_lookup_elem may return NULL: test r0 before dereferencing it', (_k, p) =>
    helpers(p).has(LOOKUP) ? '' : 'it should still look the value up in the map'),
  fix('fix4', 44, "reads the slot tbl's slot 0 points to", 'the index comes from memory, so the verifier knows nothing of it: bound it (slot 1 + index must stay inside the 8 slots) before the pointer arithmetic', (_k, p) =>
    helpers(p).has(LOOKUP) ? '' : 'it should still look the value up in the map'),
  fix('fix5', 4, 'counts the 1 bits of 180 in a loop', 'the loop comes back to the same state: it shifts a copy, never the value it tests', (_k, p) =>
    hasBackEdge(p) ? '' : 'it should still loop over the bits'),
  {
    name: 'the reported results are what the programs return',
    hint: 'lab.result({ fix1, ..., fix5 }) with Number(prog.run().retval) of each',
    check: ({ result, k }) => {
      const names = ['fix1', 'fix2', 'fix3', 'fix4', 'fix5'];
      const want = Object.fromEntries(names.map((n) => [n, byName(k, n) ? retval(byName(k, n)) : undefined]));
      const off = names.filter((n) => want[n] === undefined || result?.[n] !== want[n]);
      return { pass: off.length === 0, detail: `these results are not what the programs return (or the program is not loaded): ${off.join(', ')}` };
    },
  },
];
