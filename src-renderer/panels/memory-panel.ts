/**
 * The memory panel: one canvas cell per pageblock (drawn as one pixel per block into an off-screen canvas, then
 * scaled without smoothing, so 32,768 blocks at 64G stay cheap), coloured by migratetype / allocation / free /
 * unmapped pages, with the direct-map leaf level as an overlay; the DirectMap lines, the split counters and a
 * chart of them over virtual time; buddyinfo; a pageblock's details on hover.
 */
import type uPlot from 'uplot';
import type { MachineState } from '../../src-main/contract';
import { renderChart } from '../charts';
import { h } from '../dom';

type Mm = MachineState['mm'];
type Mode = 'migratetype' | 'allocated' | 'free' | 'unmapped';

const MT_COLORS: Record<string, string> = {
  Unmovable: '#c9534f',
  Movable: '#4f9d55',
  Reclaimable: '#d99a3a',
  HighAtomic: '#9b6cd6',
  CMA: '#3cc6c0',
  Isolate: '#777777',
};
const LEVEL_COLORS: Record<number, string> = { 3: '#3b82f6', 2: '#eab308', 1: '#ff00ff' };
const LEVEL_NAMES: Record<number, string> = { 1: '4K', 2: '2M', 3: '1G' };

function rgb(hex: string): [number, number, number] {
  const n = parseInt(hex.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}
/** Packs a colour for a little-endian Uint32 view of ImageData (0xAABBGGRR). */
function pack([r, g, b]: [number, number, number]): number {
  return ((255 << 24) | (b << 16) | (g << 8) | r) >>> 0;
}
function mix(a: [number, number, number], b: [number, number, number], t: number): [number, number, number] {
  return [Math.round(a[0] + (b[0] - a[0]) * t), Math.round(a[1] + (b[1] - a[1]) * t), Math.round(a[2] + (b[2] - a[2]) * t)];
}

export class MemoryPanel {
  private readonly canvas = h('canvas', { 'data-testid': 'mm-canvas', 'aria-label': 'physical memory, one cell per pageblock' });
  private readonly off = document.createElement('canvas');
  private readonly scroller = h('div', { class: 'mm-scroller' }, this.canvas);
  private readonly hover = h('div', { class: 'mm-hover', 'data-testid': 'mm-hover' }, 'Hover a pageblock for its details.');
  private readonly modeSel = h(
    'select',
    { 'data-testid': 'mm-mode', 'aria-label': 'colour pageblocks by' },
    h('option', { value: 'migratetype' }, 'migratetype'),
    h('option', { value: 'allocated' }, 'allocated'),
    h('option', { value: 'free' }, 'free'),
    h('option', { value: 'unmapped' }, 'unmapped'),
  );
  private readonly zoomSel = h(
    'select',
    { 'data-testid': 'mm-zoom', 'aria-label': 'cell size' },
    h('option', { value: '0' }, 'fit'),
    ...[2, 4, 8, 16].map((z) => h('option', { value: String(z) }, `${z} px`)),
  );
  private readonly overlay: Record<number, HTMLInputElement> = {};
  private readonly legend = h('div', { class: 'legend' });
  private readonly directmap = h('div', { class: 'kv', 'data-testid': 'mm-directmap' });
  private readonly splits = h('div', { class: 'kv', 'data-testid': 'mm-splits' });
  private readonly summary = h('div', { class: 'kv', 'data-testid': 'mm-summary' });
  private readonly buddy = h('pre', { class: 'mono small', 'data-testid': 'mm-buddyinfo' });
  private readonly chartBox = h('div', { class: 'mm-chart', 'data-testid': 'mm-splits-chart' });
  private readonly empty = h('div', { class: 'empty' }, 'Run a script that calls boot(): its physical memory shows here.');
  private readonly body: HTMLElement;
  private state: Mm | undefined;
  private cols = 64;
  private cell = 4;
  private plot: uPlot | undefined;
  /** Split counters over virtual time (ms), per machine of the current run. */
  private history = new Map<number, { t: number[]; seq: number[]; l2: number[]; l3: number[] }>();
  private machine = 0;
  lastDrawMs = 0;
  private width = 0;
  private chartWidth = 0;

  constructor(readonly root: HTMLElement) {
    for (const lvl of [3, 2, 1]) {
      this.overlay[lvl] = h('input', {
        type: 'checkbox',
        'data-testid': `mm-overlay-${LEVEL_NAMES[lvl]!.toLowerCase()}`,
        'aria-label': `overlay ${LEVEL_NAMES[lvl]} direct-map leaves`,
        checked: lvl === 1,
      });
      this.overlay[lvl]!.addEventListener('change', () => this.draw());
    }
    this.modeSel.addEventListener('change', () => this.draw());
    this.zoomSel.addEventListener('change', () => this.draw());
    this.canvas.addEventListener('mousemove', (e) => this.onHover(e));
    this.canvas.addEventListener('mouseleave', () => delete this.canvas.dataset.hover);
    // Keyboard access: the arrow keys walk the pageblocks (a row is this.cols blocks), Home/End jump.
    this.canvas.tabIndex = 0;
    this.canvas.addEventListener('keydown', (e) => {
      const mm = this.state;
      if (!mm) return;
      const cur = Number(this.canvas.dataset.hover ?? -1);
      const step: Record<string, number> = { ArrowLeft: -1, ArrowRight: 1, ArrowUp: -this.cols, ArrowDown: this.cols };
      let next: number | undefined;
      if (e.key in step) next = cur < 0 ? 0 : cur + step[e.key]!;
      else if (e.key === 'Home') next = 0;
      else if (e.key === 'End') next = mm.pageblocks - 1;
      if (next === undefined) return;
      e.preventDefault();
      this.describe(Math.max(0, Math.min(mm.pageblocks - 1, next)));
    });
    const overlays = [3, 2, 1].map((l) => h('label', { class: 'chk' }, this.overlay[l]!, ` ${LEVEL_NAMES[l]}`));
    this.body = h(
      'div',
      { class: 'panel-body', hidden: true },
      h(
        'div',
        { class: 'panel-bar' },
        h('label', {}, 'Colour ', this.modeSel),
        h('span', { class: 'group', role: 'group', 'aria-label': 'direct-map overlay' }, 'Direct map ', ...overlays),
        h('label', {}, 'Zoom ', this.zoomSel),
      ),
      this.legend,
      this.scroller,
      this.hover,
      h(
        'div',
        { class: 'mm-facts' },
        h('section', {}, h('h4', {}, 'Direct map'), this.directmap, h('h4', {}, 'Splits (vmstat)'), this.splits, h('h4', {}, 'Memory'), this.summary),
        h('section', {}, h('h4', {}, 'Splits during the run'), this.chartBox),
      ),
      h('h4', {}, 'buddyinfo'),
      this.buddy,
    );
    root.textContent = '';
    root.append(this.empty, this.body);
    // Widths come from the observers, so that a redraw never forces a layout of the page.
    new ResizeObserver((entries) => {
      const w = Math.round(entries[entries.length - 1]!.contentRect.width);
      if (w && w !== this.width) {
        this.width = w;
        if (this.state && !root.hidden) this.draw();
      }
    }).observe(root);
    new ResizeObserver((entries) => {
      const w = Math.round(entries[entries.length - 1]!.contentRect.width);
      if (w && w !== this.chartWidth) {
        this.chartWidth = w;
        if (this.state && !root.hidden) this.drawChart();
      }
    }).observe(this.chartBox);
  }

  /** Forgets the split history (a new run starts). */
  reset(): void {
    this.history.clear();
    this.plot?.destroy();
    this.plot = undefined;
  }

  /** Records a machine's counters for the splits chart (every machine event, whichever machine is shown). */
  record(s: MachineState): void {
    let hst = this.history.get(s.index);
    if (!hst) this.history.set(s.index, (hst = { t: [], seq: [], l2: [], l3: [] }));
    const t = s.now_ns / 1e6;
    const l2 = s.mm.vmstat.direct_map_level2_splits ?? 0;
    const l3 = s.mm.vmstat.direct_map_level3_splits ?? 0;
    const last = hst.t.length - 1;
    if (last >= 0 && hst.t[last] === t && hst.l2[last] === l2 && hst.l3[last] === l3) return;
    hst.t.push(t);
    hst.seq.push(hst.seq.length + 1);
    hst.l2.push(l2);
    hst.l3.push(l3);
  }

  show(s: MachineState | undefined): void {
    this.empty.hidden = !!s;
    this.body.hidden = !s;
    if (!s) {
      this.state = undefined;
      delete this.root.dataset.pageblocks;
      return;
    }
    this.state = s.mm;
    this.machine = s.index;
    const mm = s.mm;
    const mi = mm.meminfo;
    const vm = mm.vmstat;
    const kv = (el: HTMLElement, rows: [string, string | number][]): void => {
      el.replaceChildren(...rows.map(([k, v]) => h('div', { 'data-key': k }, h('span', {}, `${k}:`), h('b', {}, String(v)))));
    };
    kv(
      this.directmap,
      ['DirectMap4k', 'DirectMap2M', 'DirectMap1G'].filter((k) => k in mi).map((k) => [k, `${mi[k]} kB`]),
    );
    kv(
      this.splits,
      Object.keys(vm)
        .filter((k) => k.startsWith('direct_map_'))
        .map((k) => [k, vm[k]!]),
    );
    kv(this.summary, [
      ['policy', mm.policy],
      ['MemTotal', `${mi.MemTotal ?? 0} kB`],
      ['MemFree', `${mi.MemFree ?? 0} kB`],
      ['pageblocks', `${mm.pageblocks} × ${(mm.pages_per_block * 4) / 1024} MiB`],
      ['virtual time', `${(s.now_ns / 1e6).toFixed(3)} ms`],
    ]);
    this.buddy.textContent = mm.buddyinfo;
    this.root.dataset.pageblocks = String(mm.pageblocks);
    this.root.dataset.directmap4k = String(mi.DirectMap4k ?? 0);
    this.root.dataset.level2Splits = String(vm.direct_map_level2_splits ?? 0);
    if (!this.root.hidden) {
      this.draw();
      this.drawChart();
    }
  }

  /** Redraws after the panel becomes visible. */
  refresh(): void {
    if (this.state) {
      this.draw();
      this.drawChart();
    }
  }

  private drawChart(): void {
    const hst = this.history.get(this.machine);
    if (!hst || this.root.hidden) return;
    const width = Math.max(240, this.chartWidth || 320);
    // Virtual time when the machine's clock moved; else the snapshots in order (the mm engine's operations take
    // no virtual time of their own).
    const timed = hst.t.length > 1 && hst.t[hst.t.length - 1]! > hst.t[0]!;
    const xlabel = timed ? 'virtual ms' : 'snapshot (every 0.5 s of the run)';
    const data: uPlot.AlignedData = [timed ? hst.t : hst.seq, hst.l2, hst.l3];
    if (this.plot && Math.abs(this.plot.width - width) < 2 && this.plot.axes[0]!.label === xlabel) {
      this.plot.setData(data);
      return;
    }
    this.plot?.destroy();
    this.chartBox.textContent = '';
    this.plot = renderChart(
      this.chartBox,
      {
        name: 'splits',
        kind: 'line',
        xlabel,
        series: [
          { label: 'level2 (2M→4K)', points: [] },
          { label: 'level3 (1G→2M)', points: [] },
        ],
      },
      width,
      170,
      false,
    );
    this.plot.setData(data);
  }

  /** Draws the map: one pixel per pageblock off screen, scaled up to the cell size. */
  draw(): void {
    const mm = this.state;
    if (!mm || this.root.hidden) return;
    performance.mark('mm-draw-start');
    const n = mm.pageblocks;
    // 1G = 512 pageblocks of 2M: rows of 64/128/256 blocks keep 1G boundaries on row boundaries.
    this.cols = n <= 4096 ? 64 : n <= 8192 ? 128 : 256;
    const rows = Math.ceil(n / this.cols);
    const avail = Math.max(64, (this.width || this.root.clientWidth) - 8);
    const zoom = Number(this.zoomSel.value);
    this.cell = zoom || Math.max(1, Math.min(14, Math.floor(avail / this.cols)));
    const mode = this.modeSel.value as Mode;
    if (this.off.width !== this.cols || this.off.height !== rows) {
      this.off.width = this.cols;
      this.off.height = rows;
    }
    const octx = this.off.getContext('2d')!;
    const img = octx.createImageData(this.cols, rows);
    const px = new Uint32Array(img.data.buffer);
    const ppb = mm.pages_per_block;
    const bg = rgb('#202024');
    const mtCols = mm.migratetypes.map((name) => rgb(MT_COLORS[name] ?? '#888888'));
    const overlayOn = [false, this.overlay[1]!.checked, this.overlay[2]!.checked, this.overlay[3]!.checked];
    const lvlCols = [bg, rgb(LEVEL_COLORS[1]!), rgb(LEVEL_COLORS[2]!), rgb(LEVEL_COLORS[3]!)];
    // Colours come from a lookup table indexed by the few values that decide them (0 = not computed yet).
    const lut = new Uint32Array(mode === 'migratetype' ? Math.max(1, mtCols.length) * 17 * 4 : (ppb + 1) * 2 * 4);
    const bgU = rgb('#33333a');
    const blockU = rgb('#2f3a66');
    const hue = rgb(mode === 'allocated' ? '#e8a33d' : mode === 'free' ? '#5cb85c' : '#d94fa0');
    const { migratetype, free, pcp, cache_free, allocated, unmapped, unmapped_block, level } = mm;
    for (let i = 0; i < n; i++) {
      const lvl = level[i]!;
      let key: number;
      let v = 0;
      let flag = 0;
      if (mode === 'migratetype') {
        v = Math.round(((ppb - free[i]! - pcp[i]! - cache_free[i]!) / ppb) * 16);
        key = (migratetype[i]! * 17 + v) * 4 + lvl;
      } else {
        v = mode === 'allocated' ? allocated[i]! : mode === 'free' ? free[i]! + pcp[i]! + cache_free[i]! : unmapped[i]!;
        v = v < 0 ? 0 : v > ppb ? ppb : v;
        flag = mode === 'unmapped' ? (unmapped_block[i]! ? 1 : 0) : 0;
        key = (v * 2 + flag) * 4 + lvl;
      }
      const hit = lut[key];
      if (hit) {
        px[i] = hit;
        continue;
      }
      let c: [number, number, number];
      if (mode === 'migratetype') c = mix(bg, mtCols[migratetype[i]!] ?? [136, 136, 136], 0.35 + 0.65 * (v / 16));
      else c = v === 0 ? (flag ? blockU : bg) : mix(flag ? blockU : bgU, hue, 0.25 + 0.75 * (v / ppb));
      if (overlayOn[lvl]) c = mix(c, lvlCols[lvl]!, lvl === 1 ? 0.7 : 0.45);
      px[i] = lut[key] = pack(c);
    }
    octx.putImageData(img, 0, 0);
    const w = this.cols * this.cell;
    const hgt = rows * this.cell;
    if (this.canvas.width !== w || this.canvas.height !== hgt) {
      this.canvas.width = w;
      this.canvas.height = hgt;
    }
    const ctx = this.canvas.getContext('2d')!;
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(this.off, 0, 0, w, hgt);
    // Thin lines between 1G ranges (512 blocks).
    const rowsPerG = 512 / this.cols;
    ctx.fillStyle = 'rgba(255,255,255,0.35)';
    if (rowsPerG * this.cell >= 12) for (let r = rowsPerG; r < rows; r += rowsPerG) ctx.fillRect(0, r * this.cell, w, 1);
    performance.mark('mm-draw-end');
    const m = performance.measure('mm-draw', 'mm-draw-start', 'mm-draw-end');
    this.lastDrawMs = m.duration;
    this.root.dataset.drawMs = m.duration.toFixed(2);
    this.canvas.dataset.cells = String(n);
    this.canvas.dataset.cols = String(this.cols);
    this.canvas.dataset.cell = String(this.cell);
    this.drawLegend(mode, mm);
  }

  private drawLegend(mode: Mode, mm: Mm): void {
    const sw = (color: string, label: string): HTMLElement => h('span', {}, h('i', { style: `background:${color}` }), label);
    const items: HTMLElement[] =
      mode === 'migratetype'
        ? mm.migratetypes.map((m) => sw(MT_COLORS[m] ?? '#888', m)).concat([h('span', { class: 'muted' }, 'dim = mostly free')])
        : [sw({ allocated: '#e8a33d', free: '#5cb85c', unmapped: '#d94fa0' }[mode], `${mode} pages (brighter = more)`)];
    if (mode === 'unmapped') items.push(sw('#2f3a66', 'unmapped pageblock'));
    for (const l of [3, 2, 1]) if (this.overlay[l]!.checked) items.push(sw(LEVEL_COLORS[l]!, `${LEVEL_NAMES[l]} leaf`));
    this.legend.replaceChildren(...items);
  }

  private onHover(e: MouseEvent): void {
    const mm = this.state;
    if (!mm) return;
    const r = this.canvas.getBoundingClientRect();
    const col = Math.floor((e.clientX - r.left) / this.cell);
    const row = Math.floor((e.clientY - r.top) / this.cell);
    if (col < 0 || col >= this.cols) return;
    const i = row * this.cols + col;
    if (i < 0 || i >= mm.pageblocks) return;
    this.describe(i);
  }

  /** Shows pageblock `i`'s details in the hover line (also what a test can call through hovering). */
  describe(i: number): void {
    const mm = this.state!;
    const ppb = mm.pages_per_block;
    const pfn = i * ppb;
    this.canvas.dataset.hover = String(i);
    const mt = mm.migratetypes[mm.migratetype[i]!] ?? String(mm.migratetype[i]);
    this.hover.textContent =
      `pageblock ${i} · pfn 0x${pfn.toString(16)}–0x${(pfn + ppb - 1).toString(16)} · ${mt} · ` +
      `allocated ${mm.allocated[i]} · free ${mm.free[i]} · pcp ${mm.pcp[i]} · cache ${mm.cache_free[i]} · ` +
      `unmapped ${mm.unmapped[i]}${mm.unmapped_block[i] ? ' (unmapped block)' : ''} · direct map ${LEVEL_NAMES[mm.level[i]!] ?? '?'}`;
  }
}
