/** The run history: each run's output and results kept (the last ones also across reloads), and two runs side by side. */
import type { MachineState, RunEvent } from '../src-main/contract';
import { h } from './dom';
import { ResultsView, type Results } from './results-view';

type Done = Extract<RunEvent, { type: 'done' }>;

export interface RunRecord {
  n: number;
  file: string;
  seed: number;
  started: number;
  lines: { stream: 'stdout' | 'stderr' | 'meta'; text: string }[];
  results: Results;
  /** The last state of each machine the run booted (not kept across reloads). */
  machines: Map<number, MachineState>;
  done?: Done | undefined;
}

const KEY = 'kernel-lab.runs';
const KEEP = 30;
const PERSIST = 10;
const MAX_PERSISTED_TEXT = 200_000;

export function outputText(r: RunRecord): string {
  return r.lines
    .filter((l) => l.stream !== 'meta')
    .map((l) => l.text)
    .join('');
}

function statusOf(r: RunRecord): string {
  if (!r.done) return 'running';
  if (r.done.ok) return `ok · ${(r.done.stats.durationMs / 1000).toFixed(2)} s`;
  return r.done.error?.kind === 'stopped' ? 'stopped' : `failed (${r.done.error?.name ?? 'error'})`;
}

export class RunsView {
  readonly runs: RunRecord[] = [];
  private nextN = 1;
  private readonly list = h('ol', { class: 'run-list', 'data-testid': 'run-history', reversed: true });
  private readonly compareBtn = h(
    'button',
    { 'data-testid': 'compare', disabled: true, title: 'Compare the two checked runs side by side' },
    'Compare',
  );
  private readonly compareBox = h('div', { class: 'compare', 'data-testid': 'run-compare' });
  private readonly checked = new Set<number>();

  constructor(
    readonly root: HTMLElement,
    private readonly onShow: (r: RunRecord) => void,
  ) {
    this.compareBtn.addEventListener('click', () => this.compare());
    root.replaceChildren(
      h(
        'div',
        { class: 'panel-bar' },
        h('span', { class: 'muted' }, 'Check two runs to compare them.'),
        this.compareBtn,
        h('button', { 'data-testid': 'clear-history', onclick: () => this.clearAll() }, 'Clear history'),
      ),
      this.list,
      this.compareBox,
    );
    this.restore();
  }

  start(file: string, seed: number): RunRecord {
    const r: RunRecord = {
      n: this.nextN++,
      file,
      seed,
      started: Date.now(),
      lines: [],
      results: { charts: [], tables: [] },
      machines: new Map(),
    };
    this.runs.push(r);
    while (this.runs.length > KEEP) this.runs.shift();
    this.render();
    return r;
  }

  /** Adds a finished run from elsewhere (an imported session) to the history. */
  adopt(r: Omit<RunRecord, 'n' | 'machines'>): RunRecord {
    const rec: RunRecord = { ...r, n: this.nextN++, machines: new Map() };
    this.runs.push(rec);
    while (this.runs.length > KEEP) this.runs.shift();
    this.render();
    this.persist();
    return rec;
  }

  finish(r: RunRecord, done: Done): void {
    r.done = done;
    if (done.result !== undefined && done.result !== null) r.results.result = done.result;
    this.render();
    this.persist();
  }

  private render(): void {
    for (const n of [...this.checked]) if (!this.runs.some((r) => r.n === n)) this.checked.delete(n);
    this.list.replaceChildren(
      ...[...this.runs].reverse().map((r) => {
        const box = h('input', {
          type: 'checkbox',
          'aria-label': `select run ${r.n} for comparison`,
          checked: this.checked.has(r.n),
        });
        box.addEventListener('change', () => {
          if (box.checked) this.checked.add(r.n);
          else this.checked.delete(r.n);
          this.compareBtn.disabled = this.checked.size !== 2;
        });
        const time = new Date(r.started).toLocaleTimeString();
        return h(
          'li',
          { 'data-run': r.n, class: r.done && !r.done.ok ? 'failed' : '' },
          box,
          h('span', { class: 'run-name' }, `#${r.n} ${r.file}`),
          h(
            'span',
            { class: 'muted' },
            ` seed ${r.seed} · ${time} · ${statusOf(r)} · ${r.results.charts.length} charts, ${r.results.tables.length} tables`,
          ),
          h('button', { 'aria-label': `show run ${r.n}`, onclick: () => this.onShow(r) }, 'Show'),
        );
      }),
    );
    this.compareBtn.disabled = this.checked.size !== 2;
  }

  /** Two runs side by side: output (lines only one of them printed are marked), result, tables and charts. */
  compare(a?: RunRecord, b?: RunRecord): void {
    if (!a || !b) {
      const sel = this.runs.filter((r) => this.checked.has(r.n));
      if (sel.length !== 2) return;
      [a, b] = sel as [RunRecord, RunRecord];
    }
    const la = outputText(a).split('\n');
    const lb = outputText(b).split('\n');
    const col = (r: RunRecord, mine: string[], other: string[]): HTMLElement => {
      const others = new Set(other);
      const results = h('div', {});
      const side = h(
        'div',
        { class: 'compare-side', 'data-testid': 'compare-side', 'data-run': r.n },
        h('h4', {}, `#${r.n} ${r.file} · seed ${r.seed} · ${statusOf(r)}`),
        h(
          'pre',
          { class: 'mono small console' },
          ...mine.map((l) => h('div', { class: others.has(l) ? '' : 'diff' }, l || ' ')),
        ),
        results,
      );
      queueMicrotask(() => new ResultsView(results, { exportable: false, chartHeight: 200 }).load(r.results));
      return side;
    };
    const differ = la.filter((l) => !lb.includes(l)).length + lb.filter((l) => !la.includes(l)).length;
    this.compareBox.replaceChildren(
      h(
        'div',
        { class: 'compare-head' },
        h('b', {}, `Run #${a.n} and run #${b.n}`),
        h(
          'span',
          { class: 'muted', 'data-testid': 'compare-summary' },
          differ ? ` · ${differ} output lines differ (marked)` : ' · same output',
        ),
        h('button', { onclick: () => this.compareBox.replaceChildren() }, 'Close'),
      ),
      h('div', { class: 'compare-cols' }, col(a, la, lb), col(b, lb, la)),
    );
  }

  private clearAll(): void {
    this.runs.splice(0);
    this.checked.clear();
    this.compareBox.replaceChildren();
    localStorage.removeItem(KEY);
    this.render();
  }

  private persist(): void {
    const keep = this.runs
      .filter((r) => r.done)
      .slice(-PERSIST)
      .map((r) => {
        let budget = MAX_PERSISTED_TEXT;
        const lines = r.lines.filter((l) => (budget -= l.text.length) >= 0);
        return { n: r.n, file: r.file, seed: r.seed, started: r.started, lines, results: r.results, done: r.done };
      });
    try {
      localStorage.setItem(KEY, JSON.stringify(keep));
    } catch {
      // Over the storage quota: keep the history in memory only.
    }
  }

  private restore(): void {
    try {
      const saved = JSON.parse(localStorage.getItem(KEY) ?? '[]') as Omit<RunRecord, 'machines'>[];
      for (const r of saved) this.runs.push({ ...r, machines: new Map() });
      this.nextN = Math.max(0, ...this.runs.map((r) => r.n)) + 1;
    } catch {
      localStorage.removeItem(KEY);
    }
    this.render();
  }
}
