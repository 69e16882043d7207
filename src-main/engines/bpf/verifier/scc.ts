/**
 * Strongly connected components of the control-flow graph (compute_scc() in kernel/bpf/verifier.c, Linux 6.17+):
 * the loops whose states are compared with RANGE_WITHIN while a loop back edge is pending, and whose precision
 * marks are completed from the recorded back edges when the loop is left.
 */
import { branchTarget } from '../check';
import { BPF_CALL, BPF_CLASS, BPF_EXIT, BPF_JA, BPF_JMP, BPF_JMP32, BPF_OP, isLdImm64 } from '../isa';
import type { BpfInsn } from '../isa';

/** scc[insn]: a positive id for instructions on a cycle, 0 otherwise. */
export function computeScc(insns: readonly BpfInsn[]): Int32Array {
  const n = insns.length;
  const succ: number[][] = [];
  for (let pc = 0; pc < n; pc++) {
    const i = insns[pc]!;
    const s: number[] = [];
    const cls = BPF_CLASS(i.code);
    const op = BPF_OP(i.code);
    if (isLdImm64(i)) s.push(pc + 2);
    else if ((cls === BPF_JMP || cls === BPF_JMP32) && op !== BPF_CALL) {
      if (op !== BPF_EXIT) {
        s.push(branchTarget(insns, pc));
        if (op !== BPF_JA) s.push(pc + 1);
      }
    } else s.push(pc + 1);
    succ.push(s.filter((x) => x >= 0 && x < n));
  }
  // Iterative Tarjan.
  const index = new Int32Array(n).fill(-1);
  const low = new Int32Array(n);
  const onStack = new Uint8Array(n);
  const stack: number[] = [];
  const scc = new Int32Array(n);
  let idx = 0;
  let sccId = 0;
  for (let root = 0; root < n; root++) {
    if (index[root] !== -1) continue;
    const work: [number, number][] = [[root, 0]];
    while (work.length) {
      const top = work[work.length - 1]!;
      const [v, k] = top;
      if (k === 0) {
        index[v] = low[v] = idx++;
        stack.push(v);
        onStack[v] = 1;
      }
      const ss = succ[v]!;
      if (k < ss.length) {
        top[1] = k + 1;
        const w = ss[k]!;
        if (index[w] === -1) work.push([w, 0]);
        else if (onStack[w]) low[v] = Math.min(low[v]!, index[w]!);
        continue;
      }
      work.pop();
      if (work.length) {
        const p = work[work.length - 1]![0];
        low[p] = Math.min(low[p]!, low[v]!);
      }
      if (low[v] === index[v]) {
        const comp: number[] = [];
        let w: number;
        do {
          w = stack.pop()!;
          onStack[w] = 0;
          comp.push(w);
        } while (w !== v);
        const cyclic = comp.length > 1 || succ[v]!.includes(v);
        if (cyclic) {
          sccId++;
          for (const c of comp) scc[c] = sccId;
        }
      }
    }
  }
  return scc;
}
