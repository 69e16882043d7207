/**
 * What each step of the verifier's walk changed, as bpfvv shows it: the registers and stack slots whose state
 * differs from the state before the instruction, and for every register and slot the instruction that last wrote
 * it along the walk (the path's own steps, back through the fork it came from).
 *
 * The state before an instruction is the one after the previous step of the same path; a path's first step comes
 * after the fork of its parent at `from` (the verifier pushes the other branch's state there, push_stack() in
 * kernel/bpf/verifier.c, Linux 6.18), and the walk's first step comes after the entry state do_check_common()
 * sets up for the main program: R1 the context, R10 the frame pointer.
 *
 * Where this departs from bpfvv: the level-2 log prints the pushed state itself (`from 7 to 8: ...`), and the trace
 * keeps only the states after instructions, so a path's first step is compared with its parent's state after the
 * fork: what the branch refined there (a taken jump's bounds, an iterator's queued state) is marked with what the
 * first instruction wrote.
 */
import type { BpfTrace } from '../../src-main/contract';
import { parseState, type StateView } from './bpf-state';

/** The entry state of the main program as the log prints it (do_check_common(): R1 = ctx, R10 = fp0). */
export const ENTRY_STATE = 'R1=ctx() R10=fp0';

export interface StepDiff {
  /** Registers (`R0`) and slots (`fp-8`) that were written or changed type, value, id or state. */
  changed: Set<string>;
  /** Registers and slots the state before had and this one has not (a call's caller-saved registers, a slot freed). */
  cleared: string[];
}

/**
 * What a state holds under each register and slot name, without the precision mark: mark_precise() marks registers
 * in earlier states too, so a P appearing is the verifier's bookkeeping, not the instruction writing the register.
 */
function contents(v: StateView): Map<string, string> {
  const m = new Map<string, string>();
  for (const r of v.regs) m.set(r.name, [r.type, r.value, r.id, r.ref_obj_id].join('|'));
  for (const s of v.stack)
    m.set(s.slot, [s.kind, s.type, s.value.replace(/^P/, ''), s.state, s.depth, s.ref_id].join('|'));
  return m;
}

/** The registers and slots `cur` changed from `prev` (another frame: everything it shows is new). */
export function diffStates(prev: StateView, cur: StateView): StepDiff {
  const a = contents(prev);
  const b = contents(cur);
  const sameFrame = prev.frame === cur.frame;
  const changed = new Set<string>();
  for (const [k, v] of b) if (!sameFrame || a.get(k) !== v) changed.add(k);
  const cleared = sameFrame ? [...a.keys()].filter((k) => !b.has(k)) : [];
  return { changed, cleared };
}

/** The step whose state comes before step `i`: the previous step of its path, or its parent's at the fork. */
export function predecessor(trace: Pick<BpfTrace, 'steps' | 'paths'>, i: number): number | undefined {
  const { steps, paths } = trace;
  const path = steps[i]?.[1];
  if (path === undefined || i === 0) return undefined;
  if (steps[i - 1]![1] === path) return i - 1;
  const p = paths[path];
  if (!p || p.parent < 0) return undefined;
  // The parent's last visit of the fork instruction before this step is where the branch state was pushed.
  for (let j = i - 1; j >= 0; j--) if (steps[j]![1] === p.parent && steps[j]![0] === p.from) return j;
  return undefined;
}

/**
 * Per step: what it changed, and for every register and slot of its state the step that last wrote it (undefined:
 * it holds its entry value). Computed on demand, each step once, from its predecessor's.
 */
export class StepWriters {
  private readonly views = new Map<number, StateView>();
  private readonly diffs = new Map<number, StepDiff>();
  private readonly writers = new Map<number, Map<string, number | undefined>>();
  private readonly entry = parseState(ENTRY_STATE);

  constructor(private readonly trace: Pick<BpfTrace, 'steps' | 'paths' | 'states'>) {}

  view(i: number): StateView {
    let v = this.views.get(i);
    if (!v) {
      v = parseState(this.trace.states[this.trace.steps[i]?.[3] ?? -1] ?? '');
      this.views.set(i, v);
    }
    return v;
  }

  diff(i: number): StepDiff {
    let d = this.diffs.get(i);
    if (!d) {
      const p = predecessor(this.trace, i);
      // A path without a known fork (a trace cut short) has no state before it to compare with: nothing is marked.
      d =
        p !== undefined
          ? diffStates(this.view(p), this.view(i))
          : i === 0
            ? diffStates(this.entry, this.view(i))
            : { changed: new Set(), cleared: [] };
      this.diffs.set(i, d);
    }
    return d;
  }

  /** The step that last wrote each register and slot of step i's state. */
  writersAt(i: number): Map<string, number | undefined> {
    const have = this.writers.get(i);
    if (have) return have;
    // Walk back to a step already known (or the start) without recursion: a path can be thousands of steps long.
    const chain: number[] = [];
    for (let j: number | undefined = i; j !== undefined && !this.writers.has(j); j = predecessor(this.trace, j))
      chain.push(j);
    for (let c = chain.length - 1; c >= 0; c--) {
      const j = chain[c]!;
      const p = predecessor(this.trace, j);
      const before = p !== undefined ? this.writers.get(p)! : new Map<string, number | undefined>();
      const d = this.diff(j);
      const w = new Map<string, number | undefined>();
      for (const r of this.view(j).regs) w.set(r.name, d.changed.has(r.name) ? j : before.get(r.name));
      for (const s of this.view(j).stack) w.set(s.slot, d.changed.has(s.slot) ? j : before.get(s.slot));
      this.writers.set(j, w);
    }
    return this.writers.get(i)!;
  }
}
