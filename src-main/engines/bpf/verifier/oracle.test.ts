import { describe, expect, it } from 'vitest';
import { kernelOracle } from '../../../oracle';
import { createBpf } from '../index';
import { ITER_SELFTESTS } from './selftests';

const oracle = kernelOracle();
const avail = oracle.available();

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
    const cases = ITER_SELFTESTS.filter((c) => !/\ncall (?!bpf_)|bpf_loop/.test(`\n${c.asm}`) && c.name !== 'stack_misc_vs_scalar_in_a_loop');
    const res = oracle.batch(cases.map((c) => {
      const maps: Record<number, { map_type: string; key_size: number; value_size: number; max_entries: number }> = {};
      if (c.amap) maps[1] = { map_type: 'BPF_MAP_TYPE_HASH', key_size: 4, value_size: 4, max_entries: 10 };
      if (c.data_size) maps[1] = { map_type: 'BPF_MAP_TYPE_ARRAY', key_size: 4, value_size: c.data_size, max_entries: 1 };
      return { prog: c.asm.replace(/amap ll/g, 'map[id:1]'), opts: { prog_type: c.prog_type === 'socket' ? 'socket_filter' : 'raw_tracepoint', log_level: 1, maps, prog_flags: c.state_freq ? 8 : 0 } };
    }));
    cases.forEach((c, i) => expect(res[i]!.verdict.ok ? 'success' : 'failure', c.name).toBe(c.expect));
  });
});
