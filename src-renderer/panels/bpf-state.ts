/**
 * Reading the verifier's state notation (print_verifier_state(): `R0=scalar(smin=0,smax=3) R10=fp0
 * fp-8=iter_num(ref_id=1,state=active,depth=0) refs=1`) into registers and stack slots for the BPF panel, and
 * keeping each load's detail (sent once) across the machine states that follow it.
 */
import type { BpfLoad, MachineState } from '../../src-main/contract';

export interface RegView {
  /** R0..R10, as the log names it. */
  name: string;
  type: string;
  /** The value or bounds, without the ids. */
  value: string;
  id: string;
  ref_obj_id: string;
  /** The kernel prints P before a precise scalar. */
  precise: boolean;
  /** As printed (`R1=fp-8`). */
  text: string;
}

export interface SlotView {
  /** fp-8, fp-16, ... */
  slot: string;
  /** iterator, spilled register, or the byte kinds (m misc, 0 zero, ? invalid, d dynptr). */
  kind: string;
  type: string;
  value: string;
  state: string;
  depth: string;
  ref_id: string;
  text: string;
}

export interface StateView {
  frame: number;
  regs: RegView[];
  stack: SlotView[];
  refs: string;
  callback: boolean;
}

/** Splits at spaces (or `sep`) outside parentheses. */
function splitTop(s: string, sep: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const c of s) {
    if (c === '(') depth++;
    else if (c === ')') depth--;
    if (c === sep && depth === 0) {
      if (cur) out.push(cur);
      cur = '';
    } else {
      cur += c;
    }
  }
  if (cur) out.push(cur);
  return out;
}

/** `type(k=v,...)` into its type and fields; constants and frame pointers as the log prints them. */
function parseValue(v: string): { precise: boolean; type: string; fields: [string, string][]; plain?: string } {
  const precise = /^P(?=[-0-9a-z])/.test(v);
  if (precise) v = v.slice(1);
  if (/^-?(?:0x)?[0-9a-f]+$/i.test(v)) return { precise, type: 'scalar', fields: [], plain: v };
  const fp = /^fp(\[\d+\])?(-?\d+)$/.exec(v);
  if (fp) return { precise, type: 'fp', fields: [], plain: v };
  const open = v.indexOf('(');
  if (open < 0 || !v.endsWith(')')) return { precise, type: v, fields: [] };
  const fields = splitTop(v.slice(open + 1, -1), ',').map((f): [string, string] => {
    const eq = f.indexOf('=');
    return eq < 0 ? [f, ''] : [f.slice(0, eq), f.slice(eq + 1)];
  });
  return { precise, type: v.slice(0, open), fields };
}

const ID_KEYS = new Set(['id', 'ref_obj_id', 'ref_id', 'state', 'depth']);

function regOf(name: string, v: string, text: string): RegView {
  const p = parseValue(v);
  const get = (k: string): string => p.fields.find(([f]) => f === k)?.[1] ?? '';
  const rest = p.fields.filter(([k]) => !ID_KEYS.has(k)).map(([k, x]) => (x ? `${k}=${x}` : k));
  return {
    name,
    type: p.type,
    value: p.plain ?? (rest.length ? rest.join(',') : p.type === 'scalar' ? 'unknown' : ''),
    id: get('id'),
    ref_obj_id: get('ref_obj_id'),
    precise: p.precise,
    text,
  };
}

/** The registers and stack of one state string. */
export function parseState(state: string): StateView {
  const view: StateView = { frame: 0, regs: [], stack: [], refs: '', callback: false };
  for (const tok of splitTop(state.trim(), ' ')) {
    const frame = /^frame(\d+):$/.exec(tok);
    if (frame) {
      view.frame = Number(frame[1]);
      continue;
    }
    if (tok === 'cb') {
      view.callback = true;
      continue;
    }
    const eq = tok.indexOf('=');
    if (eq < 0) continue;
    // The kernel marks written registers and slots with _w (before 6.17); the name is what precedes it.
    const key = tok.slice(0, eq).replace(/_w$/, '');
    const val = tok.slice(eq + 1);
    if (/^R\d+$/.test(key)) {
      view.regs.push(regOf(key, val, tok));
    } else if (/^fp-\d+$/.test(key)) {
      if (/^[m0?d]{8}$/.test(val)) {
        // Eight byte kinds: no register spilled here.
        view.stack.push({
          slot: key,
          kind: 'bytes',
          type: val,
          value: '',
          state: '',
          depth: '',
          ref_id: '',
          text: tok,
        });
        continue;
      }
      const p = parseValue(val);
      const get = (k: string): string => p.fields.find(([f]) => f === k)?.[1] ?? '';
      if (p.type.startsWith('iter_')) {
        view.stack.push({
          slot: key,
          kind: 'iterator',
          type: p.type,
          value: '',
          state: get('state'),
          depth: get('depth'),
          ref_id: get('ref_id'),
          text: tok,
        });
      } else {
        // A spilled register, after the kinds of any bytes it does not cover.
        const r = regOf(key, val.replace(/^[m?d]+(?=[a-zA-Z])/, ''), tok);
        view.stack.push({
          slot: key,
          kind: 'spilled register',
          type: r.type,
          value: r.value,
          state: '',
          depth: '',
          ref_id: r.id ? `id=${r.id}` : '',
          text: tok,
        });
      }
    } else if (key === 'refs') {
      view.refs = val;
    }
  }
  return view;
}

type Loads = MachineState['bpf']['loads'];

/** Carries each load's detail (sent in the first state after the load only) from the previous state to the next. */
export function keepBpfDetails(prev: MachineState | undefined, next: MachineState): MachineState {
  const old = new Map<number, NonNullable<Loads[number]['detail']>>();
  for (const l of prev?.bpf.loads ?? []) if (l.detail) old.set(l.seq, l.detail);
  for (const l of next.bpf.loads) {
    if (!l.detail) {
      const d = old.get(l.seq);
      if (d) l.detail = d;
    }
  }
  return next;
}

/** One line_info record of a load's detail: the C line that starts at instruction `insn`. */
export type SourceLine = NonNullable<NonNullable<BpfLoad['detail']>['source']>[number];

/** The C line (line_info) that covers instruction `pc`: the last one starting at or before it. */
export function cLineAt(source: readonly SourceLine[] | undefined, pc: number): SourceLine | undefined {
  let best: SourceLine | undefined;
  for (const l of source ?? []) if (l.insn <= pc) best = l;
  return best;
}

/** A C line as the verifier's log prints it: `<text> @ <file>:<line>` (the file's last path component). */
export function cLineText(l: SourceLine): string {
  return `${l.text.trim()} @ ${l.file.slice(l.file.lastIndexOf('/') + 1)}:${l.line}`;
}
