/**
 * A small verifier corpus around bpf_iter_num, in kernel syntax, with what Linux 6.18 answers for each program
 * (each checked on Linux 6.18.44; kernel/bpf/verifier.c process_iter_arg() and is_state_visited() give the rules,
 * tools/testing/selftests/bpf/progs/iters*.c the accepted shapes). The oracle tests check each expectation against the running kernel; the verifier
 * issue can run the same corpus through our verifier and compare.
 */

/** One corpus entry: the program, and the kernel's verdict (errno name, first error line) or its retval. */
export interface IterCase {
  name: string;
  asm: string;
  /** 'ok' for an accepted program, else the errno name of the rejection. */
  expect: 'ok' | 'EINVAL' | 'EACCES' | 'E2BIG';
  /** The first error line of the log, exactly (rejections). */
  first_error?: string;
  /** Further lines the log must contain. */
  log?: string[];
  /** r0 of a test run (accepted programs), as the kernel reports it (u32). */
  retval?: bigint;
  /** The verifier walks ~1M instructions: load it without a log (a log_level 1 log of it is ~50 MB and takes
   *  seconds to write), so only the errno is checked. */
  slow?: boolean;
}

const NEW = (start: number, end: number, off = -8): string =>
  `r1 = r10\nr1 += ${off}\nr2 = ${start}\nr3 = ${end}\ncall bpf_iter_num_new\n`;
const NEXT = 'r1 = r10\nr1 += -8\ncall bpf_iter_num_next\n';
const DESTROY = 'r1 = r10\nr1 += -8\ncall bpf_iter_num_destroy\n';

export const ITER_CORPUS: readonly IterCase[] = [
  {
    name: 'iter_while_loop: sum over [0, 3)',
    asm: `${NEW(0, 3)}r6 = 0\nl:\n${NEXT}if r0 == 0 goto done\nr7 = *(u32 *)(r0 + 0)\nr6 += r7\ngoto l\ndone:\n${DESTROY}r0 = r6\nexit`,
    expect: 'ok',
    retval: 3n,
  },
  {
    name: 'iter_manual_unroll_loop: two nexts over [5, 7), no loop',
    asm: `${NEW(5, 7)}r6 = 0\n${NEXT}if r0 == 0 goto done\nr7 = *(u32 *)(r0 + 0)\nr6 += r7\n${NEXT}if r0 == 0 goto done\nr7 = *(u32 *)(r0 + 0)\nr6 += r7\ndone:\n${DESTROY}r0 = r6\nexit`,
    expect: 'ok',
    retval: 11n,
  },
  {
    name: 'iter_multiple_sequential_loops: one slot, two new/destroy cycles',
    asm: `${NEW(0, 2)}r6 = 0\nl1:\n${NEXT}if r0 == 0 goto d1\nr6 += 1\ngoto l1\nd1:\n${DESTROY}${NEW(0, 3)}l2:\n${NEXT}if r0 == 0 goto d2\nr6 += 1\ngoto l2\nd2:\n${DESTROY}r0 = r6\nexit`,
    expect: 'ok',
    retval: 5n,
  },
  {
    name: 'new(1, 0) fails with -EINVAL and leaves an empty iterator',
    asm: `${NEW(1, 0)}r6 = r0\n${NEXT}r7 = r0\n${DESTROY}r0 = r6\nif r7 == 0 goto out\nr0 = 1\nout:\nexit`,
    expect: 'ok',
    retval: BigInt(-22 >>> 0),
  },
  {
    name: 'iterator never destroyed',
    asm: `${NEW(0, 3)}r0 = 0\nexit`,
    expect: 'EINVAL',
    first_error: 'Unreleased reference id=1 alloc_insn=4',
    log: ['BPF_EXIT instruction in main prog would lead to reference leak'],
  },
  {
    name: 'next on an uninitialised iterator',
    asm: `${NEXT}r0 = 0\nexit`,
    expect: 'EINVAL',
    first_error: 'expected an initialized iter_num as arg #0',
  },
  {
    name: 'next after destroy',
    asm: `${NEW(0, 3)}${DESTROY}${NEXT}r0 = 0\nexit`,
    expect: 'EINVAL',
    first_error: 'expected an initialized iter_num as arg #0',
  },
  {
    name: 'new on a live iterator',
    asm: `${NEW(0, 3)}${NEW(0, 3)}${DESTROY}r0 = 0\nexit`,
    expect: 'EINVAL',
    first_error: 'expected uninitialized iter_num as arg #0',
  },
  {
    name: "reading the iterator's bytes",
    asm: `${NEW(0, 3)}r0 = *(u64 *)(r10 - 8)\n${DESTROY}r0 = 0\nexit`,
    expect: 'EACCES',
    first_error: 'invalid read from stack off -8+0 size 8',
  },
  {
    name: 'iterator argument is the context',
    asm: 'call bpf_iter_num_next\nr0 = 0\nexit',
    expect: 'EINVAL',
    first_error: 'arg#0 expected pointer to an iterator on stack',
  },
  {
    name: 'iterator argument is the constant 0',
    asm: 'r1 = 0\ncall bpf_iter_num_next\nr0 = 0\nexit',
    expect: 'EACCES',
    first_error: 'Possibly NULL pointer passed to trusted arg0',
  },
  {
    name: 'iterator at a misaligned stack offset',
    asm: `${NEW(0, 3, -4)}r0 = 0\nexit`,
    expect: 'EINVAL',
    first_error: 'cannot pass in iter at an offset=-4',
  },
  {
    name: "deref of next's result without a NULL check",
    asm: `${NEW(0, 3)}${NEXT}r0 = *(u32 *)(r0 + 0)\n${DESTROY}r0 = 0\nexit`,
    expect: 'EACCES',
    first_error: "R0 invalid mem access 'scalar'",
  },
  {
    name: "8-byte read of bpf_iter_num's int",
    asm: `${NEW(0, 3)}${NEXT}if r0 == 0 goto out\nr0 = *(u64 *)(r0 + 0)\nout:\n${DESTROY}r0 = 0\nexit`,
    expect: 'EACCES',
    first_error: 'invalid access to memory, mem_size=4 off=0 size=8',
    log: ['R0 min value is outside of the allowed memory range'],
  },
  {
    name: 'loop whose state repeats exactly',
    asm: 'r0 = 0\nl: goto l',
    expect: 'EINVAL',
    first_error: 'infinite loop detected at insn 1',
  },
  {
    name: 'read of an unset register',
    asm: 'r0 = r5\nexit',
    expect: 'EACCES',
    first_error: 'R5 !read_ok',
  },
  {
    name: 'stack write beyond 512 bytes',
    asm: 'r1 = 0\n*(u64 *)(r10 - 520) = r1\nr0 = 0\nexit',
    expect: 'EACCES',
    first_error: 'invalid write to stack R10 off=-520 size=8',
  },
  {
    // The brief's table gives ENOSPC, which is the 16 MiB log overflowing; the verdict itself is E2BIG.
    name: '1M processed-instruction budget exhausted',
    asm: 'r1 = 2000000\nl:\nr1 -= 1\nif r1 != 0 goto l\nr0 = 0\nexit',
    expect: 'E2BIG',
    first_error: 'BPF program is too large. Processed 1000001 insn',
    slow: true,
  },
];
