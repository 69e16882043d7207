/**
 * The ublk I/O timeline: the sampled I/Os of one fio run drawn on a canvas in swimlanes (application, block layer,
 * ublk server, backend), each I/O's steps joined over virtual time. Wheel zooms around the pointer, double-click resets.
 */
import type { MachineState } from '../../src-main/contract';
import { cssVar, h } from '../dom';

type Fio = MachineState['ublk']['fio'][number];
type Rec = Fio['trace'][number];

/** The swimlanes, top to bottom, and the trace kinds each one holds. */
export const LANES: { name: string; kinds: string[] }[] = [
  { name: 'application', kinds: ['submit', 'complete', 'reap'] },
  { name: 'block layer', kinds: ['queue_rq'] },
  { name: 'ublk server', kinds: ['task_work', 'server_cqe', 'commit'] },
  { name: 'backend', kinds: ['backend'] },
];
const LANE_OF = new Map<string, number>(LANES.flatMap((l, i) => l.kinds.map((k): [string, number] => [k, i])));
const KIND_COLOUR: Record<string, string> = {
  submit: '#4fc1ff',
  queue_rq: '#c586c0',
  task_work: '#d7ba7d',
  server_cqe: '#ce9178',
  backend: '#89d185',
  commit: '#dcdcaa',
  complete: '#4ec9b0',
  reap: '#569cd6',
};

/** A step of 1, 2 or 5 × 10^n giving about `n` ticks over `span`. */
export function niceStep(span: number, n: number): number {
  const raw = span / Math.max(1, n);
  const p = 10 ** Math.floor(Math.log10(raw || 1));
  const m = raw / p;
  return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * p;
}

const LABEL_W = 92;
const LANE_H = 48;
const AXIS_H = 26;

export class UblkTimeline {
  readonly root = h('div', { class: 'ublk-timeline-wrap' });
  private readonly select = h('select', {
    'aria-label': 'fio run shown in the timeline',
    'data-testid': 'ublk-timeline-run',
  });
  private readonly canvas = h('canvas', {
    'data-testid': 'ublk-timeline',
    'aria-label': 'I/O timeline in swimlanes: application, block layer, ublk server, backend',
    tabindex: 0,
  });
  private readonly summary = h('span', { class: 'muted' });
  private readonly align = h('input', {
    type: 'checkbox',
    'data-testid': 'ublk-timeline-align',
    'aria-label': 'align each I/O at its first step',
  });
  private readonly kinds = h(
    'div',
    { class: 'ublk-legend', 'aria-label': 'trace steps' },
    ...Object.entries(KIND_COLOUR).map(([k, c]) =>
      h('span', { class: 'ublk-legend-item' }, h('span', { class: 'ublk-tag', style: `background:${c}` }), k),
    ),
  );
  private readonly hover = h(
    'div',
    { class: 'mm-hover', 'data-testid': 'ublk-timeline-hover' },
    'Hover a step for its I/O; wheel zooms, double-click resets.',
  );
  private runs: Fio[] = [];
  /** Records of the shown run, sorted by I/O id then time. */
  private recs: Rec[] = [];
  private t0 = 0;
  private t1 = 1;
  private view: [number, number] = [0, 1];
  private picked = false;
  private hot = -1;
  private width = 0;

  constructor() {
    this.root.append(
      h(
        'div',
        { class: 'ublk-timeline-bar' },
        h('b', {}, 'I/O timeline'),
        this.select,
        h('label', { class: 'field' }, this.align, 'align at first step'),
        this.summary,
      ),
      this.kinds,
      this.canvas,
      this.hover,
    );
    this.align.addEventListener('change', () => this.load());
    this.select.addEventListener('change', () => {
      this.picked = true;
      this.load();
    });
    this.canvas.addEventListener('mousemove', (e) => this.onHover(e));
    this.canvas.addEventListener('mouseleave', () => {
      this.hot = -1;
      this.draw();
    });
    this.canvas.addEventListener('wheel', (e) => this.onWheel(e), { passive: false });
    this.canvas.addEventListener('dblclick', () => {
      this.view = [this.t0, this.t1];
      this.draw();
    });
    new ResizeObserver(() => {
      const w = this.root.clientWidth;
      if (w > 0 && w !== this.width) this.draw();
    }).observe(this.root);
  }

  /** Shows the machine's fio runs: the newest unless the user picked an older one. */
  show(fio: Fio[]): void {
    const keep = this.select.value;
    this.runs = fio;
    this.root.hidden = fio.length === 0;
    this.select.replaceChildren(
      ...fio.map((r, i) => {
        const o = r.options;
        return h(
          'option',
          { value: i },
          `#${i + 1} ublk${r.dev_id} ${r.data_path} ${String(o.rw ?? '')} bs=${String(o.bs ?? '')} iodepth=${String(o.iodepth ?? '')}`,
        );
      }),
    );
    if (this.picked && Number(keep) < fio.length) this.select.value = keep;
    else if (fio.length) this.select.value = String(fio.length - 1);
    this.load();
  }

  private load(): void {
    const i = Number(this.select.value);
    const run = this.runs[i];
    this.recs = run ? [...run.trace].sort((a, b) => a.id - b.id || a.t - b.t) : [];
    // Aligned: each I/O's steps counted from its own first step, so the I/Os overlay as a latency breakdown.
    if (this.align.checked) {
      let start = 0;
      this.recs = this.recs.map((r, j, all) => {
        if (j === 0 || all[j - 1]!.id !== r.id) start = r.t;
        return { ...r, t: r.t - start };
      });
    }
    this.canvas.dataset.aligned = String(this.align.checked);
    let t0 = Infinity;
    let t1 = -Infinity;
    for (const r of this.recs) {
      if (r.t < t0) t0 = r.t;
      if (r.t > t1) t1 = r.t;
    }
    if (!this.recs.length) [t0, t1] = [0, 1];
    if (t1 <= t0) t1 = t0 + 1;
    [this.t0, this.t1] = [t0, t1];
    this.view = [t0, t1];
    this.hot = -1;
    const ios = new Set(this.recs.map((r) => r.id)).size;
    this.canvas.dataset.run = String(i);
    this.canvas.dataset.records = String(this.recs.length);
    this.canvas.dataset.ios = String(ios);
    this.canvas.dataset.lanes = LANES.map((l) => l.name).join('|');
    this.summary.textContent = run
      ? `${ios} sampled I/Os · ${this.recs.length} steps · ${((t1 - t0) / 1000).toLocaleString('en-US', { maximumFractionDigits: 1 })} µs · ${Math.round(run.iops).toLocaleString('en-US')} IOPS`
      : '';
    this.draw();
  }

  private x(t: number): number {
    const [a, b] = this.view;
    return LABEL_W + ((t - a) / (b - a)) * (this.width - LABEL_W - 10);
  }

  private y(kind: string): number {
    return (LANE_OF.get(kind) ?? 0) * LANE_H + LANE_H / 2;
  }

  /** Draws lanes, axis and every sampled I/O as one polyline through its steps (one pass over the records). */
  draw(): void {
    if (this.root.hidden) return;
    const w = Math.max(320, this.root.clientWidth || 800);
    this.width = w;
    const hgt = LANES.length * LANE_H + AXIS_H;
    const dpr = globalThis.devicePixelRatio || 1;
    if (this.canvas.width !== Math.round(w * dpr) || this.canvas.height !== Math.round(hgt * dpr)) {
      this.canvas.width = Math.round(w * dpr);
      this.canvas.height = Math.round(hgt * dpr);
      this.canvas.style.width = `${w}px`;
      this.canvas.style.height = `${hgt}px`;
    }
    const ctx = this.canvas.getContext('2d')!;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    const fg = cssVar('--fg') || '#d4d4d4';
    const muted = cssVar('--muted') || '#8c8c8c';
    const border = cssVar('--border') || '#3c3c3c';
    ctx.fillStyle = cssVar('--panel') || '#252526';
    ctx.fillRect(0, 0, w, hgt);
    ctx.font = '11px ui-monospace, monospace';
    ctx.textBaseline = 'middle';
    LANES.forEach((l, i) => {
      if (i % 2) {
        ctx.fillStyle = 'rgba(128,128,128,0.08)';
        ctx.fillRect(0, i * LANE_H, w, LANE_H);
      }
      ctx.fillStyle = fg;
      ctx.fillText(l.name, 6, i * LANE_H + LANE_H / 2);
      ctx.strokeStyle = border;
      ctx.beginPath();
      ctx.moveTo(0, (i + 1) * LANE_H + 0.5);
      ctx.lineTo(w, (i + 1) * LANE_H + 0.5);
      ctx.stroke();
    });
    // Time axis in virtual µs from the run's first sampled step.
    const [a, b] = this.view;
    const step = niceStep((b - a) / 1000, Math.floor((w - LABEL_W) / 90));
    const axisY = LANES.length * LANE_H;
    ctx.fillStyle = muted;
    ctx.strokeStyle = border;
    ctx.textBaseline = 'top';
    const first = Math.ceil((a - this.t0) / 1000 / step) * step;
    for (let us = first; this.t0 + us * 1000 <= b; us += step) {
      const x = Math.round(this.x(this.t0 + us * 1000)) + 0.5;
      ctx.beginPath();
      ctx.moveTo(x, 0);
      ctx.lineTo(x, axisY + 4);
      ctx.stroke();
      ctx.fillText(`${+us.toFixed(3)} µs`, x + 2, axisY + 7);
    }
    ctx.save();
    ctx.beginPath();
    ctx.rect(LABEL_W, 0, w - LABEL_W, axisY);
    ctx.clip();
    // The I/Os' paths: one stroke for all, so 4096 records stay one draw call.
    ctx.strokeStyle = 'rgba(160,160,200,0.45)';
    ctx.lineWidth = 1;
    ctx.beginPath();
    const recs = this.recs;
    for (let i = 0; i < recs.length; i++) {
      const r = recs[i]!;
      const x = this.x(r.t);
      const y = this.y(r.kind);
      if (i === 0 || recs[i - 1]!.id !== r.id) ctx.moveTo(x, y);
      else ctx.lineTo(x, y);
    }
    ctx.stroke();
    // The steps as small squares (rects fill far faster than arcs), one fill colour per kind.
    for (const kind of Object.keys(KIND_COLOUR)) {
      ctx.fillStyle = KIND_COLOUR[kind]!;
      const y = this.y(kind) - 2;
      for (const r of recs) {
        if (r.kind !== kind) continue;
        const x = this.x(r.t);
        if (x < LABEL_W - 3 || x > w + 3) continue;
        ctx.fillRect(x - 2, y, 4, 4);
      }
    }
    // The hovered I/O stands out.
    if (this.hot >= 0) {
      const id = recs[this.hot]!.id;
      ctx.strokeStyle = fg;
      ctx.lineWidth = 2;
      ctx.beginPath();
      let started = false;
      for (const r of recs) {
        if (r.id !== id) continue;
        if (!started) ctx.moveTo(this.x(r.t), this.y(r.kind));
        else ctx.lineTo(this.x(r.t), this.y(r.kind));
        started = true;
      }
      ctx.stroke();
    }
    ctx.restore();
    this.canvas.dataset.viewUs = `${((a - this.t0) / 1000).toFixed(3)}-${((b - this.t0) / 1000).toFixed(3)}`;
  }

  private onHover(e: MouseEvent): void {
    const rect = this.canvas.getBoundingClientRect();
    const mx = e.clientX - rect.left;
    const my = e.clientY - rect.top;
    let best = -1;
    let bestD = 64;
    for (let i = 0; i < this.recs.length; i++) {
      const r = this.recs[i]!;
      const dx = this.x(r.t) - mx;
      const dy = this.y(r.kind) - my;
      const d = dx * dx + dy * dy;
      if (d < bestD) [best, bestD] = [i, d];
    }
    if (best === this.hot) return;
    this.hot = best;
    if (best >= 0) {
      const r = this.recs[best]!;
      const steps = this.recs.filter((s) => s.id === r.id);
      const start = steps[0]!.t;
      this.hover.textContent =
        `io ${r.id} · q${r.q} tag ${r.tag} · ${r.kind} at ${((r.t - this.t0) / 1000).toFixed(3)} µs · ` +
        steps.map((s) => `${s.kind} +${((s.t - start) / 1000).toFixed(2)}`).join(' → ') +
        ' µs';
    }
    this.draw();
  }

  private onWheel(e: WheelEvent): void {
    e.preventDefault();
    const rect = this.canvas.getBoundingClientRect();
    const [a, b] = this.view;
    const frac = Math.min(1, Math.max(0, (e.clientX - rect.left - LABEL_W) / (this.width - LABEL_W - 10)));
    const at = a + frac * (b - a);
    const k = e.deltaY > 0 ? 1.25 : 0.8;
    const span = Math.min(this.t1 - this.t0, Math.max(100, (b - a) * k));
    let na = at - frac * span;
    na = Math.max(this.t0, Math.min(na, this.t1 - span));
    this.view = [na, na + span];
    this.draw();
  }
}
