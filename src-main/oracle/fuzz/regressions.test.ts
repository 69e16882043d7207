import { describe, expect, it } from 'vitest';
import { kernelOracle } from '../index';
import { caseProgram, loadCases, loadPending, replayCase } from './regressions';
import { kernelAnswer, kernelBatch, kernelJob } from './runner';
import { messageTemplate } from './template';

const oracle = kernelOracle();
const avail = oracle.available();
if (!avail.ok) console.log(`kernel oracle: regression cases not re-asked of the kernel (${avail.why})`);

const cases = loadCases();
const pending = loadPending();

describe('fuzz regression cases (minimised kernel disagreements, src-main/oracle/fuzz/regressions)', () => {
  it('lists only existing cases as pending', () => {
    expect(Object.keys(pending).filter((f) => !cases.has(f))).toEqual([]);
  });

  it('gives the recorded kernel answer on every case that is not pending', () => {
    const wrong: string[] = [];
    for (const [name, c] of cases) {
      if (name in pending) continue;
      const r = replayCase(c);
      if (r.kind !== undefined) wrong.push(`${name}: ${r.cls}`);
    }
    expect(wrong).toEqual([]);
  });

  it('reports the pending cases (verifier bugs not yet fixed) and those that now agree', () => {
    const still: string[] = [];
    const fixed: string[] = [];
    for (const name of Object.keys(pending)) {
      const c = cases.get(name);
      if (!c) continue;
      const r = replayCase(c);
      if (r.kind === undefined) fixed.push(name);
      else still.push(`${name}: ${r.cls}`);
    }
    console.log(
      `fuzz regressions: ${cases.size} cases, ${still.length} pending${still.length ? `:\n  ${still.join('\n  ')}` : ''}`,
    );
    if (fixed.length)
      console.log(
        `fuzz regressions now agreeing (promote with \`npm run fuzz:kernel -- --promote\`): ${fixed.join(', ')}`,
      );
    expect(still.length + fixed.length).toBe(Object.keys(pending).length);
  });
});

describe.skipIf(!avail.ok)('fuzz regression cases against the running kernel', () => {
  it('the kernel still answers each case as recorded (verdict, errno, first-line template)', () => {
    const list = [...cases.entries()];
    const res = kernelBatch(
      oracle,
      list.map(([, c]) => kernelJob(caseProgram(c))),
    );
    const differ: string[] = [];
    const withheld: string[] = [];
    list.forEach(([name, c], i) => {
      const k = kernelAnswer(res[i]!);
      if (k.withheld !== undefined) {
        withheld.push(`${name} (${k.withheld})`);
        return;
      }
      const rec = c.kernel;
      // The template, not the exact line: another build may print other numbers (BTF ids) for the same reason.
      const same =
        k.ok === rec.ok &&
        k.errno === rec.errno &&
        messageTemplate(k.first ?? '') === messageTemplate(rec.first_line ?? '');
      const sameRet = rec.retval === undefined || k.retval === BigInt(rec.retval);
      if (!same || !sameRet)
        differ.push(
          `${name}: recorded ${rec.errno || 'accepted'} ${rec.first_line ?? rec.retval ?? ''}, now ${k.errno || 'accepted'} ${k.first ?? k.retval ?? ''}`,
        );
    });
    // Recorded before the oracle's allow-list: forms it keeps from the kernel (host fds, kernel variables).
    if (withheld.length)
      console.log(`fuzz regressions the oracle's allow-list keeps from the kernel:\n  ${withheld.join('\n  ')}`);
    expect(differ).toEqual([]);
  }, 300_000);
});
