import { describe, expect, it } from 'vitest';
import { ITER_CORPUS } from '../../../oracle';
import { kernelForTests } from '../../../oracle/test-util';
import { createBpf } from '../index';
import { ITER_SELFTESTS } from './selftests';

// the project's corpora: the selftests load bpf_trace_printk (policy.ts)
const { oracle, avail } = kernelForTests('verifier against the running kernel', { trustedPrograms: true });

/** Programs whose verdict, first error line and (for these) whole level-1 log must equal the running kernel's. */
const PROGRAMS = [
  'r0 = r2\nexit',
  'r1 = 0\nexit',
  'r0 = 5\nr1 = *(u32 *)(r0 + 0)\nexit',
  'r1 = 0\nr2 = -520\nr3 = r10\nr3 += r2\n*(u64 *)(r3 + 0) = r1\nr0 = 0\nexit',
  'call bpf_get_prandom_u32\nr1 = r10\nr1 += r0\nr0 = 0\nexit',
  'r6 = r1\nr0 = 0\nl:\nr0 += 1\nif r0 < 3 goto l\nr1 = *(u64 *)(r6 + 96)\nexit',
  'r0 = 0\nl:\nr0 += 1\nif r0 < 30 goto l\nexit',
  'r1 = r10\nr1 -= 8\nr0 = 0\nexit',
  'r1 = r10\nr1 += -31\nr2 = 0\n*(u64 *)(r1 + 0) = r2\nr0 = 0\nexit',
  'call bpf_get_prandom_u32\nr1 = r0\nr1 &= 15\nr2 = r10\nr2 += -16\n*(u64 *)(r10 -16) = r1\nif r1 > 7 goto l\nr2 += r1\nr0 = *(u8 *)(r2 +0)\nl:\nr0 = 0\nexit',
];

describe.skipIf(!avail.ok)('the verifier against the running kernel (BPF_PROG_LOAD)', () => {
  it('takes prog_flags as BPF_PROG_LOAD does: unknown bits EINVAL, BPF_F_SLEEPABLE refused outside syscall programs', () => {
    for (const [flags, level] of [
      [16, 1],
      [16, 2],
      [8, 1],
      [0x80, 1],
    ] as const) {
      const asm = 'r1 = 3\nl:\nr1 -= 1\nif r1 != 0 goto l\nr0 = 0\nexit';
      const kv = oracle.verify(asm, { prog_type: 'socket_filter', log_level: level, prog_flags: flags });
      const ours = createBpf().verify({ asm, prog_type: 'socket', log_level: level, prog_flags: flags });
      expect([ours.ok, ours.log], `prog_flags ${flags} log_level ${level}`).toEqual([kv.ok, kv.log]);
    }
    expect(oracle.verify('r0 = 0\nexit', { prog_type: 'socket_filter', prog_flags: 0x100 }).errno).toBe(22);
    expect(createBpf().verify({ asm: 'r0 = 0\nexit', prog_flags: 0x100 }).errors[0]).toMatchObject({ errno: 'EINVAL' });
  });

  it('prints the level-2 listing of live registers as the kernel does, with the SCC of each instruction in a loop', () => {
    const asm = 'r6 = 0\nr1 = 3\nl:\nr6 += r1\nr1 -= 1\nif r1 != 0 goto l\nr0 = r6\nexit';
    const head = (log: string): string => log.slice(0, log.indexOf('\n0: R1='));
    const kv = oracle.verify(asm, { prog_type: 'socket_filter', log_level: 2 });
    const ours = createBpf().verify({ asm, prog_type: 'socket', log_level: 2 });
    expect(head(ours.log)).toBe(head(kv.log));
    expect(head(ours.log)).toContain('  1   2: .1....6... (0f) r6 += r1');
  });

  it('writes the level-2 log of a loop byte for byte as the kernel does, mark_precise lines included', () => {
    for (const [asm, flags] of [
      ['r1 = 100\nl:\nr1 -= 1\nif r1 != 0 goto l\nr0 = 0\nexit', 0],
      ['r1 = 3\nl:\nr1 -= 1\nif r1 != 0 goto l\nr0 = 0\nexit', 8],
    ] as const) {
      const kv = oracle.verify(asm, { prog_type: 'socket_filter', log_level: 2, prog_flags: flags });
      const ours = createBpf().verify({ asm, prog_type: 'socket', log_level: 2, prog_flags: flags });
      expect(ours.log, `${asm} (prog_flags ${flags})`).toBe(kv.log);
      expect(ours.log).toContain('mark_precise: frame0: parent state regs=r1 stack=:  R1=P');
    }
  });

  it('propagates precision to registers linked by id at a jump (bt_sync_linked_regs), in the taken branch too', () => {
    // r1 and its spill at fp-16 share id 2 when `if r1 > 7` is checked: the spill is marked with r1. The kernel's
    // stack-liveness lines (6.18's liveness.c, not modelled) are left out of the comparison.
    const asm =
      'call bpf_get_prandom_u32\nr1 = r0\nr1 &= 15\nr2 = r10\nr2 += -16\n*(u64 *)(r10 -16) = r1\nif r1 > 7 goto l\nr2 += r1\nr0 = *(u8 *)(r2 +0)\nexit\nl:\nr2 += r1\nr0 = *(u8 *)(r2 +0)\nr0 = 0\nexit';
    const kv = oracle.verify(asm, { prog_type: 'raw_tracepoint', log_level: 2 });
    const ours = createBpf().verify({ asm, prog_type: 'raw_tp', log_level: 2 });
    const noLiveness = (log: string): string =>
      log
        .split('\n')
        .filter((l) => !/^\(\d+\) /.test(l))
        .join('\n');
    expect(noLiveness(ours.log)).toBe(noLiveness(kv.log));
    expect(ours.log).toContain('mark_precise: frame0: regs=r1 stack=-16 before 5: (7b) *(u64 *)(r10 -16) = r1');
  });

  it('gives the same verdict, log and processed count for hand-written programs', () => {
    const res = oracle.batch(PROGRAMS.map((p) => ({ prog: p, opts: { prog_type: 'raw_tracepoint', log_level: 1 } })));
    PROGRAMS.forEach((p, i) => {
      const kv = res[i]!.verdict;
      const ours = createBpf().verify({ asm: p, prog_type: 'raw_tp' });
      expect(ours.ok, p).toBe(kv.ok);
      expect(ours.log, p).toBe(kv.log);
    });
  });

  it('agrees with the kernel on the translated selftests that need no subprogram BTF', () => {
    // Raw loads without BTF cannot carry subprograms (the kernel asks for func_info): those are left out.
    const cases = ITER_SELFTESTS.filter(
      (c) => !/\ncall (?!bpf_)|bpf_loop/.test(`\n${c.asm}`) && c.name !== 'stack_misc_vs_scalar_in_a_loop',
    );
    const res = oracle.batch(
      cases.map((c) => {
        const maps: Record<number, { map_type: string; key_size: number; value_size: number; max_entries: number }> =
          {};
        if (c.amap) maps[1] = { map_type: 'BPF_MAP_TYPE_HASH', key_size: 4, value_size: 4, max_entries: 10 };
        if (c.data_size)
          maps[1] = { map_type: 'BPF_MAP_TYPE_ARRAY', key_size: 4, value_size: c.data_size, max_entries: 1 };
        return {
          prog: c.asm.replace(/amap ll/g, 'map[id:1]'),
          opts: {
            prog_type: c.prog_type === 'socket' ? 'socket_filter' : 'raw_tracepoint',
            log_level: 1,
            maps,
            prog_flags: c.state_freq ? 8 : 0,
          },
        };
      }),
    );
    cases.forEach((c, i) => expect(res[i]!.verdict.ok ? 'success' : 'failure', c.name).toBe(c.expect));
  });

  it('counts total_states and peak_states as the kernel does on the iterator corpus and the selftests', () => {
    const cases = [
      ...ITER_CORPUS.filter((c) => !c.slow).map((c) => ({ name: c.name, asm: c.asm, prog_type: 'raw_tp', flags: 0 })),
      // (stack_misc_vs_scalar_in_a_loop agrees too, 88375 and 263961, but takes 45 s to exhaust the budget)
      ...ITER_SELFTESTS.filter(
        (c) =>
          !c.amap &&
          !c.data_size &&
          c.expect === 'success' &&
          c.name !== 'stack_misc_vs_scalar_in_a_loop' &&
          !/\ncall (?!bpf_)|bpf_loop/.test(`\n${c.asm}`),
      ).map((c) => ({ name: c.name, asm: c.asm, prog_type: c.prog_type ?? 'raw_tp', flags: c.state_freq ? 8 : 0 })),
    ];
    const res = oracle.batch(
      cases.map((c) => ({
        prog: c.asm,
        opts: {
          prog_type: c.prog_type === 'socket' ? 'socket_filter' : 'raw_tracepoint',
          log_level: 1,
          prog_flags: c.flags,
        },
      })),
    );
    const stats = (log: string): string => /total_states \d+ peak_states \d+/.exec(log)?.[0] ?? '';
    const differ = cases.filter(
      (c, i) =>
        stats(createBpf().verify({ asm: c.asm, prog_type: c.prog_type, prog_flags: c.flags }).log) !==
        stats(res[i]!.verdict.log ?? ''),
    );
    expect(cases.length).toBeGreaterThan(50);
    // This one differs in total_states too (50 here, 49 there): 6.18's stack-slot liveness (not modelled) cleans
    // more state before comparing, so one more checkpoint matches there.
    expect(differ.map((c) => c.name)).toEqual(['clean_live_states']);
  });
});
