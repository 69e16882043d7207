import { describe, expect, it } from 'vitest';
import { firstErrorLine, kfuncIdsByName } from '../../../oracle';
import { kernelForTests } from '../../../oracle/test-util';
import { createBpf, KFUNC_BTF_ID } from '../index';
import { STACK_ANSWERS, STACK_EXPECT } from './stack-expect';
import { stackVariants } from './stack-variants';
import type { StackVariant } from './stack-variants';

/**
 * Stack spill / fill / precision rules against Linux 6.18 (check_stack_write_fixed_off(), check_stack_read_fixed_off(),
 * check_stack_read_var_off(), check_stack_write_var_off(), the precision of a zero stored as STACK_ZERO): every
 * generated variant gives the kernel's verdict, errno, first error line and filled register. The kernel's answers
 * are recorded in stack-expect.ts for machines that cannot ask it; where it can be asked they are asked again.
 */

// The project's own generated variants (policy.ts): their iterator calls are loaded, never run.
const { oracle, avail } = kernelForTests('stack spill and fill against the running kernel', { trustedPrograms: true });
if (!avail.ok)
  console.log(`kernel oracle: stack spill/fill variants against the running kernel skipped (${avail.why})`);

const VARIANTS = stackVariants();

/** The errno as BPF_PROG_LOAD returns it (the model's internal ENOTSUPP leaves the kernel as EINVAL). */
const loadErrno = (e: string | undefined): string => (e === 'ENOTSUPP' ? 'EINVAL' : (e ?? ''));

/**
 * What stack-expect.ts records of a load: `ok, processed N`, or the errno and first error line; then `| R2=...`, the
 * state printed for the fill into r2 when the log holds it.
 */
function answerOf(ok: boolean, errno: string, log: string): string {
  const verdict = ok
    ? `ok, processed ${/^processed (\d+) insns/m.exec(log)?.[1] ?? '?'}`
    : `${errno} ${firstErrorLine(comparable(log)) ?? ''}`;
  const fill =
    /^\d+: \([0-9a-f]{2}\) r2 = \*\(u\d+ \*\)\(r(?:10|1) [^)]*\)\s+; (R2=[^ (]*(?:\((?:[^()]|\([^()]*\))*\))?)/m.exec(
      log,
    );
  return fill ? `${verdict} | ${fill[1]}` : verdict;
}

function model(
  v: Pick<StackVariant, 'asm'>,
  level = 1,
): { ok: boolean; errno: string; log: string; first: string | undefined } {
  const r = createBpf().verify({ asm: v.asm, prog_type: 'raw_tp', log_level: level });
  return {
    ok: r.ok,
    errno: loadErrno(r.errors[0]?.errno),
    log: r.log,
    first: r.ok ? undefined : firstErrorLine(r.log),
  };
}

/**
 * Log lines that differ between machines or are not modelled: kfunc BTF ids (`call bpf_iter_num_new#ID` with the host build's ID, mapped
 * by name to the model's) and
 * 6.18's stack-slot liveness lines (liveness.c, `(0) frame 0 insn 8 +live -8`, `(9,12) ...` in a callee).
 */
const comparable = (log: string): string =>
  kfuncIdsByName(log, KFUNC_BTF_ID)
    .split('\n')
    .filter((l) => !/^\([\d,]+\) /.test(l))
    .join('\n');

describe('stack spill and fill (check_stack_write_fixed_off / check_stack_read_fixed_off)', () => {
  it('fills a narrow spill read back wider as an unknown scalar, not as the spilled constant', () => {
    // The other 6 bytes were never written: Linux does not keep the constant, so the branch is not pruned.
    const r = model({
      asm: 'r1 = 5\n*(u16 *)(r10 -8) = r1\nr2 = *(u64 *)(r10 -8)\nif r2 == 5 goto +1\nr0 = *(u64 *)(r2 +0)\nr0 = 0\nexit',
    });
    expect([r.ok, r.errno, r.first]).toEqual([false, 'EACCES', "R2 invalid mem access 'scalar'"]);
    expect(r.log).toContain('2: (79) r2 = *(u64 *)(r10 -8)         ; R2=scalar() R10=fp0 fp-8=??????5');
  });

  it('fills a 64-bit spill whose low byte a later narrow store replaced as unknown, and a u32 spill filled as u64', () => {
    const over = model({
      asm: 'r1 = 5\n*(u64 *)(r10 -8) = r1\n*(u8 *)(r10 -8) = 7\nr2 = *(u64 *)(r10 -8)\nif r2 == 5 goto +1\nr0 = *(u64 *)(r2 +0)\nr0 = 0\nexit',
    });
    expect(over.log).toContain('; R2=scalar() R10=fp0 fp-8=mmmmmmm7');
    expect(over.first).toBe("R2 invalid mem access 'scalar'");
    const wide = model({
      asm: 'r1 = 5\n*(u32 *)(r10 -8) = r1\nr2 = *(u64 *)(r10 -8)\nif r2 == 5 goto +1\nr0 = *(u64 *)(r2 +0)\nr0 = 0\nexit',
    });
    expect(wide.log).toContain('; R2=scalar() R10=fp0 fp-8=????5');
    // The same narrow fill of the low bytes keeps the constant (bpf_stack_narrow_access_ok()).
    const narrow = model({
      asm: 'r1 = 5\n*(u32 *)(r10 -8) = r1\nr2 = *(u32 *)(r10 -8)\nif r2 == 5 goto +1\nr0 = *(u64 *)(r2 +0)\nr0 = 0\nexit',
    });
    expect(narrow.ok).toBe(true);
  });

  it('marks a register holding zero precise when its misaligned store makes STACK_ZERO', () => {
    // r8 is 1 on one path and 2 on the other; r7 = r8 * 0 stored at fp-180 (not a slot boundary) is STACK_ZERO,
    // so r7 and back through it r8 become precise in the join's checkpoint and the second path is walked on.
    const asm =
      'call bpf_get_prandom_u32\nr1 = 0\nr2 = 0\nr3 = 0\nr4 = 0\nr5 = 0\nif r0 > 5 goto a\nr8 = 1\ngoto j\na:\nr8 = 2\nj:\nr7 = r8\nr7 *= 0\n*(u32 *)(r10 -180) = r7\nr0 = 0\nexit';
    const r = model({ asm }, 2);
    expect(r.log).toContain(
      'mark_precise: frame0: parent state regs=r8 stack=:  R0=scalar(smin=smin32=0,smax=umax=smax32=umax32=5,var_off=(0x0; 0x7)) R1=0 R2=0 R3=0 R4=0 R5=0 R8=P1 R10=fp0',
    );
    expect(r.log).not.toContain('10: safe');
    expect(r.log).toMatch(/processed 20 insns/);
    // An aligned store spills the register instead: no mark, and the second path is pruned at the join.
    const aligned = model({ asm: asm.replace('-180', '-184') }, 2).log;
    expect(aligned).toContain('10: safe');
    expect(aligned).toMatch(/processed 16 insns/);
  });

  it('reads a variable offset over a spilled pointer as data (privileged: allow_ptr_leaks)', () => {
    const asm =
      'call bpf_get_prandom_u32\nr0 &= 8\nr1 = r10\nr1 += -16\n*(u64 *)(r10 -16) = r1\n*(u64 *)(r10 -8) = r1\nr1 += r0\nr2 = *(u64 *)(r1 +0)\nr0 = 0\nexit';
    expect(model({ asm }).ok).toBe(true);
    // Not over an iterator, and not without a destination register (an atomic's read).
    const it = model({ asm: VARIANTS.find((v) => v.key === 'iterator load u64')!.asm });
    expect([it.errno, it.first]).toEqual(['EACCES', 'invalid read from stack R1 var_off (0x0; 0x8)+0 size 8']);
    const atomic = model({ asm: VARIANTS.find((v) => v.key === 'spilled-pointer atomic add u64')!.asm });
    expect(atomic.first).toBe(
      'variable offset stack pointer cannot be passed into helper function; var_off=(0x0; 0x8) off=-16 size=8',
    );
  });

  it(`gives Linux 6.18's recorded answer for each of the ${VARIANTS.length} generated variants`, () => {
    expect(STACK_EXPECT.length).toBe(VARIANTS.length);
    const CH = '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';
    const differ: string[] = [];
    VARIANTS.forEach((v, i) => {
      const want = STACK_ANSWERS[CH.indexOf(STACK_EXPECT[i]!)];
      const r = model(v);
      const got = answerOf(r.ok, r.errno, r.log);
      if (got !== want) differ.push(`${v.key}: ${got} (Linux: ${want})`);
    });
    expect(differ).toEqual([]);
    // The table covers every class and both verdicts.
    expect(new Set(VARIANTS.map((v) => v.set))).toEqual(
      new Set(['spill-fill', 'frames', 'var-off', 'helper-stack', 'zero-precision']),
    );
    expect(STACK_ANSWERS.some((a) => a.startsWith('ok'))).toBe(true);
    expect(STACK_ANSWERS.some((a) => a.startsWith('EACCES'))).toBe(true);
  }, 600_000);
});

describe.skipIf(!avail.ok)('stack spill and fill against the running kernel (BPF_PROG_LOAD)', () => {
  const kernelRuns = (level: number, vs: readonly StackVariant[]) =>
    oracle
      .batch(vs.map((v) => ({ prog: v.asm, opts: { prog_type: 'raw_tracepoint', log_level: level } })))
      .map((r) => r.verdict);

  it('gives the kernel verdict, errno, first error line and level-1 log for every variant, and the recorded table is current', () => {
    const ks = kernelRuns(1, VARIANTS);
    const CH = '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';
    const differ: string[] = [];
    const stale: string[] = [];
    // The kernel's answers encoded as stack-expect.ts holds them, for regenerating it when the variants change.
    const fresh: string[] = [];
    let freshEnc = '';
    VARIANTS.forEach((v, i) => {
      const k = ks[i]!;
      const r = model(v);
      const kAnswer = [k.ok, k.ok ? '' : k.errno_name, k.ok ? undefined : firstErrorLine(comparable(k.log))];
      if (
        JSON.stringify([r.ok, r.ok ? '' : r.errno, r.first]) !== JSON.stringify(kAnswer) ||
        comparable(r.log) !== comparable(k.log)
      ) {
        differ.push(
          `${v.key}: model ${r.ok} ${r.errno} ${r.first ?? ''} / kernel ${k.ok} ${k.errno_name} ${firstErrorLine(comparable(k.log)) ?? ''}`,
        );
      }
      const a = answerOf(k.ok, k.errno_name, k.log);
      if (!fresh.includes(a)) fresh.push(a);
      freshEnc += CH[fresh.indexOf(a)] ?? '?';
      if (a !== STACK_ANSWERS[CH.indexOf(STACK_EXPECT[i]!)]) stale.push(v.key);
    });
    expect(differ).toEqual([]);
    expect(
      stale,
      `stack-expect.ts is stale; the kernel's answers: ${JSON.stringify({ STACK_ANSWERS: fresh, STACK_EXPECT: freshEnc })}`,
    ).toEqual([]);
  }, 600_000);

  it('writes the level-2 log (states, mark_precise and propagation lines) as the kernel does for the frames, var-off, helper and zero-precision variants', () => {
    const vs = VARIANTS.filter((v) => v.set !== 'spill-fill');
    const ks = kernelRuns(2, vs);
    const differ = vs.filter((v, i) => comparable(model(v, 2).log) !== comparable(ks[i]!.log)).map((v) => v.key);
    expect(vs.length).toBeGreaterThan(100);
    expect(differ).toEqual([]);
  }, 600_000);
});
