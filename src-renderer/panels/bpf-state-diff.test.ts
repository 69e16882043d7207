import { describe, expect, it } from 'vitest';
import type { BpfTrace } from '../../src-main/contract';
import { parseState } from './bpf-state';
import { diffStates, predecessor, StepWriters } from './bpf-state-diff';

describe('what a verifier step changed', () => {
  it('marks written and retyped registers and slots, not the precision marks or the untouched', () => {
    const d = diffStates(
      parseState(
        'R0=scalar() R1=fp-8 R6=scalar(smin=0,smax=3) R10=fp0 fp-8=iter_num(ref_id=1,state=active,depth=0) refs=1',
      ),
      parseState(
        'R0=rdonly_mem(id=2,ref_obj_id=1,sz=4) R6=P1 R10=fp0 fp-8=iter_num(ref_id=1,state=active,depth=1) fp-16=mmmmmmmm refs=1',
      ),
    );
    expect([...d.changed].sort()).toEqual(['R0', 'R6', 'fp-16', 'fp-8']);
    expect(d.cleared).toEqual(['R1']);
    // The same value turning precise (mark_precise() walks back through earlier states) is no write.
    const p = diffStates(parseState('R6=1 R10=fp0'), parseState('R6=P1 R10=fp0'));
    expect([...p.changed]).toEqual([]);
  });

  it('takes a state of another frame as new throughout', () => {
    const d = diffStates(parseState('R1=1 R10=fp0'), parseState('frame1: R1=1 R10=fp0'));
    expect([...d.changed].sort()).toEqual(['R1', 'R10']);
    expect(d.cleared).toEqual([]);
  });
});

// r1 = 1; r2 = 2; if r1 > r2 goto +1; r1 += r2; r0 = r1; exit: path 1 forks at insn 2 to insn 4.
const trace: Pick<BpfTrace, 'steps' | 'paths' | 'states'> = {
  states: [
    'R1=1 R10=fp0',
    'R1=1 R2=2 R10=fp0',
    'R1=3 R2=2 R10=fp0',
    'R0=3 R1=3 R2=2 R10=fp0',
    'R0=1 R1=1 R2=2 R10=fp0',
  ],
  steps: [
    [0, 0, 0, 0],
    [1, 0, 0, 1],
    [2, 0, 0, 1],
    [3, 0, 0, 2],
    [4, 0, 0, 3],
    [5, 0, 0, 3],
    [4, 1, 0, 4],
    [5, 1, 0, 4],
  ],
  paths: [
    { id: 0, parent: -1, from: 0, to: 0, end: 'exit', at: 5 },
    { id: 1, parent: 0, from: 2, to: 4, end: 'exit', at: 5 },
  ],
};

describe('the walk behind each step', () => {
  it('follows a path back to the fork it came from', () => {
    expect(predecessor(trace, 0)).toBeUndefined();
    expect(predecessor(trace, 3)).toBe(2);
    // Path 1's first step (insn 4) comes after path 0's visit of the fork at insn 2 (step 2), not after step 5.
    expect(predecessor(trace, 6)).toBe(2);
    expect(predecessor(trace, 7)).toBe(6);
  });

  it('marks what each step wrote, from the entry state on, and names the insn that last wrote each register', () => {
    const w = new StepWriters(trace);
    // Insn 0 (r1 = 1) over the entry state R1=ctx() R10=fp0.
    expect([...w.diff(0).changed]).toEqual(['R1']);
    expect([...w.diff(1).changed]).toEqual(['R2']);
    expect([...w.diff(2).changed]).toEqual([]);
    expect([...w.diff(3).changed]).toEqual(['R1']);
    expect([...w.diff(4).changed]).toEqual(['R0']);
    // On the forked path, r0 = r1 at insn 4 is compared with the state at the fork: R0 is new, R1 is still insn 0's.
    expect([...w.diff(6).changed]).toEqual(['R0']);
    const insnOf = (m: Map<string, number | undefined>) =>
      Object.fromEntries([...m].map(([k, j]) => [k, j === undefined ? 'entry' : trace.steps[j]![0]]));
    expect(insnOf(w.writersAt(5))).toEqual({ R0: 4, R1: 3, R2: 1, R10: 'entry' });
    expect(insnOf(w.writersAt(7))).toEqual({ R0: 4, R1: 0, R2: 1, R10: 'entry' });
    // Asked first for a late step, then for an early one: the same answers.
    const fresh = new StepWriters(trace);
    expect(insnOf(fresh.writersAt(7))).toEqual(insnOf(w.writersAt(7)));
    expect(insnOf(fresh.writersAt(1))).toEqual({ R1: 0, R2: 1, R10: 'entry' });
  });
});
