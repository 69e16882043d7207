// Lab 12's criteria. They look at the program sum_vals that passed the verifier on the machine the script booted,
// fill its map `data` with values of their own (drawn from the run's seed) and run it again for several n, among
// them n past the end of the array: a program that only returns the README's answer does not pass.
const CALL = 0x85; // BPF_JMP | BPF_CALL
const LDDW = 0x18; // BPF_LD | BPF_IMM | BPF_DW
const MAX_VALS = 64;
const VALUE_SIZE = 8 + 8 * MAX_VALS; // struct data
const ITER = ['bpf_iter_num_new', 'bpf_iter_num_next', 'bpf_iter_num_destroy'];
const BPF_LOOP = 181;

const isJmp = (code) => (code & 7) === 5 || (code & 7) === 6; // BPF_JMP, BPF_JMP32
const hasBackEdge = (p) => p.insns.some((i) => isJmp(i.code) && i.code !== CALL && (i.code & 0xf0) !== 0x90 && i.off < 0);
const calls = (p) => p.insns.filter((i) => i.code === CALL);
const kfuncs = (k, p) => new Set(calls(p).filter((i) => i.src_reg === 2).map((i) => k.bpf.kfuncs.get(i.imm)?.name));

/** The last sum_vals the verifier accepted. */
const program = (k) => (k ? [...k.bpf.progs.values()].filter((p) => p.name === 'sum_vals' && typeof p.verifier_log === 'string').at(-1) : undefined);

/** The map `data` the program names (`r1 = data ll`). */
function dataMap(k, p) {
  for (const i of p.insns) {
    if (i.code !== LDDW || i.src_reg !== 1) continue;
    const m = k.bpf.maps.get(i.imm);
    if (m && m.value_size === VALUE_SIZE) return m;
  }
  return undefined;
}

/** 64 values from the seed (1..1000: every sum fits in the program's int result). */
function values(seed) {
  let x = (seed >>> 0) * 2654435761 + 12345;
  return Array.from({ length: MAX_VALS }, () => {
    x = (x * 1103515245 + 12345) % 2147483648;
    return 1 + (x % 1000);
  });
}

/** Runs the program with n and the values in the map; its result, or the error's message. */
function runWith(p, map, n, vals) {
  const v = new Uint8Array(VALUE_SIZE);
  const dv = new DataView(v.buffer);
  dv.setUint32(0, n >>> 0, true);
  vals.forEach((x, i) => dv.setBigUint64(8 + 8 * i, BigInt(x), true));
  map.update(0, v);
  try {
    return Number(BigInt.asUintN(32, BigInt(p.run().retval)));
  } catch (e) {
    return `error: ${e.message}`;
  }
}

function needProgram(k) {
  const p = program(k);
  if (!p) return { fail: 'no program named sum_vals passed the verifier' };
  const map = dataMap(k, p);
  if (!map) return { fail: `sum_vals names no array map with one ${VALUE_SIZE}-byte value (keep the map data as the starter has it)` };
  return { p, map };
}

/** The first n of `ns` for which the program does not return the sum of the first min(n, 64) values. */
function firstWrong(p, map, ns, vals) {
  for (const n of ns) {
    const want = vals.slice(0, Math.min(n, MAX_VALS)).reduce((a, b) => a + b, 0);
    const got = runWith(p, map, n, vals);
    if (got !== want) return `with n = ${n} it returned ${got}, which is not the sum of the first ${Math.min(n, MAX_VALS)} values`;
  }
  return '';
}

export default [
  {
    name: 'sum_vals passes the verifier',
    hint: "read the verifier's log from the bottom up: which access fails, on which C line, and what does the verifier know of the register that moves?",
    check: ({ k }) => {
      const p = program(k);
      return p ? { pass: true, detail: p.verifier_log.trim().split('\n').at(-1) } : { pass: false, detail: 'no program named sum_vals passed the verifier' };
    },
  },
  {
    name: 'the verifier still sees a loop',
    hint: 'keep a loop: a for loop with a bound the verifier can follow, bpf_for() from bpf_experimental.h, or bpf_loop()',
    check: ({ k }) => {
      const p = program(k);
      if (!p) return { pass: false, detail: 'no program named sum_vals passed the verifier' };
      const loops = hasBackEdge(p) || ITER.every((n) => kfuncs(k, p).has(n)) || calls(p).some((i) => i.src_reg === 0 && i.imm === BPF_LOOP);
      return { pass: loops, detail: loops ? 'it loops' : 'no jump goes backwards and no iterator or bpf_loop is called: the loop was unrolled or removed' };
    },
  },
  {
    name: 'it adds up the first n values, for n from 0 to 64',
    hint: 'n is how many of vals to add up; the checker fills the map with values of its own',
    check: ({ k, seed }) => {
      const s = needProgram(k);
      if (s.fail) return { pass: false, detail: s.fail };
      const wrong = firstWrong(s.p, s.map, [0, 1, 7, 33, 63, 64], values(seed));
      return { pass: !wrong, detail: wrong || 'every n gives the sum' };
    },
  },
  {
    name: 'n past the end adds up all 64 values and reads nothing beyond',
    hint: 'n is whatever user space wrote, up to 4294967295; the array has 64 values',
    check: ({ k, seed }) => {
      const s = needProgram(k);
      if (s.fail) return { pass: false, detail: s.fail };
      const wrong = firstWrong(s.p, s.map, [65, 1000, 0xffffffff], values(seed + 1));
      return { pass: !wrong, detail: wrong || 'every n gives the sum of all 64' };
    },
  },
  {
    name: "the reported sum is the program's for the README's example",
    hint: 'lab.result({ sum }) with Number(prog.run().retval) for vals 1, 2, ..., 64 and n = 10',
    check: ({ k, result }) => {
      const s = needProgram(k);
      if (s.fail) return { pass: false, detail: s.fail };
      const want = runWith(s.p, s.map, 10, Array.from({ length: MAX_VALS }, (_, i) => i + 1));
      return { pass: result?.sum === want, detail: 'the reported sum is not what the program returns for the example' };
    },
  },
];
