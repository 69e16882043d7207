/** The Results area: lab.chart() as uPlot charts, lab.table() as HTML tables, lab.result(); PNG, CSV and JSON export. */
import type uPlot from 'uplot';
import type { Chart, Table } from '../src-main/contract';
import { chartPng, renderChart } from './charts';
import { download, h } from './dom';

export interface Results {
  charts: Chart[];
  tables: Table[];
  /** lab.result(value), when the run set one. */
  result?: unknown;
}

/** CSV of one table (RFC 4180 quoting). */
export function tableCsv(t: Table): string {
  const cell = (v: unknown): string => {
    const s = v === null || v === undefined ? '' : String(v);
    return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  return [t.columns, ...t.rows].map((r) => r.map(cell).join(',')).join('\r\n') + '\r\n';
}

/** CSV of a chart: one row per point, `series,x,y`. */
export function chartCsv(c: Chart): string {
  return (
    [
      'series,x,y',
      ...c.series.flatMap((s) => s.points.map(([x, y]) => `"${s.label.replace(/"/g, '""')}",${x},${y}`)),
    ].join('\r\n') + '\r\n'
  );
}

const slug = (s: string): string => s.replace(/[^\w.-]+/g, '-').replace(/^-|-$/g, '') || 'result';

export class ResultsView {
  private plots: { plot: uPlot; chart: Chart; box: HTMLElement }[] = [];
  private results: Results = { charts: [], tables: [] };
  private readonly list: HTMLElement;
  private readonly empty = h(
    'div',
    { class: 'empty' },
    'Charts from lab.chart(), tables from lab.table() and the value of lab.result() show here.',
  );

  constructor(
    readonly root: HTMLElement,
    private readonly opts: { exportable: boolean; chartHeight?: number } = { exportable: true },
  ) {
    this.list = h('div', { class: 'results-list' });
    const bar = opts.exportable
      ? h(
          'div',
          { class: 'panel-bar' },
          h(
            'button',
            { 'data-testid': 'results-json', title: 'Download all results as JSON', onclick: () => this.exportJson() },
            'Export JSON',
          ),
          h(
            'button',
            {
              'data-testid': 'results-csv',
              title: 'Download every table and chart as CSV',
              onclick: () => this.exportCsv(),
            },
            'Export CSV',
          ),
        )
      : null;
    root.replaceChildren(...(bar ? [bar] : []), this.empty, this.list);
  }

  clear(): void {
    for (const p of this.plots) p.plot.destroy();
    this.plots = [];
    this.results = { charts: [], tables: [] };
    this.list.textContent = '';
    this.empty.hidden = false;
    this.root.dataset.charts = '0';
    this.root.dataset.tables = '0';
  }

  /** Shows a whole set of results (a run from the history). */
  load(r: Results): void {
    this.clear();
    for (const c of r.charts) this.addChart(c);
    for (const t of r.tables) this.addTable(t);
    if (r.result !== undefined) this.setResult(r.result);
  }

  private width(): number {
    return Math.max(280, (this.list.clientWidth || this.root.clientWidth || 560) - 24);
  }

  addChart(chart: Chart): void {
    this.results.charts.push(chart);
    this.empty.hidden = true;
    const box = h('div', {
      class: 'chart',
      'data-testid': 'chart',
      'data-name': chart.name,
      'data-series': chart.series.map((s) => s.label).join('|'),
    });
    const plotEl = h('div', {});
    const item = h(
      'section',
      { class: 'result' },
      this.opts.exportable
        ? h(
            'div',
            { class: 'result-tools' },
            h(
              'button',
              {
                'data-testid': 'chart-png',
                'aria-label': `export chart ${chart.name} as PNG`,
                onclick: () => void this.exportPng(entry),
              },
              'PNG',
            ),
            h(
              'button',
              {
                'aria-label': `export chart ${chart.name} as CSV`,
                onclick: () => download(`${slug(chart.name)}.csv`, new Blob([chartCsv(chart)], { type: 'text/csv' })),
              },
              'CSV',
            ),
          )
        : null,
      box,
    );
    box.append(plotEl);
    this.list.append(item);
    const entry = { plot: renderChart(plotEl, chart, this.width(), this.opts.chartHeight ?? 260), chart, box };
    box.dataset.points = String(chart.series.reduce((n, s) => n + s.points.length, 0));
    this.plots.push(entry);
    this.root.dataset.charts = String(this.results.charts.length);
  }

  addTable(table: Table): void {
    this.results.tables.push(table);
    this.empty.hidden = true;
    const t = h(
      'table',
      { class: 'grid', 'data-testid': 'result-table', 'data-name': table.name },
      h('thead', {}, h('tr', {}, ...table.columns.map((c) => h('th', {}, c)))),
      h(
        'tbody',
        {},
        ...table.rows.map((r) =>
          h(
            'tr',
            {},
            ...r.map((v) => h('td', { class: typeof v === 'number' ? 'num' : undefined }, v === null ? '' : String(v))),
          ),
        ),
      ),
    );
    this.list.append(
      h(
        'section',
        { class: 'result' },
        h(
          'div',
          { class: 'result-tools' },
          h('b', {}, table.name),
          this.opts.exportable
            ? h(
                'button',
                {
                  'aria-label': `export table ${table.name} as CSV`,
                  onclick: () => download(`${slug(table.name)}.csv`, new Blob([tableCsv(table)], { type: 'text/csv' })),
                },
                'CSV',
              )
            : null,
        ),
        h('div', { class: 'table-scroll' }, t),
      ),
    );
    this.root.dataset.tables = String(this.results.tables.length);
  }

  setResult(value: unknown): void {
    if (value === undefined || value === null) return;
    this.results.result = value;
    this.empty.hidden = true;
    this.list.append(
      h(
        'section',
        { class: 'result' },
        h('b', {}, 'lab.result'),
        h('pre', { class: 'mono small', 'data-testid': 'lab-result' }, JSON.stringify(value, null, 2)),
      ),
    );
  }

  /** Fits the charts to the pane's width (after it became visible or was resized). */
  resize(): void {
    const w = this.width();
    for (const p of this.plots) if (Math.abs(p.plot.width - w) > 2) p.plot.setSize({ width: w, height: p.plot.height });
  }

  current(): Results {
    return this.results;
  }

  private async exportPng(p: { plot: uPlot; chart: Chart }): Promise<void> {
    download(`${slug(p.chart.name)}.png`, await chartPng(p.plot, p.chart.name));
  }

  private exportJson(): void {
    download('results.json', new Blob([JSON.stringify(this.results, null, 2)], { type: 'application/json' }));
  }

  private exportCsv(): void {
    const parts = [
      ...this.results.tables.map((t) => `# table: ${t.name}\r\n${tableCsv(t)}`),
      ...this.results.charts.map((c) => `# chart: ${c.name}\r\n${chartCsv(c)}`),
    ];
    download('results.csv', new Blob([parts.join('\r\n')], { type: 'text/csv' }));
  }
}
