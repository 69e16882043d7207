/**
 * The memory panel's pressure chart: one zone's free pages over the run against its min / low / high watermarks,
 * with kswapd's wake-ups and sleeps, direct reclaim, compaction and allocation failures marked where they happened
 * (the engine's trace, src-main/engines/mm/mm_trace.ts; its clock counts page-allocator requests). Below the chart,
 * the events in order and their counts.
 */
import uPlot from 'uplot';
import type { MachineState } from '../../src-main/contract';
import { cssVar, h } from '../dom';
import { WMARK_COLORS, populatedZones } from './memory-zones';

type Mm = MachineState['mm'];
type TraceEvent = Mm['pressure']['events'][number];

/** Marker groups: which event kinds, how they are drawn. */
const MARKS = [
  { label: 'kswapd wakes', kinds: ['kswapd_wake'], color: '#3cc6c0', shape: 'up' },
  { label: 'kswapd sleeps', kinds: ['kswapd_sleep'], color: '#2b8a84', shape: 'down' },
  { label: 'direct reclaim', kinds: ['direct_reclaim'], color: '#d66bb0', shape: 'dot' },
  {
    label: 'compaction',
    kinds: ['compact_success', 'compact_fail', 'compact_memory'],
    color: '#9b6cd6',
    shape: 'square',
  },
  { label: 'allocation failure', kinds: ['alloc_fail'], color: '#ff3030', shape: 'cross' },
] as const;

/** The /proc/vmstat lines of reclaim and compaction the section lists, in the kernel's order. */
const VMSTAT =
  /^(allocstall_|pgscan_(kswapd|direct)$|pgsteal_(kswapd|direct)$|pageoutrun$|compact_(stall|fail|success|migrate_scanned|free_scanned)$|pgmigrate_success$)/;

/** How an event reads in the list. */
function describe(e: TraceEvent, zone: string): string {
  const order = e.order >= 0 ? ` order ${e.order}` : '';
  switch (e.kind) {
    case 'kswapd_wake':
      return `kswapd wakes (${zone} below low,${order})`;
    case 'kswapd_sleep':
      return `kswapd sleeps (${zone})`;
    case 'direct_reclaim':
      return `direct reclaim: ${e.pages} pages (${zone})`;
    case 'compact_success':
      return `direct compaction succeeds:${order}, ${e.pages} pages migrated (${zone})`;
    case 'compact_fail':
      return `direct compaction fails:${order}, ${e.pages} pages migrated (${zone})`;
    case 'compact_memory':
      return `compact_memory: ${e.pages} pages migrated`;
    case 'alloc_fail':
      return `page allocation failure:${order} (${zone} free ${e.free})`;
    default:
      return e.kind;
  }
}

export class PressureChart {
  readonly el: HTMLElement;
  private readonly zoneSel = h('select', {
    'data-testid': 'mm-pressure-zone',
    'aria-label': 'zone whose free pages the chart shows',
  });
  private readonly box = h('div', { class: 'mm-chart', 'data-testid': 'mm-pressure-chart' });
  private readonly counts = h('div', { class: 'muted small', 'data-testid': 'mm-pressure-counts' });
  private readonly vmstat = h('div', { class: 'kv two', 'data-testid': 'mm-pressure-vmstat' });
  private readonly list = h('ol', { class: 'mono small mm-events', 'data-testid': 'mm-pressure-events' });
  private plot: uPlot | undefined;
  private mm: Mm | undefined;
  private zones = '';
  width = 0;

  constructor() {
    this.zoneSel.addEventListener('change', () => this.draw());
    this.el = h(
      'section',
      { class: 'mm-pressure' },
      h('h4', {}, 'Free pages against the watermarks'),
      h('label', { class: 'small' }, 'Zone ', this.zoneSel),
      this.box,
      this.counts,
      h('h4', {}, 'Reclaim and compaction (/proc/vmstat)'),
      this.vmstat,
      h('details', {}, h('summary', { class: 'small' }, 'Reclaim, compaction and failure events'), this.list),
    );
  }

  show(mm: Mm): void {
    this.mm = mm;
    this.vmstat.replaceChildren(
      ...Object.keys(mm.vmstat)
        .filter((k) => VMSTAT.test(k))
        .map((k) => h('div', { 'data-key': k }, h('span', {}, `${k}:`), h('b', {}, String(mm.vmstat[k])))),
    );
    const pop = populatedZones(mm);
    const key = pop.map(({ z }) => z.name).join();
    if (key !== this.zones) {
      // The zone a GFP_KERNEL request is served from first: the highest populated one up to Normal.
      const preferred = pop.filter(({ idx }) => idx <= 2).at(-1)?.idx ?? pop[0]?.idx ?? 0;
      this.zoneSel.replaceChildren(
        ...pop.map(({ z, idx }) => h('option', { value: idx, selected: idx === preferred }, z.name)),
      );
      this.zones = key;
    }
    this.draw();
  }

  draw(): void {
    const mm = this.mm;
    if (!mm) return;
    const zi = Number(this.zoneSel.value || 0);
    const zone = mm.zones[zi];
    if (!zone) return;
    const tr = mm.pressure;
    const name = (i: number): string => mm.zones[i]?.name ?? `zone ${i}`;
    this.counts.textContent =
      `Clock: ${tr.now.toLocaleString('en-US')} page-allocator requests since boot · ` +
      Object.entries(tr.counts)
        .filter(([, n]) => n > 0)
        .map(([k, n]) => `${k} ${n}`)
        .join(' · ');
    const events = tr.events.filter((e) => e.zone === zi || e.kind === 'compact_memory');
    this.list.replaceChildren(
      ...tr.events.map((e) =>
        h(
          'li',
          { 'data-kind': e.kind, 'data-t': e.t, 'data-zone': name(e.zone) },
          `@${e.t} ${describe(e, name(e.zone))}`,
        ),
      ),
    );
    const ds = this.box.dataset;
    ds.zone = zone.name;
    ds.samples = String(tr.t.length);
    ds.events = events.map((e) => e.kind).join(',');
    if (tr.t.length < 2) {
      this.plot?.destroy();
      this.plot = undefined;
      this.box.textContent = `No allocations yet: ${zone.name} has ${zone.free} free pages (min ${zone.min}, low ${zone.low}, high ${zone.high}).`;
      return;
    }
    // x: the samples' and events' times; free pages at the samples, each marker at its event's free pages.
    const xs = [...new Set([...tr.t, ...events.map((e) => e.t)])].sort((a, b) => a - b);
    const at = new Map(xs.map((x, i) => [x, i]));
    const col = (): (number | null)[] => new Array<number | null>(xs.length).fill(null);
    const free = col();
    const row = tr.free[zi] ?? [];
    tr.t.forEach((t, i) => (free[at.get(t)!] = row[i] ?? null));
    const flat = (v: number): number[] => xs.map(() => v);
    const marks = MARKS.map((m) => {
      const c = col();
      for (const e of events) if ((m.kinds as readonly string[]).includes(e.kind)) c[at.get(e.t)!] = e.free;
      return c;
    });
    const data = [xs, free, flat(zone.min), flat(zone.low), flat(zone.high), ...marks] as uPlot.AlignedData;
    const width = Math.max(240, this.width || 360);
    if (this.plot && Math.abs(this.plot.width - width) < 2) {
      this.plot.setData(data);
      return;
    }
    this.plot?.destroy();
    this.box.textContent = '';
    const fg = cssVar('--fg') || '#d4d4d4';
    const grid = cssVar('--border') || '#3c3c3c';
    const axis = (label: string): uPlot.Axis => ({
      label,
      stroke: fg,
      grid: { stroke: grid, width: 1 },
      ticks: { stroke: grid, width: 1 },
    });
    const line = (label: string, stroke: string, dash?: number[]): uPlot.Series => ({
      label,
      stroke,
      width: dash ? 1 : 2,
      spanGaps: true,
      points: { show: false },
      ...(dash ? { dash } : {}),
    });
    this.plot = new uPlot(
      {
        width,
        height: 200,
        scales: { x: { time: false }, y: { range: (_u, _min, max) => [0, Math.max(max, zone.high) * 1.05] } },
        axes: [axis('page-allocator requests'), { ...axis('free pages'), size: 56 }],
        series: [
          { label: 'requests' },
          line(`${zone.name} free`, '#4e9bd6'),
          line('min', WMARK_COLORS.min, [4, 3]),
          line('low', WMARK_COLORS.low, [4, 3]),
          line('high', WMARK_COLORS.high, [4, 3]),
          ...MARKS.map((m): uPlot.Series => ({
            label: m.label,
            stroke: m.color,
            paths: () => null,
            points: { show: true, size: m.shape === 'dot' ? 5 : 8, fill: m.color, stroke: m.color },
          })),
        ],
      },
      data,
      this.box,
    );
  }

  destroy(): void {
    this.plot?.destroy();
    this.plot = undefined;
  }
}
