/**
 * One program load in the BPF panel, as bpfvv shows a verifier log: the disassembly beside the verifier's walk,
 * stepped through one processed instruction at a time (buttons, slider, arrow keys) with the registers and stack
 * after each, the exploration tree (paths, where they forked, where one was pruned), the failing instruction with
 * its message, the log, and "check on this machine's kernel".
 */
import type { BpfLoad, KernelCheckRequest, KernelCheckResult, MachineState } from '../../src-main/contract';
import { h } from '../dom';
import { exploreGraph } from './bpf-explore-graph';
import { cLineAt, cLineText, type SourceLine } from './bpf-state';
import { StepWriters } from './bpf-state-diff';

type Prog = MachineState['bpf']['progs'][number];
type Detail = NonNullable<BpfLoad['detail']>;
type Trace = NonNullable<Detail['trace']>;
export type KernelCheckFn = (req: KernelCheckRequest) => Promise<KernelCheckResult>;

/** The column of the instruction that last wrote each register and slot. */
const BY: [string, string] = ['by', 'the instruction that last wrote it (entry: its value when the program starts)'];

function endText(p: Trace['paths'][number]): string {
  if (p.end === undefined) return 'not explored to its end (the walk stopped first)';
  if (p.end === 'exit') return `exit at ${p.at}`;
  if (p.end === 'safe') return `pruned at ${p.at}: its state is within one explored before (safe)`;
  return `rejected at ${p.at}: ${p.end}`;
}

function pathText(p: Trace['paths'][number]): string {
  return p.parent < 0
    ? `path ${p.id}: from the start`
    : `path ${p.id}: forked from path ${p.parent} at ${p.from} → ${p.to}`;
}

export class BpfLoadView {
  readonly el: HTMLDetailsElement;
  private step = 0;
  private readonly insnEls = new Map<number, HTMLElement>();
  /** The C line shown above each instruction's group in the listing (a program from a C object). */
  private readonly cEls = new Map<number, HTMLElement>();
  /** The listing's rows by the script line they were assembled from, and the ones marked for the editor's cursor. */
  private readonly byScriptLine = new Map<number, HTMLElement[]>();
  private marked: HTMLElement[] = [];
  private readonly trace?: Trace;
  /** What each step changed and which instruction last wrote each register and slot (bpfvv's highlighting). */
  private readonly writers?: StepWriters;
  private stepper?: {
    slider: HTMLInputElement;
    pos: HTMLElement;
    insn: HTMLElement;
    changed: HTMLElement;
    end: HTMLElement;
    regs: HTMLTableSectionElement;
    stack: HTMLTableSectionElement;
    raw: HTMLElement;
    tree: HTMLElement;
    graph: HTMLElement;
  };

  constructor(
    private readonly load: BpfLoad,
    private readonly detail: Detail | undefined,
    prog: Prog | undefined,
    private readonly check: KernelCheckFn,
    toScriptLine?: (line: number) => void,
  ) {
    if (detail?.trace) {
      this.trace = detail.trace;
      this.writers = new StepWriters(detail.trace);
    }
    const disasm = detail?.disasm || prog?.disasm || '';
    const lines = disasm
      .replace(/\n$/, '')
      .split('\n')
      .filter((l) => l);
    const pre = h('pre', { class: 'mono disasm', 'data-testid': 'bpf-disasm', 'aria-label': 'Disassembly' });
    const source = detail?.source;
    let shown: SourceLine | undefined;
    let shownEl: HTMLElement | undefined;
    for (const l of lines) {
      const pc = Number(/^(\d+):/.exec(l)?.[1] ?? -1);
      // A program from a C object: its C line above the first instruction it covers, as libbpf's log shows it.
      const c = pc >= 0 ? cLineAt(source, pc) : undefined;
      if (c && c !== shown) {
        shownEl = h(
          'div',
          { class: 'c-line', 'data-testid': 'bpf-c-line', 'data-line': c.line, title: `${c.file}:${c.line}:${c.col}` },
          `; ${cLineText(c)}`,
        );
        pre.append(shownEl);
        shown = c;
      }
      const row = h('div', { class: 'insn', 'data-insn': pc }, l);
      // A program assembled from a literal of the script: each instruction leads to its script line.
      const sl = pc >= 0 ? (detail?.script_lines?.[pc] ?? 0) : 0;
      if (sl > 0) {
        row.dataset.scriptLine = String(sl);
        row.title = `script line ${sl}: click to show it in the editor`;
        if (toScriptLine) row.addEventListener('click', () => toScriptLine(sl));
        let rows = this.byScriptLine.get(sl);
        if (!rows) this.byScriptLine.set(sl, (rows = []));
        rows.push(row);
      }
      this.insnEls.set(pc, row);
      if (c && shownEl) this.cEls.set(pc, shownEl);
      pre.append(row);
      if (!load.ok && pc === load.insn) {
        row.classList.add('failing');
        row.title = load.error ?? '';
        pre.append(h('div', { class: 'insn-error', 'data-testid': 'bpf-insn-error', role: 'note' }, `↳ ${load.error}`));
      }
    }
    const status = load.ok
      ? ` ${load.prog_type} · ${load.insn_cnt} insns · ${prog ? (prog.jited ? 'JIT' : 'interpreter') : 'loaded'}`
      : ` ${load.prog_type} · ${load.insn_cnt} insns · `;
    this.el = h(
      'details',
      {
        'data-key': `load-${load.seq}`,
        'data-testid': 'bpf-prog',
        'data-name': load.name,
        'data-ok': String(load.ok),
        'data-seq': load.seq,
      },
      h(
        'summary',
        {},
        h('b', {}, `${load.prog_id !== undefined ? `${load.prog_id}: ` : ''}${load.name || '(no name)'}`),
        status,
        load.ok ? null : h('span', { class: 'bad' }, `rejected (${load.errno})`),
      ),
      load.ok
        ? null
        : h(
            'div',
            { class: 'bpf-error', 'data-testid': 'bpf-error', role: 'alert' },
            // The script's own line:column where the program is a literal of it, else the program's line.
            load.insn !== undefined
              ? `insn ${load.insn}${load.at ? ` (script ${load.at.line}:${load.at.column})` : cLineAt(source, load.insn) ? ` (${cLineText(cLineAt(source, load.insn)!)})` : load.line ? ` (line ${load.line})` : ''}: `
              : load.at
                ? `script ${load.at.line}:${load.at.column}: `
                : load.line
                  ? `line ${load.line}: `
                  : '',
            load.error ?? '',
          ),
      h('div', { class: 'bpf-cols' }, pre, h('div', { class: 'bpf-verifier' }, ...this.verifierSide())),
      // Below both columns: the two logs side by side need the width.
      detail?.insns ? this.kernelCheckEl(detail) : null,
    );
    if (this.trace?.steps.length) this.go(this.failingStep() ?? 0);
  }

  /** Marks the instructions assembled from a script line (the editor's cursor line), or none. */
  markScriptLine(line: number | undefined): void {
    for (const r of this.marked) r.classList.remove('at-cursor');
    this.marked = line !== undefined ? (this.byScriptLine.get(line) ?? []) : [];
    for (const r of this.marked) r.classList.add('at-cursor');
    this.el.dataset.cursorInsns = this.marked.map((r) => r.dataset.insn).join(' ');
  }

  /** The step at the failing instruction (the last one of a rejected walk), if the trace reaches it. */
  private failingStep(): number | undefined {
    const t = this.trace!;
    if (this.load.ok || t.capped) return undefined;
    const last = t.steps[t.steps.length - 1];
    return last && last[0] === this.load.insn ? t.steps.length - 1 : undefined;
  }

  private verifierSide(): (Node | null)[] {
    const d = this.detail;
    const out: (Node | null)[] = [];
    if (!this.load.verified) {
      out.push(
        h(
          'div',
          { class: 'muted', 'data-testid': 'bpf-no-trace' },
          'Loaded with verify: false: the verifier did not run, so there is no walk to step through.',
        ),
      );
    } else if (!d) {
      out.push(
        h(
          'div',
          { class: 'muted', 'data-testid': 'bpf-no-trace' },
          'The walk of this load was sent before this view opened: run the script again to step through it.',
        ),
      );
    } else if (!this.trace) {
      out.push(
        h(
          'div',
          { class: 'muted', 'data-testid': 'bpf-no-trace' },
          'The verifier did not walk this program (it was refused before verification).',
        ),
      );
    } else {
      out.push(this.stepperEl());
    }
    if (d) {
      out.push(
        h(
          'details',
          { class: 'bpf-log' },
          h('summary', {}, `Verifier log (log_level ${d.log_level})`),
          h(
            'pre',
            { class: 'mono verifier-log', 'data-testid': 'bpf-verifier-log', 'aria-label': 'Verifier log' },
            d.log || '(empty)',
          ),
        ),
      );
    }
    return out;
  }

  private stepperEl(): HTMLElement {
    const t = this.trace!;
    const n = t.steps.length;
    const btn = (label: string, text: string, testid: string, fn: () => void): HTMLButtonElement =>
      h('button', { type: 'button', 'aria-label': label, title: label, 'data-testid': testid, onclick: fn }, text);
    const slider = h('input', {
      type: 'range',
      min: 0,
      max: Math.max(0, n - 1),
      value: 0,
      step: 1,
      'aria-label': 'Verification step',
      'data-testid': 'bpf-step-slider',
    });
    slider.addEventListener('input', () => this.go(Number(slider.value)));
    const s = {
      slider,
      pos: h('span', { class: 'bpf-step-pos', 'data-testid': 'bpf-step-pos', 'aria-live': 'polite' }),
      insn: h('div', { class: 'mono bpf-step-insn', 'data-testid': 'bpf-step-insn' }),
      changed: h('div', { class: 'bpf-step-changed', 'data-testid': 'bpf-step-changed' }),
      end: h('div', { class: 'bpf-step-end', 'data-testid': 'bpf-step-end' }),
      regs: h('tbody'),
      stack: h('tbody'),
      raw: h('div', {
        class: 'mono bpf-state-raw',
        'data-testid': 'bpf-state-raw',
        'aria-label': 'State in the verifier log notation',
      }),
      tree: h('ul', { class: 'bpf-tree', 'data-testid': 'bpf-tree', 'aria-label': 'Exploration tree' }),
      graph: h('div', { class: 'bpf-graph-box' }),
    };
    this.stepper = s;
    this.buildTree(s.tree);
    const group = h(
      'div',
      {
        class: 'bpf-stepper',
        role: 'group',
        tabindex: 0,
        'aria-label': 'Step through the verification (arrow keys, Home, End)',
        'data-testid': 'bpf-stepper',
      },
      h(
        'div',
        { class: 'bpf-step-bar' },
        btn('First step', '« first', 'bpf-first', () => this.go(0)),
        btn('Previous step', '‹ prev', 'bpf-prev', () => this.go(this.step - 1)),
        btn('Next step', 'next ›', 'bpf-next', () => this.go(this.step + 1)),
        btn('Last step', 'last »', 'bpf-last', () => this.go(n - 1)),
        slider,
        s.pos,
      ),
      t.capped
        ? h(
            'div',
            { class: 'bpf-capped', 'data-testid': 'bpf-capped', role: 'note' },
            `Trace capped: the first ${n.toLocaleString('en')} of ${t.processed.toLocaleString('en')} processed instructions.`,
          )
        : null,
      s.insn,
      s.changed,
      s.end,
      h(
        'div',
        { class: 'table-scroll' },
        h(
          'table',
          { class: 'grid mono bpf-regs', 'data-testid': 'bpf-regs', 'aria-label': 'Registers after the instruction' },
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              ...[['reg'], ['type'], ['value/bounds'], ['id'], ['ref', 'ref_obj_id'], ['P', 'precise'], BY].map(
                ([c, t]) => h('th', { scope: 'col', title: t ?? c }, c),
              ),
            ),
          ),
          s.regs,
        ),
      ),
      h(
        'div',
        { class: 'table-scroll' },
        h(
          'table',
          {
            class: 'grid mono bpf-stack',
            'data-testid': 'bpf-stack',
            'aria-label': 'Stack slots after the instruction',
          },
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              ...[['slot'], ['kind'], ['contents'], ['state'], ['depth'], ['ref', 'ref_id'], BY].map(([c, t]) =>
                h('th', { scope: 'col', title: t ?? c }, c),
              ),
            ),
          ),
          s.stack,
        ),
      ),
      s.raw,
      h(
        'details',
        { class: 'bpf-tree-box', open: true },
        h('summary', {}, `Exploration tree (${t.paths.length} path${t.paths.length === 1 ? '' : 's'})`),
        s.graph,
        h('details', { class: 'bpf-tree-list' }, h('summary', {}, 'as a list'), s.tree),
      ),
    );
    group.addEventListener('keydown', (e) => {
      if (e.target instanceof HTMLInputElement) return; // the slider has its own keys
      const to = {
        ArrowLeft: this.step - 1,
        ArrowUp: this.step - 1,
        ArrowRight: this.step + 1,
        ArrowDown: this.step + 1,
        Home: 0,
        End: n - 1,
      }[e.key];
      if (to === undefined) return;
      e.preventDefault();
      this.go(to);
    });
    return group;
  }

  private buildTree(ul: HTMLElement): void {
    const t = this.trace!;
    const first = new Map<number, number>();
    t.steps.forEach((s, i) => {
      if (!first.has(s[1])) first.set(s[1], i);
    });
    // One row per path in the order they were walked, each naming its parent: no nesting, which made a staircase
    // of text as deep as the forks.
    const item = (p: Trace['paths'][number]): HTMLElement => {
      const at = first.get(p.id);
      const label = `${pathText(p)} · ${endText(p)}`;
      return h(
        'li',
        { 'data-path': p.id, 'data-end': p.end ?? '' },
        at === undefined
          ? h('span', { class: 'muted' }, label)
          : h(
              'button',
              { type: 'button', class: 'link', 'aria-label': `Go to ${pathText(p)}`, onclick: () => this.go(at) },
              label,
            ),
      );
    };
    ul.append(...t.paths.map(item));
    // The same paths as a graph: a row each, in the order they were walked; a click goes to the path's first step.
    const insns = this.insnEls.size || Math.max(1, ...t.paths.map((p) => Math.max(p.to, p.from, p.at ?? 0) + 1));
    this.stepper!.graph.replaceChildren(
      exploreGraph(
        t.paths,
        insns,
        300,
        (p) => `${pathText(p)} · ${endText(p)}`,
        (p) => first.get(p.id),
        (step) => this.go(step),
      ),
    );
  }

  /** Shows step i: the instruction highlighted in the listing, the state after it, its path. */
  go(i: number): void {
    const t = this.trace;
    const s = this.stepper;
    if (!t || !s || !t.steps.length) return;
    i = Math.max(0, Math.min(t.steps.length - 1, i));
    const prevInsn = t.steps[this.step]?.[0];
    this.step = i;
    const [insn, path, frame, si] = t.steps[i]!;
    if (prevInsn !== undefined) {
      const old = this.insnEls.get(prevInsn);
      old?.classList.remove('current');
      old?.removeAttribute('aria-current');
      this.cEls.get(prevInsn)?.classList.remove('current');
    }
    // The C line over the instruction's group in the listing moves with it.
    this.cEls.get(insn)?.classList.add('current');
    const row = this.insnEls.get(insn);
    row?.classList.add('current');
    row?.setAttribute('aria-current', 'step');
    row?.scrollIntoView?.({ block: 'nearest' });
    s.slider.value = String(i);
    const p = t.paths[path];
    s.pos.textContent = `step ${i + 1} of ${t.steps.length} · insn ${insn} · path ${path}${frame ? ` · frame ${frame}` : ''}`;
    this.el.dataset.step = String(i);
    this.el.dataset.insn = String(insn);
    const c = cLineAt(this.detail?.source, insn);
    if (c) this.el.dataset.cLine = String(c.line);
    else delete this.el.dataset.cLine;
    s.insn.textContent = `${c ? `; ${cLineText(c)}\n` : ''}${row?.textContent ?? `${insn}:`}`;
    // The last step of a path shows how the path ended.
    const lastOfPath = i === t.steps.length - 1 ? !t.capped : t.steps[i + 1]![1] !== path;
    const failing =
      !this.load.ok && lastOfPath && p?.end !== undefined && p.end !== 'exit' && p.end !== 'safe' && insn === p.at;
    s.end.className = `bpf-step-end${failing ? ' bad' : ''}`;
    s.end.textContent = p ? `${pathText(p)}${lastOfPath && p.end !== undefined ? ` · ${endText(p)}` : ''}` : '';
    this.el.dataset.failingStep = String(failing);
    const w = this.writers!;
    const view = w.view(i);
    const diff = w.diff(i);
    const by = w.writersAt(i);
    // The instruction that last wrote a register or slot, a click away; its entry value says so.
    const byCell = (name: string): HTMLElement => {
      const j = by.get(name);
      if (j === undefined) return h('td', { class: 'muted', title: 'its value at the program’s entry' }, 'entry');
      const at = t.steps[j]![0];
      return h(
        'td',
        {},
        h(
          'button',
          {
            type: 'button',
            class: 'link',
            title: `written by insn ${at} (step ${j + 1}): go there`,
            onclick: () => this.go(j),
          },
          String(at),
        ),
      );
    };
    const mark = (name: string) => (diff.changed.has(name) ? { class: 'changed', 'data-changed': 'true' } : {});
    s.regs.replaceChildren(
      ...view.regs.map((r) =>
        h(
          'tr',
          { 'data-reg': r.name, ...mark(r.name) },
          h('th', { scope: 'row' }, r.name),
          h('td', {}, r.type),
          h('td', {}, r.value),
          h('td', {}, r.id),
          h('td', {}, r.ref_obj_id),
          h('td', {}, r.precise ? 'P' : ''),
          byCell(r.name),
        ),
      ),
    );
    s.stack.replaceChildren(
      ...(view.stack.length
        ? view.stack.map((sl) =>
            h(
              'tr',
              { 'data-slot': sl.slot, 'data-kind': sl.kind, ...mark(sl.slot) },
              h('th', { scope: 'row' }, sl.slot),
              h('td', {}, sl.kind),
              h('td', {}, sl.value ? `${sl.type}(${sl.value})` : sl.type),
              h('td', {}, sl.state),
              h('td', {}, sl.depth),
              h('td', {}, sl.ref_id),
              byCell(sl.slot),
            ),
          )
        : [h('tr', {}, h('td', { colspan: 7, class: 'muted' }, 'nothing on the stack'))]),
    );
    const names = [...diff.changed];
    s.changed.textContent =
      `insn ${insn} ${names.length ? `wrote ${names.join(', ')}` : 'wrote no register or slot'}` +
      `${diff.cleared.length ? `; cleared ${diff.cleared.join(', ')}` : ''}`;
    s.changed.dataset.changed = names.join(' ');
    s.raw.textContent = `${insn}: ${t.states[si] ?? ''}${failing ? `\n${p!.end}` : ''}`;
    for (const li of s.tree.querySelectorAll<HTMLElement>('li'))
      li.classList.toggle('current', li.dataset.path === String(path));
    for (const g of s.graph.querySelectorAll<SVGGElement>('g.path'))
      g.classList.toggle('current', g.dataset.path === String(path));
  }

  private kernelCheckEl(d: Detail): HTMLElement {
    const out = h('div', { class: 'bpf-kernel-result', 'data-testid': 'bpf-kernel-result', 'aria-live': 'polite' });
    const button = h(
      'button',
      {
        type: 'button',
        'data-testid': 'bpf-kernel-check',
        'aria-label': "Check on this machine's kernel: load the program with BPF_PROG_LOAD and compare",
      },
      "Check on this machine's kernel",
    );
    button.addEventListener('click', () => {
      button.disabled = true;
      out.replaceChildren(h('span', { class: 'muted' }, 'asking the kernel…'));
      const req: KernelCheckRequest = {
        insns: d.insns!,
        prog_type: this.load.prog_type,
        log_level: Math.min(2, Math.max(0, d.log_level)),
        // The same log buffer as the load: a log that overflowed here overflows there too (ENOSPC).
        ...(d.log_size !== undefined ? { log_size: Math.min(16 << 20, d.log_size) } : {}),
        ...(d.prog_flags ? { prog_flags: d.prog_flags } : {}),
        ...(d.license !== undefined ? { license: d.license.slice(0, 127) } : {}),
        maps: d.maps,
        sim: { ok: this.load.ok, log: d.log, ...(this.load.errno ? { errno_name: this.load.errno } : {}) },
      };
      this.check(req)
        .then((r) => out.replaceChildren(...this.kernelResult(r)))
        .catch((e: Error) =>
          out.replaceChildren(
            h('div', { class: 'bad', 'data-testid': 'bpf-kernel-why' }, `The kernel check failed: ${e.message}`),
          ),
        )
        .finally(() => (button.disabled = false));
    });
    return h('div', { class: 'bpf-kernel' }, button, out);
  }

  private kernelResult(r: KernelCheckResult): Node[] {
    if (!r.available)
      return [
        h(
          'div',
          { class: 'muted', 'data-testid': 'bpf-kernel-why' },
          `This machine's kernel cannot be asked: ${r.why}`,
        ),
      ];
    const c = r.comparison;
    const verdict = (ok: boolean, errno?: string, first?: string): string =>
      ok ? 'accepted' : `rejected (${errno})${first ? `: ${first}` : ''}`;
    const rows = c.rows.map((row, i) =>
      h(
        'tr',
        {
          class: row.agree ? '' : 'differ',
          ...(i === c.first_disagreement
            ? { 'data-testid': 'bpf-kernel-first-diff', id: `kdiff-${this.load.seq}` }
            : {}),
        },
        h('td', {}, row.ours ?? ''),
        h('td', {}, row.kernel ?? ''),
      ),
    );
    return [
      h(
        'div',
        {
          'data-testid': 'bpf-kernel-verdict',
          'data-kernel-ok': String(r.kernel.ok),
          'data-agree': String(c.verdict_agree),
        },
        h('b', {}, 'Kernel: '),
        verdict(r.kernel.ok, r.kernel.errno_name, r.kernel.first_error),
        r.kernel.processed !== undefined ? ` · processed ${r.kernel.processed} insns` : '',
        // The oracle's helper loads again without a log when the log overflowed (kernel-oracle.c): say both.
        r.kernel.log_truncated
          ? ` · its log overflowed the load's log_size too (ENOSPC): the verdict is the verifier's own, from a load without a log`
          : '',
      ),
      h('div', {}, h('b', {}, 'Ours: '), verdict(this.load.ok, this.load.errno, c.ours_first_error)),
      h(
        'div',
        { class: c.verdict_agree && c.first_error_agree ? 'good' : 'bad', 'data-testid': 'bpf-kernel-agreement' },
        c.verdict_agree ? 'Verdicts agree' : 'Verdicts disagree',
        c.verdict_agree && !r.kernel.ok ? (c.errno_agree ? ', errnos agree' : ', errnos differ') : '',
        c.verdict_agree && !r.kernel.ok
          ? c.first_error_agree
            ? ', first error lines agree'
            : ', first error lines differ'
          : '',
        c.first_disagreement >= 0 ? `; the logs part at line ${c.first_disagreement + 1}` : '; the logs are the same',
        '.',
      ),
      h(
        'div',
        { class: 'table-scroll bpf-kernel-logs' },
        h(
          'table',
          { class: 'grid mono', 'aria-label': 'Our verifier log beside the kernel’s' },
          h(
            'thead',
            {},
            h('tr', {}, h('th', { scope: 'col' }, 'our verifier'), h('th', { scope: 'col' }, 'this machine’s kernel')),
          ),
          h('tbody', {}, ...rows),
        ),
      ),
    ];
  }
}
