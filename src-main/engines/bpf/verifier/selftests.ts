/**
 * The kernel's open-coded iterator selftests (tools/testing/selftests/bpf/progs/iters.c, iters_state_safety.c,
 * iters_looping.c, iters_num.c, as in the kernel tree) translated to the pseudo-C assembler, each with its
 * expected verdict and messages (the kernel's __msg, matched in order as substrings) and, where given, r0.
 * Programs written in C upstream are hand-compiled in clang's style (the iterator at fp-8, `bpf_for` with the
 * range re-check on the loaded value). Messages are Linux 6.18's: `as arg #0` where newer selftests say `as arg#0`.
 */

/** One translated selftest. */
export interface IterSelftest {
  file: 'iters.c' | 'iters_state_safety.c' | 'iters_looping.c' | 'iters_num.c';
  name: string;
  asm: string;
  expect: 'success' | 'failure';
  msgs?: string[];
  /** __flag(BPF_F_TEST_STATE_FREQ). */
  state_freq?: boolean;
  log_level?: number;
  prog_type?: string;
  /** Global data the program addresses as `map[id:1][0]+off` (a one-element array map of this size). */
  data_size?: number;
  /** A hash map (int -> int) the program names `map[id:1]` (created first). */
  amap?: boolean;
  /** r0 of a test run (iters_num.c). */
  retval?: number;
}

const IT = (off = -8): string => `r1 = r10\nr1 += ${off}\n`;
const NEW = (start: number | string, end: number | string, off = -8): string =>
  `${IT(off)}r2 = ${start}\nr3 = ${end}\ncall bpf_iter_num_new\n`;
const NEXT = (off = -8): string => `${IT(off)}call bpf_iter_num_next\n`;
const DESTROY = (off = -8): string => `${IT(off)}call bpf_iter_num_destroy\n`;
const RET0 = 'r0 = 0\nexit\n';

/** bpf_for(i, start, end) as clang emits it: i in `reg`, the body, then the destroy. */
function bpfFor(l: string, reg: string, start: number | string, end: number | string, body: string, off = -8): string {
  const endCmp =
    typeof end === 'number' ? `if w${reg} s>= ${end} goto ${l}_end` : `if w${reg} s>= w${end} goto ${l}_end`;
  return (
    `${NEW(start, typeof end === 'number' ? end : `r${end}`, off)}${l}:\n${NEXT(off)}if r0 == 0 goto ${l}_end\n` +
    `r${reg} = *(u32 *)(r0 + 0)\nif w${reg} s< ${start} goto ${l}_end\n${endCmp}\n${body}goto ${l}\n${l}_end:\n${DESTROY(off)}`
  );
}

/** bpf_repeat(n). */
function bpfRepeat(l: string, n: number, body: string, off = -8): string {
  return `${NEW(0, n, off)}${l}:\n${NEXT(off)}if r0 == 0 goto ${l}_end\n${body}goto ${l}\n${l}_end:\n${DESTROY(off)}`;
}

const STATE_SAFETY: IterSelftest[] = [
  {
    file: 'iters_state_safety.c',
    name: 'force_clang_to_emit_btf_for_externs',
    expect: 'success',
    asm: bpfRepeat('r', 0, '') + RET0,
  },
  {
    file: 'iters_state_safety.c',
    name: 'create_and_destroy',
    expect: 'success',
    log_level: 2,
    msgs: ['fp-8=iter_num(ref_id=1,state=active,depth=0)'],
    asm: NEW(0, 1000) + DESTROY() + RET0,
  },
  {
    file: 'iters_state_safety.c',
    name: 'create_and_forget_to_destroy_fail',
    expect: 'failure',
    msgs: ['Unreleased reference id=1'],
    asm: NEW(0, 1000) + RET0,
  },
  {
    file: 'iters_state_safety.c',
    name: 'destroy_without_creating_fail',
    expect: 'failure',
    msgs: ['expected an initialized iter_num as arg #0'],
    asm: DESTROY() + RET0,
  },
  {
    file: 'iters_state_safety.c',
    name: 'compromise_iter_w_direct_write_fail',
    expect: 'failure',
    msgs: ['expected an initialized iter_num as arg #0'],
    asm: `${NEW(0, 1000)}*(u64 *)(r10 - 8) = r0\n${DESTROY()}${RET0}`,
  },
  {
    file: 'iters_state_safety.c',
    name: 'compromise_iter_w_direct_write_and_skip_destroy_fail',
    expect: 'failure',
    msgs: ['Unreleased reference id=1'],
    asm: `${NEW(0, 1000)}*(u64 *)(r10 - 8) = r0\n${RET0}`,
  },
  {
    file: 'iters_state_safety.c',
    name: 'compromise_iter_w_helper_write_fail',
    expect: 'failure',
    msgs: ['expected an initialized iter_num as arg #0'],
    asm: `${NEW(0, 1000)}${IT()}r1 += 7\nr2 = 1\nr3 = 0\ncall bpf_probe_read_kernel\n${DESTROY()}${RET0}`,
  },
  {
    file: 'iters_state_safety.c',
    name: 'leak_iter_from_subprog_fail',
    expect: 'failure',
    msgs: ['returning from callee:', 'Unreleased reference id=1'],
    asm: `call subprog_with_iter\n${RET0}subprog_with_iter:\n${NEW(0, 1)}exit\n`,
  },
  {
    file: 'iters_state_safety.c',
    name: 'valid_stack_reuse',
    expect: 'success',
    log_level: 2,
    msgs: ['fp-8=iter_num(ref_id=1,state=active,depth=0)'],
    asm: NEW(0, 1000) + DESTROY() + NEW(0, 1000) + DESTROY() + RET0,
  },
  {
    file: 'iters_state_safety.c',
    name: 'double_create_fail',
    expect: 'failure',
    msgs: ['expected uninitialized iter_num as arg #0'],
    asm: NEW(0, 1000) + NEW(0, 1000) + DESTROY() + RET0,
  },
  {
    file: 'iters_state_safety.c',
    name: 'double_destroy_fail',
    expect: 'failure',
    msgs: ['expected an initialized iter_num as arg #0'],
    asm: NEW(0, 1000) + DESTROY() + DESTROY() + RET0,
  },
  {
    file: 'iters_state_safety.c',
    name: 'next_without_new_fail',
    expect: 'failure',
    msgs: ['expected an initialized iter_num as arg #0'],
    asm: NEXT() + DESTROY() + RET0,
  },
  {
    file: 'iters_state_safety.c',
    name: 'next_after_destroy_fail',
    expect: 'failure',
    msgs: ['expected an initialized iter_num as arg #0'],
    asm: NEW(0, 1000) + DESTROY() + NEXT() + RET0,
  },
  {
    file: 'iters_state_safety.c',
    name: 'read_from_iter_slot_fail',
    expect: 'failure',
    msgs: ['invalid read from stack'],
    asm: 'r6 = r10\nr6 += -24\nr1 = r6\nr2 = 0\nr3 = 1000\ncall bpf_iter_num_new\nr7 = *(u64 *)(r6 + 0)\nr8 = *(u64 *)(r6 + 8)\nr1 = r6\ncall bpf_iter_num_destroy\nr0 = r7\nif r7 > r8 goto +1\nr0 = r8\nexit\n',
  },
  {
    file: 'iters_state_safety.c',
    name: 'stacksafe_should_not_conflate_stack_spill_and_iter',
    expect: 'failure',
    state_freq: true,
    msgs: ['Unreleased reference'],
    asm: `call bpf_get_prandom_u32\nr6 = r0\ncall bpf_get_prandom_u32\nr7 = r0\nif r6 > r7 goto bad\n*(u64 *)(r10 - 8) = r6\ngoto skip_bad\nbad:\n${NEW(0, 1000)}*(u64 *)(r10 - 8) = r6\nskip_bad:\ngoto +0\n*(u64 *)(r10 - 8) = r6\n${RET0}`,
  },
];

const LOOP_BODY_SUM = (l: string): string =>
  `r6 = 0\n${NEW(0, 10)}${l}:\n${NEXT()}if r0 == 0 goto ${l}_end\nr0 = *(u32 *)(r0 + 0)\nr6 += r0\ngoto ${l}\n${l}_end:\n${DESTROY()}${RET0}`;
const LATE_PRECISION = (init: number): string =>
  `r6 = 0\nr7 = ${init}\n${NEW(0, 10)}l1:\n${NEXT()}if r0 == 0 goto l3\nif r6 != 0 goto l2\nr6 = 1\nr7 = 7\ngoto l1\nl2:\nr1 = r7\nr1 <<= 2\nr2 = r10\nr2 += -48\nr2 += r1\n*(u32 *)(r2 + 0) = 42\ngoto l1\nl3:\n${DESTROY()}${RET0}`;

const LOOPING: IterSelftest[] = [
  {
    file: 'iters_looping.c',
    name: 'force_clang_to_emit_btf_for_externs',
    expect: 'success',
    asm: bpfRepeat('r', 0, '') + RET0,
  },
  {
    file: 'iters_looping.c',
    name: 'consume_first_item_only',
    expect: 'success',
    asm: `${NEW(0, 1000)}${NEXT()}if r0 == 0 goto +1\nr0 = *(u32 *)(r0 + 0)\n${DESTROY()}${RET0}`,
  },
  {
    file: 'iters_looping.c',
    name: 'missing_null_check_fail',
    expect: 'failure',
    msgs: ["R0 invalid mem access 'scalar'"],
    asm: `${NEW(0, 1000)}${NEXT()}r1 = *(u32 *)(r0 + 0)\n${DESTROY()}${RET0}`,
  },
  {
    file: 'iters_looping.c',
    name: 'wrong_sized_read_fail',
    expect: 'failure',
    msgs: ['invalid access to memory, mem_size=4 off=0 size=8', 'R0 min value is outside of the allowed memory range'],
    asm: `${NEW(0, 1000)}${NEXT()}if r0 == 0 goto +1\nr0 = *(u64 *)(r0 + 0)\n${DESTROY()}${RET0}`,
  },
  {
    file: 'iters_looping.c',
    name: 'simplest_loop',
    expect: 'success',
    log_level: 2,
    state_freq: true,
    asm: LOOP_BODY_SUM('l'),
  },
  {
    file: 'iters_looping.c',
    name: 'widening_counter',
    expect: 'success',
    log_level: 2,
    asm: `r6 = 0\n${NEW(0, 10)}l1:\n${NEXT()}if r0 == 0 goto l2\nr6 += 1\ngoto l1\nl2:\n${DESTROY()}${RET0}`,
  },
  {
    file: 'iters_looping.c',
    name: 'widening_late_precision',
    expect: 'failure',
    log_level: 2,
    msgs: ['math between fp pointer and register with unbounded min value is not allowed'],
    asm: LATE_PRECISION(0),
  },
  {
    file: 'iters_looping.c',
    name: 'widening_late_precision_large_init',
    expect: 'failure',
    log_level: 2,
    msgs: ['math between fp pointer and register with unbounded min value is not allowed'],
    asm: LATE_PRECISION(1000),
  },
  {
    file: 'iters_looping.c',
    name: 'widening_delayed_precision_unsafe',
    expect: 'failure',
    log_level: 2,
    msgs: ['math between fp pointer and register with unbounded min value is not allowed'],
    asm: `*(u64 *)(r10 - 16) = 0\nr7 = -16\ncall bpf_get_prandom_u32\nr6 = r0\n${NEW(0, 10)}l1:\n${NEXT()}if r0 == 0 goto l3\nif r6 == 42 goto l2\nr7 = -520\ncall bpf_get_prandom_u32\nr6 = r0\ngoto l1\nl2:\nr0 = r10\nr0 += r7\nr8 = *(u64 *)(r0 + 0)\ncall bpf_get_prandom_u32\nr6 = r0\ngoto l1\nl3:\n${DESTROY()}${RET0}`,
  },
  {
    file: 'iters_looping.c',
    name: 'widening_stack_size_bug',
    expect: 'success',
    prog_type: 'socket',
    asm: `r6 = 0\nr1 = 0\nl1:\ncall iterator_with_diff_stack_depth\nr1 = 42\nr6 += 1\nif r6 < 2 goto l1\n${RET0}iterator_with_diff_stack_depth:\nif r1 == 42 goto s0\n*(u64 *)(r10 - 128) = 0\ns0:\n${NEW(0, 10, -136)}s1:\n${NEXT(-136)}if r0 == 0 goto s2\ngoto s1\ns2:\n${DESTROY(-136)}exit\n`,
  },
];

// iters.c: small_arr (16 ints) at map[id:1][0]+0 when data_size is 64.
const SMALL_ARR = 'map[id:1][0]+0';
const ITERS: IterSelftest[] = [
  {
    file: 'iters.c',
    name: 'iter_err_unsafe_c_loop',
    expect: 'failure',
    data_size: 64,
    msgs: ['math between map_value pointer and register with unbounded min value is not allowed'],
    asm: `call bpf_get_prandom_u32\nr6 = r0\n${NEW(0, 1000)}l:\n${NEXT()}if r0 == 0 goto e\nw6 += 1\ngoto l\ne:\n${DESTROY()}r6 <<= 32\nr6 s>>= 32\nr6 <<= 2\nr1 = ${SMALL_ARR}\nr1 += r6\nr2 = 123\n*(u32 *)(r1 + 0) = r2\n${RET0}`,
  },
  {
    file: 'iters.c',
    name: 'iter_err_unsafe_asm_loop',
    expect: 'failure',
    data_size: 64,
    msgs: ['unbounded memory access'],
    asm: `r1 = ${SMALL_ARR}\nr6 = *(u32 *)(r1 + 0)\n${IT()}r2 = 0\nr3 = 1000\nr4 = 1\ncall bpf_iter_num_new\nloop:\n${NEXT()}if r0 == 0 goto out\nr6 += 1\ngoto loop\nout:\n${DESTROY()}r1 = ${SMALL_ARR}\nr2 = r6\nr2 <<= 2\nr1 += r2\n*(u32 *)(r1 + 0) = r6\n${RET0}`,
  },
  {
    file: 'iters.c',
    name: 'iter_while_loop',
    expect: 'success',
    asm: `${NEW(0, 3)}l:\n${NEXT()}if r0 == 0 goto e\nr6 = *(u32 *)(r0 + 0)\ngoto l\ne:\n${DESTROY()}${RET0}`,
  },
  {
    file: 'iters.c',
    name: 'iter_for_loop',
    expect: 'success',
    asm: `${NEW(5, 10)}${NEXT()}l:\nif r0 == 0 goto e\nr6 = *(u32 *)(r0 + 0)\n${NEXT()}goto l\ne:\n${DESTROY()}${RET0}`,
  },
  {
    file: 'iters.c',
    name: 'iter_bpf_for_each_macro',
    expect: 'success',
    asm: `${NEW(5, 10)}l:\n${NEXT()}if r0 == 0 goto e\nr6 = *(u32 *)(r0 + 0)\ngoto l\ne:\n${DESTROY()}${RET0}`,
  },
  { file: 'iters.c', name: 'iter_bpf_for_macro', expect: 'success', asm: bpfFor('l', '6', 5, 10, 'r7 = r6\n') + RET0 },
  {
    file: 'iters.c',
    name: 'iter_pragma_unroll_loop',
    expect: 'success',
    asm: `${NEW(0, 2)}r6 = 0\nl:\n${NEXT()}r7 = -1\nif r0 == 0 goto +1\nr7 = *(u32 *)(r0 + 0)\nr6 += 1\nif r6 < 3 goto l\n${DESTROY()}${RET0}`,
  },
  {
    file: 'iters.c',
    name: 'iter_manual_unroll_loop',
    expect: 'success',
    asm: `${NEW(100, 200)}${[1, 2, 3, 4].map((k) => `${NEXT()}r7 = -1\nif r0 == 0 goto u${k}\nr7 = *(u32 *)(r0 + 0)\nu${k}:\n`).join('')}${DESTROY()}${RET0}`,
  },
  {
    file: 'iters.c',
    name: 'iter_multiple_sequential_loops',
    expect: 'success',
    asm: `${NEW(0, 3)}a:\n${NEXT()}if r0 == 0 goto ae\nr6 = *(u32 *)(r0 + 0)\ngoto a\nae:\n${DESTROY()}${NEW(5, 10)}${NEXT()}b:\nif r0 == 0 goto be\nr6 = *(u32 *)(r0 + 0)\n${NEXT()}goto b\nbe:\n${DESTROY()}${NEW(0, 2)}r6 = 0\nc:\n${NEXT()}r7 = -1\nif r0 == 0 goto +1\nr7 = *(u32 *)(r0 + 0)\nr6 += 1\nif r6 < 3 goto c\n${DESTROY()}${RET0}`,
  },
  {
    file: 'iters.c',
    name: 'iter_limit_cond_break_loop',
    expect: 'success',
    asm: `r6 = 0\nr7 = 0\n${NEW(0, 10)}l:\n${NEXT()}if r0 == 0 goto e\nr1 = *(u32 *)(r0 + 0)\nw7 += w1\nw6 += 1\nif w6 s> 3 goto e\ngoto l\ne:\n${DESTROY()}${RET0}`,
  },
  {
    file: 'iters.c',
    name: 'iter_obfuscate_counter',
    expect: 'success',
    asm: `call bpf_get_prandom_u32\nr6 = r0\nr8 = 0\n${NEW(0, 10)}l:\n${NEXT()}if r0 == 0 goto e\nw6 += 1\nr7 = 123\nif w6 == 1 goto s\nw7 = w6\nw7 *= 3\nw7 += 1\ns:\nw8 += w7\ngoto l\ne:\n${DESTROY()}${RET0}`,
  },
  {
    file: 'iters.c',
    name: 'iter_search_loop',
    expect: 'success',
    asm: `r6 = 0\nr7 = 0\n${NEW(0, 10)}l:\n${NEXT()}if r0 == 0 goto e\nr1 = *(u32 *)(r0 + 0)\nif w1 != 2 goto l\nr7 = 1\nr6 = r0\ngoto l\ne:\nif r7 == 0 goto nf\nr1 = *(u32 *)(r6 + 0)\nnf:\n${DESTROY()}${RET0}`,
  },
  {
    file: 'iters.c',
    name: 'iter_array_fill',
    expect: 'success',
    data_size: 1024,
    asm: `${bpfFor('f', '6', 0, 256, `r1 = r6\nr1 <<= 2\nr2 = map[id:1][0]+0\nr2 += r1\nw1 = w6\nw1 <<= 1\n*(u32 *)(r2 + 0) = r1\n`)}r7 = 0\n${bpfFor('s', '6', 0, 256, `r1 = r6\nr1 <<= 2\nr2 = map[id:1][0]+0\nr2 += r1\nr1 = *(u32 *)(r2 + 0)\nw7 += w1\n`)}${RET0}`,
  },
  {
    file: 'iters.c',
    name: 'iter_nested_iters',
    expect: 'success',
    data_size: 80,
    asm: `${bpfFor('r', '6', 0, 4, bpfFor('c', '7', 0, 5, 'r1 = r6\nr1 *= 20\nr2 = r7\nr2 <<= 2\nr1 += r2\nr2 = map[id:1][0]+0\nr2 += r1\nw3 = w6\nw3 *= w7\n*(u32 *)(r2 + 0) = r3\n', -16))}${RET0}`,
  },
  {
    file: 'iters.c',
    name: 'iter_nested_deeply_iters',
    expect: 'success',
    // The outer bpf_repeat's body ends in `break`: clang drops its back edge.
    asm: `r6 = 0\n${NEW(0, 10)}${NEXT()}if r0 == 0 goto a_end\n${bpfRepeat('b', 10, bpfRepeat('c', 10, bpfRepeat('d', 10, bpfRepeat('f', 10, 'w6 += 1\n', -48), -40), -32), -16)}a_end:\n${DESTROY()}r0 = r6\nexit\n`,
  },
  {
    file: 'iters.c',
    name: 'iter_err_too_permissive1',
    expect: 'failure',
    amap: true,
    msgs: ["invalid mem access 'scalar'"],
    asm: `*(u32 *)(r10 - 4) = 0\nr1 = map[id:1]\nr2 = r10\nr2 += -4\ncall bpf_map_lookup_elem\nif r0 == 0 goto out\nr6 = r0\n${bpfRepeat('l', 1000000, 'r6 = 0\n', -16)}r1 = 123\n*(u32 *)(r6 + 0) = r1\nout:\n${RET0}`,
  },
  {
    file: 'iters.c',
    name: 'iter_err_too_permissive2',
    expect: 'failure',
    amap: true,
    msgs: ["invalid mem access 'map_value_or_null'"],
    asm: `*(u32 *)(r10 - 4) = 0\nr1 = map[id:1]\nr2 = r10\nr2 += -4\ncall bpf_map_lookup_elem\nif r0 == 0 goto out\nr6 = r0\n${bpfRepeat('l', 1000000, 'r1 = map[id:1]\nr2 = r10\nr2 += -4\ncall bpf_map_lookup_elem\nr6 = r0\n', -16)}r1 = 123\n*(u32 *)(r6 + 0) = r1\nout:\n${RET0}`,
  },
  {
    file: 'iters.c',
    name: 'iter_err_too_permissive3',
    expect: 'failure',
    amap: true,
    msgs: ["invalid mem access 'map_value_or_null'"],
    asm: `*(u32 *)(r10 - 4) = 0\nr6 = 0\nr7 = 0\n${bpfRepeat('l', 1000000, 'r1 = map[id:1]\nr2 = r10\nr2 += -4\ncall bpf_map_lookup_elem\nr6 = r0\nr7 = 1\n', -16)}if r7 == 0 goto out\nr1 = 123\n*(u32 *)(r6 + 0) = r1\nout:\n${RET0}`,
  },
  {
    file: 'iters.c',
    name: 'iter_tricky_but_fine',
    expect: 'success',
    amap: true,
    asm: `*(u32 *)(r10 - 4) = 0\nr6 = 0\nr7 = 0\n${NEW(0, 1000000, -16)}l:\n${NEXT(-16)}if r0 == 0 goto e\nr1 = map[id:1]\nr2 = r10\nr2 += -4\ncall bpf_map_lookup_elem\nr6 = r0\nif r0 == 0 goto l\nr7 = 1\ne:\n${DESTROY(-16)}if r7 == 0 goto out\nr1 = 123\n*(u32 *)(r6 + 0) = r1\nout:\n${RET0}`,
  },
  {
    file: 'iters.c',
    name: 'iter_stack_array_loop',
    expect: 'success',
    asm: `r1 = r10\nr1 += -136\nr2 = 128\nr3 = 0\ncall bpf_probe_read_kernel\nr1 = r10\nr1 += -264\nr2 = 128\nr3 = 0\ncall bpf_probe_read_kernel\n${bpfFor('a', '6', 0, 16, 'r1 = r6\nr1 <<= 3\nr2 = r10\nr2 += r1\nif w6 & 1 goto odd\nr2 += -264\n*(u64 *)(r2 + 0) = r6\ngoto a_end\nodd:\nr2 += -136\n*(u64 *)(r2 + 0) = r6\n')}r7 = 0\n${bpfFor('b', '6', 0, 16, 'r1 = r6\nr1 <<= 3\nr2 = r10\nr2 += r1\nr3 = r2\nr2 += -136\nr4 = *(u64 *)(r2 + 0)\nr7 += r4\nr3 += -264\nr4 = *(u64 *)(r3 + 0)\nr7 += r4\n')}r0 = r7\nexit\n`,
  },
  {
    file: 'iters.c',
    name: 'delayed_read_mark',
    expect: 'failure',
    msgs: ['R1 type=scalar expected=fp'],
    asm: `r7 = r10\nr7 += -16\nr0 = 0\n*(u64 *)(r7 + 0) = r0\ncall bpf_get_prandom_u32\nr6 = r0\n${NEW(0, 10)}l1:\n${NEXT()}if r0 == 0 goto l2\nr6 += 1\nif r6 != 42 goto l3\nr7 = 0xdead\ngoto l1\nl3:\nr1 = r7\nr2 = 8\nr3 = 0xdeadbeef\ncall bpf_probe_read_user\ngoto l1\nl2:\n${DESTROY()}${RET0}`,
  },
  {
    file: 'iters.c',
    name: 'delayed_precision_mark',
    expect: 'failure',
    msgs: ['math between fp pointer and register with unbounded'],
    asm: `r8 = 0\n*(u64 *)(r10 - 16) = r8\nr7 = -16\ncall bpf_get_prandom_u32\nr6 = r0\n${NEW(0, 10)}l1:\n${NEXT()}if r0 == 0 goto l2\nif r6 != 42 goto l3\nr7 = -33\ncall bpf_get_prandom_u32\nr6 = r0\ngoto l1\nl3:\nr0 = r10\nr0 += r7\nr8 = *(u64 *)(r0 + 0)\ncall bpf_get_prandom_u32\nr6 = r0\ngoto l1\nl2:\n${DESTROY()}r0 = r8\nexit\n`,
  },
];

const INNER = (p: string, bad: string): string =>
  `${NEW(0, 10)}r6 = 0\nr7 = 0\n${p}i:\n${NEXT()}if r0 == 0 goto ${p}i_end\nif r6 != 1 goto ${p}z\nr6 = 0\nr7 = 1\ngoto ${p}i\n${p}z:\nif r6 != 0 goto ${p}i\nr6 = 1\ncall bpf_get_prandom_u32\nif r0 != 42 goto ${p}o\ngoto ${p}i\n${p}o:\nif r7 != 1 goto ${p}i\n${bad}${p}i_end:\n${DESTROY()}`;
const UNSAFE = `r0 = r10\nr0 += r8\nr1 = 7\n*(u64 *)(r0 + 0) = r1\n${DESTROY()}${DESTROY(-16)}${RET0}`;

ITERS.push(
  {
    file: 'iters.c',
    name: 'loop_state_deps1',
    expect: 'failure',
    state_freq: true,
    msgs: ['math between fp pointer and register with unbounded'],
    asm: `${NEW(0, 10, -16)}r6 = 0\nr7 = 0\nr8 = -24\nj:\n${NEXT(-16)}if r0 == 0 goto j_end\n${INNER('', UNSAFE)}r6 = 0\nr7 = 0\nr8 = -25\ngoto j\nj_end:\n${DESTROY(-16)}${RET0}`,
  },
  {
    file: 'iters.c',
    name: 'loop_state_deps2',
    expect: 'failure',
    state_freq: true,
    msgs: ['math between fp pointer and register with unbounded'],
    asm: `${NEW(0, 10, -16)}r6 = 0\nr7 = 0\nr8 = -24\nj:\n${NEXT(-16)}if r0 == 0 goto j_end\n${INNER('', UNSAFE)}${INNER('s', 'r6 = 0\nr8 = -25\ngoto si\n')}r6 = 0\nr7 = 0\ngoto j\nj_end:\n${DESTROY(-16)}${RET0}`,
  },
  {
    file: 'iters.c',
    name: 'loop_state_deps3',
    expect: 'failure',
    state_freq: true,
    msgs: ['math between fp pointer and register with unbounded'],
    asm: `call bpf_get_prandom_u32\nif r0 == 24 goto two\n${NEW(0, 5)}one:\n${NEXT()}if r0 != 0 goto one\n${DESTROY()}${RET0}two:\nr0 = 10\nthree:\nr0 -= 1\nif r0 != 0 goto three\n${NEW(0, 10)}r8 = -24\nm:\n${NEXT()}if r0 == 0 goto m_end\ncall bpf_get_prandom_u32\nif r0 == 77 goto unsafe\ncall bpf_get_prandom_u32\nif r0 == 42 goto poison\ngoto m\nm_end:\n${DESTROY()}${RET0}unsafe:\nr0 = r10\nr0 += r8\nr1 = 7\n*(u64 *)(r0 + 0) = r1\ngoto m_end\npoison:\nr8 = -25\ngoto m\n`,
  },
  {
    file: 'iters.c',
    name: 'triple_continue',
    expect: 'success',
    asm: `${NEW(0, 10)}l:\n${NEXT()}if r0 == 0 goto e\ncall bpf_get_prandom_u32\nif r0 != 42 goto l\ncall bpf_get_prandom_u32\nif r0 != 42 goto l\ncall bpf_get_prandom_u32\nif r0 != 42 goto l\nr0 += 0\ngoto l\ne:\n${DESTROY()}${RET0}`,
  },
  {
    file: 'iters.c',
    name: 'widen_spill',
    expect: 'success',
    asm: `r0 = 0\n*(u64 *)(r10 - 16) = r0\n${NEW(0, 10)}l:\n${NEXT()}if r0 == 0 goto e\nr0 = *(u64 *)(r10 - 16)\nr0 += 1\n*(u64 *)(r10 - 16) = r0\ngoto l\ne:\n${DESTROY()}${RET0}`,
  },
  {
    file: 'iters.c',
    name: 'checkpoint_states_deletion',
    expect: 'success',
    amap: true,
    asm:
      `r6 = 0\nr7 = 0\nr8 = 0\n*(u64 *)(r10 - 24) = r6\n*(u64 *)(r10 - 32) = r6\n*(u64 *)(r10 - 40) = r6\nr9 = 0\n${NEW(0, 10)}l:\n${NEXT()}if r0 == 0 goto e\n*(u64 *)(r10 - 16) = r0\n` +
      ['r6 = r0', 'r7 = r0', 'r8 = r0', '*(u64 *)(r10 - 24) = r0', '*(u64 *)(r10 - 32) = r0', '*(u64 *)(r10 - 40) = r0']
        .map((t) => `r1 = map[id:1]\nr2 = r10\nr2 += -16\ncall bpf_map_lookup_elem\n${t}\n`)
        .join('') +
      `if r6 == 0 goto +1\nr9 += 1\nif r7 == 0 goto +1\nr9 += 1\nif r8 == 0 goto +1\nr9 += 1\nr0 = *(u64 *)(r10 - 24)\nif r0 == 0 goto +1\nr9 += 1\nr0 = *(u64 *)(r10 - 32)\nif r0 == 0 goto +1\nr9 += 1\nr0 = *(u64 *)(r10 - 40)\nif r0 == 0 goto +1\nr9 += 1\ngoto l\ne:\n${DESTROY()}${RET0}`,
  },
  {
    file: 'iters.c',
    name: 'iter_arr_with_actual_elem_count',
    expect: 'success',
    data_size: 132,
    asm: `r1 = map[id:1][0]+0\nr9 = *(u32 *)(r1 + 128)\nr8 = 0\nif w9 s> 32 goto out\n${bpfFor('l', '6', 0, '9', 'r1 = r6\nr1 <<= 2\nr2 = map[id:1][0]+0\nr2 += r1\nr1 = *(u32 *)(r2 + 0)\nw8 += w1\n')}out:\nr0 = r8\nexit\n`,
  },
  {
    file: 'iters.c',
    name: 'iter_new_bad_arg',
    expect: 'failure',
    data_size: 8,
    msgs: ['arg#0 expected pointer to an iterator on stack'],
    asm: `r1 = map[id:1][0]+0\nr2 = 0\nr3 = 1\ncall bpf_iter_num_new\n${RET0}`,
  },
  {
    file: 'iters.c',
    name: 'iter_next_bad_arg',
    expect: 'failure',
    data_size: 8,
    msgs: ['arg#0 expected pointer to an iterator on stack'],
    asm: `r1 = map[id:1][0]+0\ncall bpf_iter_num_next\n${RET0}`,
  },
  {
    file: 'iters.c',
    name: 'iter_destroy_bad_arg',
    expect: 'failure',
    data_size: 8,
    msgs: ['arg#0 expected pointer to an iterator on stack'],
    asm: `r1 = map[id:1][0]+0\ncall bpf_iter_num_destroy\n${RET0}`,
  },
  {
    file: 'iters.c',
    name: 'absent_mark_in_the_middle_state',
    expect: 'failure',
    state_freq: true,
    msgs: ['misaligned stack access off 0+-31+0 size 8'],
    asm: `call bpf_get_prandom_u32\nr8 = r0\nr7 = 0\nr6 = -32\nr0 = 0\n*(u64 *)(r10 - 16) = r0\n${NEW(0, 10)}call bpf_get_prandom_u32\nif r0 == r8 goto change\nl:\ncall noop\n${NEXT()}if r0 == 0 goto e\ncall bpf_get_prandom_u32\nif r0 == r8 goto use\ngoto l\ne:\n${DESTROY()}${RET0}use:\nr0 = r10\nr0 += r6\nr1 = 7\n*(u64 *)(r0 + 0) = r1\ngoto l\nchange:\nr6 = -31\ngoto l\nnoop:\nr0 = 0\nexit\n`,
  },
  {
    file: 'iters.c',
    name: 'absent_mark_in_the_middle_state2',
    expect: 'failure',
    state_freq: true,
    msgs: ['misaligned stack access off 0+-31+0 size 8'],
    asm: `call bpf_get_prandom_u32\nr8 = r0\nr7 = 0\nr6 = -32\nr0 = 0\n*(u64 *)(r10 - 16) = r0\n${NEW(0, 10)}call bpf_get_prandom_u32\nif r0 == r8 goto change\ncall bpf_get_prandom_u32\nif r0 == r8 goto jin\nl:\n${NEXT()}if r0 == 0 goto e\ncall bpf_get_prandom_u32\nif r0 == r8 goto use\ngoto l\ne:\n${DESTROY()}${RET0}use:\nr0 = r10\nr0 += r6\nr1 = 7\n*(u64 *)(r0 + 0) = r1\ngoto l\nchange:\nr6 = -31\njin:\ngoto +0\ngoto l\n`,
  },
  {
    file: 'iters.c',
    name: 'absent_mark_in_the_middle_state3',
    expect: 'failure',
    state_freq: true,
    msgs: ['misaligned stack access off 0+-31+0 size 8'],
    asm:
      `${NEW(0, 10)}r1 = -32\nr2 = r10\nr2 += -8\ncall loop1\n${DESTROY()}${NEW(0, 10)}${IT()}call loop1_wrapper\n${DESTROY()}${RET0}` +
      `loop1:\nr6 = r1\nr7 = r2\ncall bpf_get_prandom_u32\nr8 = r0\na:\nr1 = r7\ncall bpf_iter_num_next\nif r0 == 0 goto a_end\ncall bpf_get_prandom_u32\nif r0 == r8 goto a_use\ngoto a\na_end:\n${RET0}a_use:\nr0 = r10\nr0 += r6\nr1 = 7\n*(u64 *)(r0 + 0) = r1\ngoto a\n` +
      `loop1_wrapper:\nr6 = -32\nr7 = r1\ncall bpf_get_prandom_u32\nr8 = r0\ncall bpf_get_prandom_u32\nif r0 == r8 goto w_change\nw:\nr1 = r6\nr2 = r7\ncall loop1\n${RET0}w_change:\nr6 = -31\ngoto w\n`,
  },
  {
    file: 'iters.c',
    name: 'absent_mark_in_the_middle_state4',
    expect: 'failure',
    state_freq: true,
    msgs: ['math between fp pointer and register with unbounded min value is not allowed'],
    asm:
      `call bpf_get_prandom_u32\nr8 = r0\n*(u64 *)(r10 - 8) = r0\n*(u64 *)(r10 - 16) = -32\nr1 = 7\nr2 = loop_cb4 ll\nr3 = r10\nr4 = 0\ncall bpf_loop\n${RET0}` +
      `loop_cb4:\nr9 = r2\nr8 = *(u64 *)(r9 - 8)\nr6 = *(u64 *)(r9 - 16)\ncall bpf_get_prandom_u32\nif r0 > r8 goto use\none:\ncall bpf_get_prandom_u32\nif r0 > r8 goto upd\ntwo:\n${RET0}use:\nr1 = r10\nr1 += r6\n*(u64 *)(r1 + 0) = 42\ngoto one\nupd:\n*(u64 *)(r9 - 16) = -31\ngoto two\n`,
  },
  {
    file: 'iters.c',
    name: 'stack_misc_vs_scalar_in_a_loop',
    expect: 'success',
    asm:
      [15, 23, 31, 39, 47, 55, 63, 71, 79].map((o) => `*(u8 *)(r10 - ${o}) = 1\n`).join('') +
      `${NEW(0, 10)}l:\n${NEXT()}if r0 == 0 goto e\n` +
      [16, 24, 32, 40, 48, 56, 64, 72, 80]
        .map((o) => `call bpf_get_prandom_u32\nif r0 == 42 goto +1\ngoto +1\n*(u64 *)(r10 - ${o}) = r0\n`)
        .join('') +
      `goto l\ne:\n${DESTROY()}${RET0}`,
  },
  {
    file: 'iters.c',
    name: 'iter_while_loop_auto_cleanup',
    expect: 'success',
    asm: `${NEW(0, 3)}l:\n${NEXT()}if r0 == 0 goto e\nr6 = *(u32 *)(r0 + 0)\ngoto l\ne:\n${DESTROY()}${RET0}`,
  },
  {
    // arr2d[4][5] at +0, arr2d_row_sums[4] at +80, arr2d_col_sums[5] at +96; the two noinline subprograms run their
    // own bpf_for on their own fp-8 while the caller's iterator is active.
    file: 'iters.c',
    name: 'iter_subprog_iters',
    expect: 'success',
    data_size: 116,
    asm:
      bpfFor('a', '6', 0, 4, 'r1 = r6\ncall fill_inner_dimension\n') +
      'r7 = 0\n' +
      bpfFor('b', '6', 0, 4, 'r1 = r6\nr1 <<= 2\nr2 = map[id:1][0]+80\nr2 += r1\nr1 = 0\n*(u32 *)(r2 + 0) = r1\n') +
      bpfFor('c', '6', 0, 5, 'r1 = r6\nr1 <<= 2\nr2 = map[id:1][0]+96\nr2 += r1\nr1 = 0\n*(u32 *)(r2 + 0) = r1\n') +
      bpfFor('d', '6', 0, 4, 'r1 = r6\ncall sum_inner_dimension\nw7 += w0\n') +
      bpfFor('e', '6', 0, 4, 'r1 = r6\nr1 <<= 2\nr2 = map[id:1][0]+80\nr2 += r1\nr3 = *(u32 *)(r2 + 0)\n') +
      bpfFor('f', '6', 0, 5, 'r1 = r6\nr1 <<= 2\nr2 = map[id:1][0]+96\nr2 += r1\nr3 = *(u32 *)(r2 + 0)\n') +
      RET0 +
      'fill_inner_dimension:\nr6 = r1\n' +
      bpfFor(
        'fi',
        '7',
        0,
        5,
        'r1 = r6\nr1 *= 20\nr2 = r7\nr2 <<= 2\nr1 += r2\nr2 = map[id:1][0]+0\nr2 += r1\nw3 = w6\nw3 *= w7\n*(u32 *)(r2 + 0) = r3\n',
      ) +
      'exit\n' +
      'sum_inner_dimension:\nr6 = r1\nr8 = 0\n' +
      bpfFor(
        'si',
        '7',
        0,
        5,
        'r1 = r6\nr1 *= 20\nr2 = r7\nr2 <<= 2\nr1 += r2\nr2 = map[id:1][0]+0\nr2 += r1\nr3 = *(u32 *)(r2 + 0)\nw8 += w3\n' +
          'r4 = r6\nr4 <<= 2\nr5 = map[id:1][0]+80\nr5 += r4\nr4 = *(u32 *)(r5 + 0)\nw4 += w3\n*(u32 *)(r5 + 0) = r4\n' +
          'r4 = r7\nr4 <<= 2\nr5 = map[id:1][0]+96\nr5 += r4\nr4 = *(u32 *)(r5 + 0)\nw4 += w3\n*(u32 *)(r5 + 0) = r4\n',
      ) +
      'r0 = r8\nexit\n',
  },
  {
    // it at fp-8, arr1[16] at fp-72, arr2[32] at fp-200; fill() and sum() call next on the caller's iterator.
    file: 'iters.c',
    name: 'iter_pass_iter_ptr_to_subprog',
    expect: 'success',
    asm:
      [
        [-72, 16, 2, 'fill'],
        [-200, 32, 10, 'fill'],
        [-72, 16, 0, 'sum'],
        [-200, 32, 0, 'sum'],
      ]
        .map(
          ([off, n, mul, fn]) =>
            `${NEW(0, n!)}${IT()}r2 = r10\nr2 += ${off}\nr3 = ${n}\n${fn === 'fill' ? `r4 = ${mul}\n` : ''}call ${fn}\n${fn === 'sum' ? `r${n === 16 ? 7 : 8} = r0\n` : ''}${DESTROY()}`,
        )
        .join('') +
      RET0 +
      'fill:\nr6 = r1\nr7 = r2\nr8 = r3\nr9 = r4\nfl:\nr1 = r6\ncall bpf_iter_num_next\nif r0 == 0 goto fe\nr1 = *(u32 *)(r0 + 0)\nif w1 >= w8 goto fe\nw2 = w1\nw2 *= w9\nr1 <<= 2\nr3 = r7\nr3 += r1\n*(u32 *)(r3 + 0) = r2\ngoto fl\nfe:\nexit\n' +
      'sum:\nr6 = r1\nr7 = r2\nr8 = r3\nr9 = 0\nsl:\nr1 = r6\ncall bpf_iter_num_next\nif r0 == 0 goto se\nr1 = *(u32 *)(r0 + 0)\nif w1 >= w8 goto se\nr1 <<= 2\nr2 = r7\nr2 += r1\nr1 = *(u32 *)(r2 + 0)\nw9 += w1\ngoto sl\nse:\nr0 = r9\nexit\n',
  },
  {
    // upper at +0, select_n at +4, result at +8, global (u64) at +16; nest_1() reaches nest_2() with and without
    // its 16-byte comm[] on the stack.
    file: 'iters.c',
    name: 'iter_subprog_check_stacksafe',
    expect: 'success',
    data_size: 24,
    asm:
      'r1 = map[id:1][0]+0\nr9 = *(u32 *)(r1 + 0)\n' +
      bpfFor('l', '6', 0, '9', 'r1 = map[id:1][0]+4\nr1 = *(u32 *)(r1 + 0)\ncall nest_1\nif r0 == 0 goto fail\n') +
      `r1 = map[id:1][0]+8\nr2 = 2\n*(u32 *)(r1 + 0) = r2\n${RET0}fail:\nr1 = map[id:1][0]+8\nr2 = 1\n*(u32 *)(r1 + 0) = r2\n${DESTROY()}${RET0}` +
      'nest_1:\nif w1 == 0 goto case0\nr0 = 0\nif w1 != 1 goto out1\nr1 = map[id:1][0]+16\ncall nest_2\ngoto out1\ncase0:\nr1 = r10\nr1 += -16\nr2 = 16\ncall bpf_get_current_comm\nr1 = r0\nr0 = 0\nif r1 != 0 goto out1\nr1 = r10\nr1 += -16\ncall nest_2\nout1:\nexit\n' +
      'nest_2:\nr0 = 1\nr2 = *(u8 *)(r1 + 0)\nif w2 == 116 goto out2\nr2 = *(u8 *)(r1 + 1)\nif w2 == 101 goto out2\nr2 = *(u8 *)(r1 + 2)\nif w2 == 115 goto out2\nr1 = *(u8 *)(r1 + 3)\nif w1 == 116 goto out2\nr0 = 0\nout2:\nexit\n',
  },
  {
    file: 'iters.c',
    name: 'clean_live_states',
    expect: 'success',
    asm: (() => {
      let body =
        'call bpf_get_prandom_u32\nif r0 == 0 goto +2\nr1 = 42\n*(u8 *)(r10 - 1) = r1\nr1 = r10\nr1 += -1\n*(u64 *)(r10 - 72) = r1\nr1 = r10\nr1 += -72\nr2 = 8\nr3 = r10\nr3 += -1\ncall bpf_trace_printk\n';
      for (let k = 6; k >= 0; k--) body = bpfFor(`n${k}`, '6', 0, 10, body, -16 - 8 * k);
      return body + RET0;
    })(),
  },
);

/** iters_num.c: bpf_for over a range summing into r7; `sum` as the kernel's s64 arithmetic on ints. */
function numSum(start: number, end: number): string {
  return `r7 = 0\n${NEW(start, end)}l:\n${NEXT()}if r0 == 0 goto e\nr1 = *(s32 *)(r0 + 0)\nr7 += r1\ngoto l\ne:\n${DESTROY()}r0 = r7\nexit\n`;
}

const NUM: IterSelftest[] = [
  { file: 'iters_num.c', name: 'empty_zero', expect: 'success', retval: 0, asm: numSum(0, 0) },
  { file: 'iters_num.c', name: 'empty_int_min', expect: 'success', retval: 0, asm: numSum(-2147483648, -2147483648) },
  { file: 'iters_num.c', name: 'empty_int_max', expect: 'success', retval: 0, asm: numSum(2147483647, 2147483647) },
  { file: 'iters_num.c', name: 'empty_minus_one', expect: 'success', retval: 0, asm: numSum(-1, -1) },
  { file: 'iters_num.c', name: 'simple_sum', expect: 'success', retval: 45, asm: numSum(0, 10) },
  { file: 'iters_num.c', name: 'neg_sum', expect: 'success', retval: -55 >>> 0, asm: numSum(-10, 0) },
  { file: 'iters_num.c', name: 'very_neg_sum', expect: 'success', retval: 1, asm: numSum(-2147483648, -2147483646) },
  {
    file: 'iters_num.c',
    name: 'very_big_sum',
    expect: 'success',
    retval: (2147483645 + 2147483646) >>> 0,
    asm: numSum(2147483645, 2147483647),
  },
  { file: 'iters_num.c', name: 'neg_pos_sum', expect: 'success', retval: -3 >>> 0, asm: numSum(-3, 3) },
  {
    file: 'iters_num.c',
    name: 'invalid_range',
    expect: 'success',
    retval: -22 >>> 0,
    asm: `${NEW(1, 0)}r6 = r0\n${DESTROY()}r0 = r6\nexit\n`,
  },
  {
    file: 'iters_num.c',
    name: 'max_range',
    expect: 'success',
    retval: 0,
    asm: `${NEW(0, 8388608)}r6 = r0\n${DESTROY()}r0 = r6\nexit\n`,
  },
  {
    file: 'iters_num.c',
    name: 'e2big_range',
    expect: 'success',
    retval: -7 >>> 0,
    asm: `${NEW(-1, 8388608)}r6 = r0\n${DESTROY()}r0 = r6\nexit\n`,
  },
  {
    file: 'iters_num.c',
    name: 'succ_elem_cnt',
    expect: 'success',
    retval: 10,
    asm: `r7 = 0\n${NEW(0, 10)}l:\n${NEXT()}if r0 == 0 goto e\nr7 += 1\ngoto l\ne:\n${DESTROY()}r0 = r7\nexit\n`,
  },
  {
    file: 'iters_num.c',
    name: 'overfetched_elem_cnt',
    expect: 'success',
    retval: 5,
    asm: `r7 = 0\nr8 = 0\n${NEW(0, 5)}l:\n${NEXT()}if r0 == 0 goto +1\nr7 += 1\nr8 += 1\nif r8 < 10 goto l\n${DESTROY()}r0 = r7\nexit\n`,
  },
  {
    file: 'iters_num.c',
    name: 'fail_elem_cnt',
    expect: 'success',
    retval: 0,
    asm: `r7 = 0\nr8 = 0\n${NEW(100, 10)}l:\n${NEXT()}if r0 == 0 goto +1\nr7 += 1\nr8 += 1\nif r8 < 10 goto l\n${DESTROY()}r0 = r7\nexit\n`,
  },
];

/** All translated selftests. */
export const ITER_SELFTESTS: readonly IterSelftest[] = [...ITERS, ...STATE_SAFETY, ...LOOPING, ...NUM];
