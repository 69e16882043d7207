import { describe, expect, it } from 'vitest';
import { createBpf } from '../engines/bpf';
import { kernelOracle } from './index';
import { ITER_CORPUS } from './iter-corpus';

const oracle = kernelOracle({ trustedPrograms: true }); // the project's own programs: their iterator loops may run (policy.ts)
const avail = oracle.available();
if (!avail.ok) console.log(`kernel oracle: iterator corpus skipped (${avail.why})`);

describe.skipIf(!avail.ok)('the bpf_iter_num corpus on the running kernel', () => {
  const results = avail.ok
    ? oracle.batch(
        ITER_CORPUS.map((c) => ({
          prog: c.asm,
          opts: { prog_type: 'raw_tracepoint', log_level: c.slow ? 0 : 1 },
          run: c.expect === 'ok',
        })),
      )
    : [];

  ITER_CORPUS.forEach((c, i) => {
    it(`${c.name}: ${c.expect === 'ok' ? `accepted, r0 = ${c.retval}` : `${c.expect} "${c.first_error}"`}`, () => {
      const r = results[i]!;
      const v = r.verdict;
      expect(v.ok ? 'ok' : v.errno_name).toBe(c.expect);
      if (c.first_error !== undefined && !c.slow) expect(v.first_error).toBe(c.first_error);
      for (const line of c.log ?? []) expect(v.log.split('\n')).toContain(line);
      if (c.retval !== undefined) {
        expect(r.ok && r.retval).toBe(c.retval);
        // Our interpreter (verifier-free load) runs the accepted program to the same u32.
        const ours = createBpf({ jit: false }).prog_load({ asm: c.asm, verify: false }).run().retval;
        expect(ours & 0xffffffffn).toBe(c.retval);
      }
    });
  });
});
