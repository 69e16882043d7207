/**
 * The memory panel: one canvas cell per pageblock (drawn as one pixel per block into an off-screen canvas, then
 * scaled without smoothing, so 32,768 blocks at 64G stay cheap), coloured by migratetype / allocation / free /
 * unmapped pages, with the direct-map leaf level as an overlay; the DirectMap lines, the split counters and a
 * chart of them over virtual time; buddyinfo; a pageblock's details on hover.
 *
 * The canvas is a viewport on the map: the wheel, the zoom buttons and the keyboard zoom it, dragging and
 * Shift+arrows pan it. From FRAME_MIN_CELL pixels per pageblock on, the visible pageblocks are drawn frame by frame
 * (512 frames as 32 columns × 16 rows inside the pageblock's cell), from the frames of the run's final state.
 */
import type { MachineState } from '../../src-main/contract';
import { h } from '../dom';
import {
  FRAME_KINDS,
  FrameMap,
  K_ALLOC,
  K_ALLOC_MOVABLE,
  K_CACHE_ALLOC,
  K_CACHE_FREE,
  K_FREE,
  K_NONE,
  K_PCP,
  K_PGTABLE,
  K_RESERVED,
  K_SECRETMEM,
  unpackCode,
} from './memory-frames';
import { PressureChart } from './memory-pressure-chart';
import { SplitsChart } from './memory-splits-chart';
import { ZONE_LINE, drawZoneBoundaries, renderZoneBars } from './memory-zones';
import {
  FRAME_COLORS,
  LEVEL_COLORS,
  LEVEL_NAMES,
  MT_COLORS,
  type Mode,
  mix,
  pack,
  paintBlocks,
  rgb,
} from './memory-colours';

type Mm = MachineState['mm'];

/** Pixels per pageblock from which the frames are drawn (a frame is then 2 × 4 px). */
const FRAME_MIN_CELL = 64;
const MAX_CELL = 1024;
/** Tallest the map's viewport gets, in CSS pixels. */
const VIEW_MAX_H = 512;
/** A pageblock's 512 frames as 32 columns × 16 rows. */
const FCOLS = 32;

export class MemoryPanel {
  private readonly canvas = h('canvas', {
    'data-testid': 'mm-canvas',
    'aria-label': 'physical memory, one cell per pageblock; + and - zoom, 0 fits, arrows move, Shift+arrows pan',
  });
  private readonly off = document.createElement('canvas');
  private readonly frameOff = document.createElement('canvas');
  private readonly scroller = h('div', { class: 'mm-scroller' }, this.canvas);
  private readonly hover = h(
    'div',
    { class: 'mm-hover', 'data-testid': 'mm-hover' },
    'Hover a pageblock for its details.',
  );
  private readonly modeSel = h(
    'select',
    { 'data-testid': 'mm-mode', 'aria-label': 'colour pageblocks by' },
    h('option', { value: 'migratetype' }, 'migratetype'),
    h('option', { value: 'allocated' }, 'allocated'),
    h('option', { value: 'free' }, 'free'),
    h('option', { value: 'unmapped' }, 'unmapped'),
  );
  private readonly zoomIn = h(
    'button',
    { type: 'button', 'data-testid': 'mm-zoom-in', 'aria-label': 'zoom in', title: 'Zoom in (+)' },
    '+',
  );
  private readonly zoomOut = h(
    'button',
    { type: 'button', 'data-testid': 'mm-zoom-out', 'aria-label': 'zoom out', title: 'Zoom out (-)' },
    '−',
  );
  private readonly zoomFit = h(
    'button',
    { type: 'button', 'data-testid': 'mm-zoom-fit', 'aria-label': 'zoom to fit the whole map', title: 'Fit (0)' },
    'fit',
  );
  private readonly zoomLabel = h('span', {
    class: 'muted small',
    'data-testid': 'mm-zoom-level',
    'aria-live': 'polite',
  });
  private readonly gotoInput = h('input', {
    type: 'text',
    size: 10,
    placeholder: 'pfn',
    'data-testid': 'mm-goto',
    'aria-label': 'go to a frame: pfn in hex (0x…) or decimal, then Enter',
  });
  private readonly framesNote = h('div', { class: 'muted small', 'data-testid': 'mm-frames-note' });
  private readonly overlay: Record<number, HTMLInputElement> = {};
  private readonly legend = h('div', { class: 'legend mm-legend' });
  private readonly directmap = h('div', { class: 'kv', 'data-testid': 'mm-directmap' });
  private readonly splits = h('div', { class: 'kv', 'data-testid': 'mm-splits' });
  private readonly summary = h('div', { class: 'kv', 'data-testid': 'mm-summary' });
  private readonly buddy = h('pre', { class: 'mono small', 'data-testid': 'mm-buddyinfo' });
  private readonly splitChart = new SplitsChart();
  private readonly zoneBars = h('div', { class: 'mm-zones', 'data-testid': 'mm-zones' });
  private readonly pressure = new PressureChart();
  private readonly empty = h(
    'div',
    { class: 'empty' },
    'Run a script that calls boot(): its physical memory shows here.',
  );
  private readonly body: HTMLElement;
  private state: Mm | undefined;
  /** The frames of the shown state (decoded once per state), or why there are none. */
  private frames: FrameMap | undefined;
  private framesWhy = '';
  private readonly decoded = new WeakMap<Mm, FrameMap | string>();
  private cols = 64;
  private rows = 64;
  /** Pixels per pageblock: fitCell unless zoomed. */
  private cell = 4;
  private fitCell = 4;
  private zoomed = false;
  /** The frame "Go to pfn" (or the keyboard) chose: zooming keeps it centred and described, until the user pans. */
  private target: number | undefined;
  /** The viewport's top-left corner in map pixels, and its size. */
  private panX = 0;
  private panY = 0;
  private viewW = 0;
  private viewH = 0;
  /** What the off-screen pageblock image was painted for (repainted only when it changes). */
  private offKey = '';
  private offState: Mm | undefined;
  private frameLut = new Map<number, number>();
  private wheelAcc = 0;
  private drag: { x: number; y: number; panX: number; panY: number; moved: boolean } | undefined;
  private machine = 0;
  lastDrawMs = 0;
  private width = 0;

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
    this.zoomIn.addEventListener('click', () => this.zoomBy(2));
    this.zoomOut.addEventListener('click', () => this.zoomBy(0.5));
    this.zoomFit.addEventListener('click', () => this.fit());
    this.gotoInput.addEventListener('keydown', (e) => {
      if (e.key !== 'Enter') return;
      e.preventDefault();
      const v = this.gotoInput.value.trim();
      const pfn = /^0x[0-9a-f]+$/i.test(v) ? parseInt(v, 16) : /^\d+$/.test(v) ? Number(v) : NaN;
      if (!this.state || !Number.isInteger(pfn) || pfn < 0 || pfn >= this.state.nframes) {
        this.gotoInput.setAttribute('aria-invalid', 'true');
        this.hover.textContent = `no frame '${v}' on this machine (pfn 0 to 0x${((this.state?.nframes ?? 1) - 1).toString(16)})`;
        return;
      }
      this.gotoInput.removeAttribute('aria-invalid');
      this.goToFrame(pfn);
    });
    this.canvas.addEventListener('mousedown', (e) => {
      if (e.button !== 0) return;
      this.drag = { x: e.clientX, y: e.clientY, panX: this.panX, panY: this.panY, moved: false };
    });
    window.addEventListener('mouseup', () => (this.drag = undefined));
    this.canvas.addEventListener('mousemove', (e) => {
      const d = this.drag;
      if (d && e.buttons & 1 && this.zoomed) {
        const dx = e.clientX - d.x;
        const dy = e.clientY - d.y;
        if (d.moved || Math.abs(dx) + Math.abs(dy) > 3) {
          d.moved = true;
          this.target = undefined;
          this.panTo(d.panX - dx, d.panY - dy);
          return;
        }
      }
      this.onHover(e);
    });
    this.canvas.addEventListener('mouseleave', () => {
      delete this.canvas.dataset.hover;
      delete this.canvas.dataset.hoverPfn;
      // Going for the zoom buttons must not lose the chosen frame.
      if (this.target !== undefined && this.state && this.target < this.state.nframes) {
        this.describeFrame(this.target);
      }
    });
    this.canvas.addEventListener(
      'wheel',
      (e) => {
        // At fit, scrolling down is left to the page (there is nothing to zoom out of).
        if (!this.state || (!this.zoomed && e.deltaY > 0)) return;
        e.preventDefault();
        this.wheelAcc += e.deltaMode === 1 ? e.deltaY * 33 : e.deltaMode === 2 ? e.deltaY * 400 : e.deltaY;
        if (Math.abs(this.wheelAcc) < 50) return;
        const r = this.canvas.getBoundingClientRect();
        this.zoomBy(this.wheelAcc < 0 ? 2 : 0.5, e.clientX - r.left, e.clientY - r.top);
        this.wheelAcc = 0;
      },
      { passive: false },
    );
    // Keyboard: the arrows walk the pageblocks (a row is this.cols blocks), or the frames in the frame view
    // (a row of a pageblock is 32 frames); Shift+arrows pan; + / - zoom; 0 fits; Home / End jump.
    this.canvas.tabIndex = 0;
    this.canvas.addEventListener('keydown', (e) => this.onKey(e));
    const overlays = [3, 2, 1].map((l) => h('label', { class: 'chk' }, this.overlay[l]!, ` ${LEVEL_NAMES[l]}`));
    this.body = h(
      'div',
      { class: 'panel-body', hidden: true },
      h(
        'div',
        { class: 'panel-bar' },
        h('label', {}, 'Colour ', this.modeSel),
        h('span', { class: 'group', role: 'group', 'aria-label': 'direct-map overlay' }, 'Direct map ', ...overlays),
        h(
          'span',
          { class: 'group', role: 'group', 'aria-label': 'zoom' },
          'Zoom ',
          this.zoomOut,
          this.zoomIn,
          this.zoomFit,
          this.zoomLabel,
        ),
        h('label', {}, 'Go to pfn ', this.gotoInput),
      ),
      this.legend,
      this.scroller,
      this.hover,
      this.framesNote,
      h('h4', {}, 'Zones (/proc/zoneinfo): free pages and watermarks'),
      this.zoneBars,
      this.pressure.el,
      h(
        'div',
        { class: 'mm-facts' },
        h(
          'section',
          {},
          h('h4', {}, 'Direct map'),
          this.directmap,
          h('h4', {}, 'Splits (vmstat)'),
          this.splits,
          h('h4', {}, 'Memory'),
          this.summary,
        ),
        h('section', {}, h('h4', {}, 'Splits during the run'), this.splitChart.box),
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
      if (w && w !== this.splitChart.width) {
        this.splitChart.width = w;
        if (this.state && !root.hidden) this.drawChart();
      }
    }).observe(this.splitChart.box);
    new ResizeObserver((entries) => {
      const w = Math.round(entries[entries.length - 1]!.contentRect.width);
      if (w && w !== this.pressure.width) {
        this.pressure.width = w;
        if (this.state && !root.hidden) this.pressure.draw();
      }
    }).observe(this.pressure.el);
  }

  /** Forgets the split history (a new run starts). */
  reset(): void {
    this.splitChart.reset();
  }

  /** Records a machine's counters for the splits chart (every machine event, whichever machine is shown). */
  record(s: MachineState): void {
    this.splitChart.record(s);
  }

  show(s: MachineState | undefined): void {
    this.empty.hidden = !!s;
    this.body.hidden = !s;
    if (!s) {
      this.state = undefined;
      this.frames = undefined;
      delete this.root.dataset.pageblocks;
      return;
    }
    this.state = s.mm;
    this.machine = s.index;
    this.decodeFrames(s.mm);
    const mm = s.mm;
    const mi = mm.meminfo;
    const vm = mm.vmstat;
    const kv = (el: HTMLElement, rows: [string, string | number][]): void => {
      el.replaceChildren(
        ...rows.map(([k, v]) => h('div', { 'data-key': k }, h('span', {}, `${k}:`), h('b', {}, String(v)))),
      );
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
      ['memory', `${mm.nframes * 4} kB`],
      ['memmap (reserved)', `${(mm.nframes - mm.managed_pages) * 4} kB`],
      ['MemTotal', `${mi.MemTotal ?? 0} kB`],
      ['MemFree', `${mi.MemFree ?? 0} kB`],
      ['MemAvailable', `${mi.MemAvailable ?? 0} kB`],
      ['Cached', `${mi.Cached ?? 0} kB`],
      ['pageblocks', `${mm.pageblocks} × ${(mm.pages_per_block * 4) / 1024} MiB`],
      ['virtual time', `${(s.now_ns / 1e6).toFixed(3)} ms`],
    ]);
    this.buddy.textContent = mm.buddyinfo;
    renderZoneBars(this.zoneBars, mm);
    this.pressure.show(mm);
    this.root.dataset.pageblocks = String(mm.pageblocks);
    this.root.dataset.directmap4k = String(mi.DirectMap4k ?? 0);
    this.root.dataset.level2Splits = String(vm.direct_map_level2_splits ?? 0);
    if (!this.root.hidden) {
      this.draw();
      this.drawChart();
    }
  }

  /** Decodes the state's frames once (kept per state object), and says in the note what the frame view can show. */
  private decodeFrames(mm: Mm): void {
    let d = this.decoded.get(mm);
    if (d === undefined) {
      if (!mm.frames)
        d = "the frames come with the run's final state (the states sent while it runs carry pageblocks only)";
      else {
        try {
          d = FrameMap.decode(mm.frames, mm.nframes, mm.pages_per_block);
        } catch (e) {
          d = `the frames could not be decoded (${(e as Error).message})`;
        }
      }
      this.decoded.set(mm, d);
    }
    this.frames = typeof d === 'string' ? undefined : d;
    this.framesWhy = typeof d === 'string' ? d : '';
    const fmt = (x: number): string => x.toLocaleString('en-US');
    let note: string;
    if (!this.frames) note = `Frames: ${this.framesWhy}.`;
    else if (this.frames.coveredBlocks >= mm.pageblocks) {
      note = `Frames: all ${fmt(mm.pageblocks)} pageblocks (${fmt(this.frames.totalRuns)} runs). Zoom in to ${FRAME_MIN_CELL} px per pageblock, or go to a pfn, to see them.`;
    } else {
      note =
        `Frames: ${fmt(this.frames.coveredBlocks)} of ${fmt(mm.pageblocks)} pageblocks — the final state carries at most ` +
        `${fmt(this.frames.cap)} runs and this machine needs ${fmt(this.frames.totalRuns)}; pageblocks with a split direct map ` +
        `or unmapped pages come first, then the others in pfn order.`;
    }
    this.framesNote.textContent = note;
    this.root.dataset.frameBlocks = String(this.frames?.coveredBlocks ?? 0);
  }

  /** Redraws after the panel becomes visible. */
  refresh(): void {
    if (this.state) {
      this.draw();
      this.drawChart();
      this.pressure.draw();
    }
  }

  private drawChart(): void {
    if (!this.root.hidden) this.splitChart.draw(this.machine);
  }

  /** True when the visible pageblocks are drawn frame by frame. */
  private get frameView(): boolean {
    return this.cell >= FRAME_MIN_CELL;
  }

  /** Zooms by `factor` (2 or 0.5) keeping the map point under (ax, ay) (viewport pixels; default its centre) in place. */
  zoomBy(factor: number, ax?: number, ay?: number): void {
    if (!this.state) return;
    let next = Math.round(this.cell * factor);
    if (next <= this.fitCell) return this.fit(true);
    next = Math.min(MAX_CELL, next);
    if (next === this.cell) return;
    // The buttons and keys zoom about the chosen frame when there is one, else about the viewport's centre.
    const keep =
      ax === undefined && this.target !== undefined && this.target < this.state.nframes ? this.target : undefined;
    ax ??= this.viewW / 2;
    ay ??= this.viewH / 2;
    const wx = (this.panX + ax) / this.cell;
    const wy = (this.panY + ay) / this.cell;
    this.zoomed = true;
    this.cell = next;
    this.panX = wx * next - ax;
    this.panY = wy * next - ay;
    if (keep !== undefined) return this.centreOn(keep);
    this.draw();
  }

  /** Fits the whole map; `keepTarget` (zooming out to the end) keeps the chosen frame for the next zoom in. */
  fit(keepTarget = false): void {
    if (!keepTarget) this.target = undefined;
    this.zoomed = false;
    this.panX = 0;
    this.panY = 0;
    this.draw();
    if (keepTarget && this.target !== undefined && this.state && this.target < this.state.nframes)
      this.describeFrame(this.target);
  }

  /** Centres frame pfn in the viewport at this zoom and describes it (which draws). */
  private centreOn(pfn: number): void {
    // A first draw sizes the viewport for this zoom; then centre the frame in it.
    this.draw();
    const [x, y, w, hh] = this.frameRect(pfn);
    this.panX = x + w / 2 - this.viewW / 2;
    this.panY = y + hh / 2 - this.viewH / 2;
    this.describeFrame(pfn);
  }

  private panTo(x: number, y: number): void {
    this.panX = x;
    this.panY = y;
    this.draw();
  }

  /** Zooms to the frame view (if not there yet), centres frame pfn and describes it. */
  goToFrame(pfn: number): void {
    const mm = this.state;
    if (!mm) return;
    if (!this.frameView) {
      this.zoomed = true;
      this.cell = Math.min(MAX_CELL, Math.max(this.fitCell, 2 * FRAME_MIN_CELL));
    }
    this.target = pfn;
    this.centreOn(pfn);
  }

  /** A frame's rectangle in map pixels: [x, y, width, height]. */
  private frameRect(pfn: number): [number, number, number, number] {
    const ppb = this.state!.pages_per_block;
    const frows = ppb / FCOLS;
    const b = Math.floor(pfn / ppb);
    const k = pfn - b * ppb;
    const fw = this.cell / FCOLS;
    const fh = this.cell / frows;
    return [
      (b % this.cols) * this.cell + (k % FCOLS) * fw,
      Math.floor(b / this.cols) * this.cell + Math.floor(k / FCOLS) * fh,
      fw,
      fh,
    ];
  }

  /** Pans so that a map rectangle is inside the viewport. */
  private reveal(x: number, y: number, w: number, hh: number): void {
    if (x < this.panX) this.panX = x;
    else if (x + w > this.panX + this.viewW) this.panX = x + w - this.viewW;
    if (y < this.panY) this.panY = y;
    else if (y + hh > this.panY + this.viewH) this.panY = y + hh - this.viewH;
  }

  private onKey(e: KeyboardEvent): void {
    const mm = this.state;
    if (!mm) return;
    if (e.key === '+' || e.key === '=') this.zoomBy(2);
    else if (e.key === '-' || e.key === '_') this.zoomBy(0.5);
    else if (e.key === '0') this.fit();
    else if (e.shiftKey && e.key.startsWith('Arrow')) {
      const dx = e.key === 'ArrowLeft' ? -1 : e.key === 'ArrowRight' ? 1 : 0;
      const dy = e.key === 'ArrowUp' ? -1 : e.key === 'ArrowDown' ? 1 : 0;
      this.target = undefined;
      this.panTo(this.panX + (dx * this.viewW) / 4, this.panY + (dy * this.viewH) / 4);
    } else if (this.frameView) {
      const step: Record<string, number> = { ArrowLeft: -1, ArrowRight: 1, ArrowUp: -FCOLS, ArrowDown: FCOLS };
      const cur = Number(this.canvas.dataset.hoverPfn ?? -1);
      let next: number | undefined;
      if (e.key in step) {
        if (cur >= 0) next = cur + step[e.key]!;
        else {
          // Start from the first frame of the first visible pageblock.
          const b =
            Math.floor(Math.max(0, this.panY) / this.cell) * this.cols + Math.floor(Math.max(0, this.panX) / this.cell);
          next = b * mm.pages_per_block;
        }
      } else if (e.key === 'Home') next = 0;
      else if (e.key === 'End') next = mm.nframes - 1;
      if (next === undefined) return;
      next = Math.max(0, Math.min(mm.nframes - 1, next));
      this.target = next;
      this.reveal(...this.frameRect(next));
      this.describeFrame(next);
    } else {
      const step: Record<string, number> = { ArrowLeft: -1, ArrowRight: 1, ArrowUp: -this.cols, ArrowDown: this.cols };
      const cur = Number(this.canvas.dataset.hover ?? -1);
      let next: number | undefined;
      if (e.key in step) next = cur < 0 ? 0 : cur + step[e.key]!;
      else if (e.key === 'Home') next = 0;
      else if (e.key === 'End') next = mm.pageblocks - 1;
      if (next === undefined) return;
      next = Math.max(0, Math.min(mm.pageblocks - 1, next));
      if (this.zoomed) {
        this.reveal((next % this.cols) * this.cell, Math.floor(next / this.cols) * this.cell, this.cell, this.cell);
        this.draw();
      }
      this.describe(next);
    }
    e.preventDefault();
  }

  /** The colour of a frame code in a pageblock of migratetype mt (cached per code and migratetype). */
  private frameColour(code: number, mt: number, mm: Mm): number {
    const key = code | (mt << 11); // the overlay is drawn as outlines: the colour depends on code and migratetype only
    const hit = this.frameLut.get(key);
    if (hit !== undefined) return hit;
    const f = unpackCode(code);
    const mtName = (i: number): string => mm.migratetypes[i] ?? '';
    let c: [number, number, number];
    if (f.kind === K_SECRETMEM) c = rgb(FRAME_COLORS.secretmem);
    else if (f.kind === K_RESERVED) c = rgb(FRAME_COLORS.reserved);
    else if (f.kind === K_PGTABLE) c = rgb(FRAME_COLORS.pgtable);
    else if (f.unmapped)
      c =
        f.kind === K_ALLOC || f.kind === K_ALLOC_MOVABLE || f.kind === K_CACHE_ALLOC
          ? rgb(FRAME_COLORS.unmapped)
          : mix(rgb(FRAME_COLORS.unmapped), rgb('#202024'), 0.55);
    else if (f.kind === K_FREE) c = mix(rgb(FRAME_COLORS.freeLow), rgb(FRAME_COLORS.freeHigh), f.order / 10);
    else if (f.kind === K_PCP) c = rgb(FRAME_COLORS.pcp);
    else if (f.kind === K_CACHE_FREE) c = rgb(FRAME_COLORS.cacheFree);
    else if (f.kind === K_ALLOC_MOVABLE) c = rgb(MT_COLORS.Movable!);
    else if (f.kind === K_ALLOC || f.kind === K_CACHE_ALLOC) {
      // The model records only whether an allocation was movable: a non-movable one shows its pageblock's
      // migratetype, or Unmovable when it sits in a Movable pageblock.
      const name = mtName(mt) === 'Movable' ? 'Unmovable' : mtName(mt);
      c = rgb(MT_COLORS[name] ?? '#888888');
    } else c = rgb(FRAME_COLORS.none);
    const v = pack(c);
    this.frameLut.set(key, v);
    return v;
  }

  /** Draws the frames of the visible pageblocks that the state carries, one pixel each, scaled into their cells. */
  private drawFrames(ctx: CanvasRenderingContext2D, mm: Mm, frames: FrameMap): number {
    const ppb = mm.pages_per_block;
    const frows = ppb / FCOLS;
    const n = mm.pageblocks;
    const c0 = Math.max(0, Math.floor(this.panX / this.cell));
    const c1 = Math.min(this.cols, Math.ceil((this.panX + this.viewW) / this.cell));
    const r0 = Math.max(0, Math.floor(this.panY / this.cell));
    const r1 = Math.min(this.rows, Math.ceil((this.panY + this.viewH) / this.cell));
    if (c1 <= c0 || r1 <= r0) return 0;
    const fw = (c1 - c0) * FCOLS;
    const fh = (r1 - r0) * frows;
    if (this.frameOff.width !== fw || this.frameOff.height !== fh) {
      this.frameOff.width = fw;
      this.frameOff.height = fh;
    }
    const fctx = this.frameOff.getContext('2d')!;
    const img = fctx.createImageData(fw, fh);
    const px = new Uint32Array(img.data.buffer);
    const codes = new Int32Array(ppb);
    let drawn = 0;
    for (let r = r0; r < r1; r++) {
      for (let c = c0; c < c1; c++) {
        const b = r * this.cols + c;
        if (b >= n) continue;
        if (!frames.covered[b]) {
          // Left out of a capped encoding: a grey veil over the pageblock's colour says there are no frames to show.
          const veil = ((0xa0 << 24) | (0x4c << 16) | (0x46 << 8) | 0x46) >>> 0; // 0xAABBGGRR
          for (let y = 0; y < frows; y++) {
            const row = ((r - r0) * frows + y) * fw + (c - c0) * FCOLS;
            px.fill(veil, row, row + FCOLS);
          }
          continue;
        }
        drawn++;
        frames.fill(b * ppb, ppb, codes);
        const mt = mm.migratetype[b]!;
        const x0 = (c - c0) * FCOLS;
        const y0 = (r - r0) * frows;
        for (let k = 0; k < ppb; k++) {
          const code = codes[k]!;
          if (code < 0) continue;
          px[(y0 + ((k / FCOLS) | 0)) * fw + x0 + (k % FCOLS)] = this.frameColour(code, mt, mm);
        }
      }
    }
    fctx.putImageData(img, 0, 0);
    ctx.setTransform(
      this.cell / FCOLS,
      0,
      0,
      this.cell / frows,
      c0 * this.cell - this.panX,
      r0 * this.cell - this.panY,
    );
    ctx.drawImage(this.frameOff, 0, 0);
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    // The direct-map overlay: the leaf covering a pageblock's frames (one level per pageblock) as a 1 px outline on
    // the cell's edge, so that it hides at most half of the edge frames' pixels.
    ctx.lineWidth = 1;
    for (let r = r0; r < r1; r++) {
      for (let c = c0; c < c1; c++) {
        const b = r * this.cols + c;
        const lvl = b < n ? mm.level[b]! : 0;
        if (!lvl || !this.overlay[lvl]?.checked) continue;
        ctx.strokeStyle = LEVEL_COLORS[lvl]!;
        ctx.strokeRect(c * this.cell - this.panX + 0.5, r * this.cell - this.panY + 0.5, this.cell - 1, this.cell - 1);
      }
    }
    // Frame borders once frames are large enough to tell apart.
    const fwPx = this.cell / FCOLS;
    if (fwPx >= 6) {
      ctx.fillStyle = 'rgba(0,0,0,0.35)';
      for (let x = c0 * this.cell; x <= c1 * this.cell; x += fwPx)
        ctx.fillRect(Math.round(x - this.panX), 0, 1, this.viewH);
      const fhPx = this.cell / frows;
      for (let y = r0 * this.cell; y <= r1 * this.cell; y += fhPx)
        ctx.fillRect(0, Math.round(y - this.panY), this.viewW, 1);
    }
    return drawn;
  }

  /** Draws the visible part of the map: the pageblock image scaled up, then the frames when zoomed in far enough. */
  draw(): void {
    const mm = this.state;
    if (!mm || this.root.hidden) return;
    performance.mark('mm-draw-start');
    const n = mm.pageblocks;
    // 1G = 512 pageblocks of 2M: rows of 64/128/256 blocks keep 1G boundaries on row boundaries.
    this.cols = n <= 4096 ? 64 : n <= 8192 ? 128 : 256;
    this.rows = Math.ceil(n / this.cols);
    const rows = this.rows;
    const avail = Math.max(64, (this.width || this.root.clientWidth) - 8);
    this.fitCell = Math.max(1, Math.min(14, Math.floor(avail / this.cols), Math.floor(VIEW_MAX_H / rows)));
    if (!this.zoomed || this.cell <= this.fitCell) {
      this.zoomed = false;
      this.cell = this.fitCell;
    }
    const worldW = this.cols * this.cell;
    const worldH = rows * this.cell;
    this.viewW = Math.min(worldW, Math.max(this.fitCell * this.cols, Math.floor(avail)));
    this.viewH = Math.min(worldH, Math.max(rows * this.fitCell, VIEW_MAX_H));
    this.panX = Math.round(Math.max(0, Math.min(worldW - this.viewW, this.panX)));
    this.panY = Math.round(Math.max(0, Math.min(worldH - this.viewH, this.panY)));
    const mode = this.modeSel.value as Mode;
    const key = `${mode}|${[1, 2, 3].map((l) => (this.overlay[l]!.checked ? 1 : 0)).join('')}`;
    if (this.offState !== mm || this.offKey !== key) {
      paintBlocks(this.off, mm, mode, this.cols, this.rows, [
        false,
        this.overlay[1]!.checked,
        this.overlay[2]!.checked,
        this.overlay[3]!.checked,
      ]);
      if (this.offKey !== key || this.offState?.migratetypes.join() !== mm.migratetypes.join()) this.frameLut.clear();
      this.offState = mm;
      this.offKey = key;
    }
    if (this.canvas.width !== this.viewW || this.canvas.height !== this.viewH) {
      this.canvas.width = this.viewW;
      this.canvas.height = this.viewH;
    }
    const ctx = this.canvas.getContext('2d')!;
    ctx.imageSmoothingEnabled = false;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.fillStyle = '#202024';
    ctx.fillRect(0, 0, this.viewW, this.viewH);
    ctx.setTransform(this.cell, 0, 0, this.cell, -this.panX, -this.panY);
    ctx.drawImage(this.off, 0, 0);
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    let frameBlocks = 0;
    if (this.frameView && this.frames) frameBlocks = this.drawFrames(ctx, mm, this.frames);
    // Lines between pageblocks once cells are large, and between 1G ranges (512 blocks).
    if (this.cell >= 24) {
      ctx.fillStyle = 'rgba(255,255,255,0.22)';
      for (let c = Math.ceil(this.panX / this.cell); c * this.cell <= this.panX + this.viewW; c++)
        ctx.fillRect(c * this.cell - this.panX, 0, 1, this.viewH);
      for (let r = Math.ceil(this.panY / this.cell); r * this.cell <= this.panY + this.viewH; r++)
        ctx.fillRect(0, r * this.cell - this.panY, this.viewW, 1);
    }
    const rowsPerG = 512 / this.cols;
    ctx.fillStyle = 'rgba(255,255,255,0.35)';
    if (rowsPerG * this.cell >= 12) {
      for (let r = rowsPerG; r < rows; r += rowsPerG) {
        const y = r * this.cell - this.panY;
        if (y >= 0 && y <= this.viewH) ctx.fillRect(0, y, this.viewW, 1);
      }
    }
    this.canvas.dataset.zones = drawZoneBoundaries(ctx, mm, {
      cols: this.cols,
      cell: this.cell,
      panX: this.panX,
      panY: this.panY,
      labels: !this.frameView,
    });
    this.drawSelection(ctx);
    performance.mark('mm-draw-end');
    const m = performance.measure('mm-draw', 'mm-draw-start', 'mm-draw-end');
    this.lastDrawMs = m.duration;
    this.root.dataset.drawMs = m.duration.toFixed(2);
    const ds = this.canvas.dataset;
    ds.cells = String(n);
    ds.cols = String(this.cols);
    ds.cell = String(this.cell);
    ds.panX = String(this.panX);
    ds.panY = String(this.panY);
    ds.view = this.frameView ? 'frames' : 'pageblocks';
    ds.frameBlocks = String(frameBlocks);
    this.zoomLabel.textContent = `${this.zoomed ? `${Math.round((this.cell / this.fitCell) * 10) / 10}×` : 'fit'} · ${
      this.frameView
        ? this.frames
          ? '4 KiB frames'
          : 'pageblocks (no frames)'
        : `pageblocks${this.frames ? ` (frames from ${FRAME_MIN_CELL} px per pageblock)` : ''}`
    }`;
    this.zoomOut.disabled = !this.zoomed;
    this.zoomIn.disabled = this.cell >= MAX_CELL;
    this.drawLegend(mode, mm);
  }

  /** Outlines the described pageblock or frame. */
  private drawSelection(ctx: CanvasRenderingContext2D): void {
    const pfn = Number(this.canvas.dataset.hoverPfn ?? -1);
    const blk = Number(this.canvas.dataset.hover ?? -1);
    let rect: [number, number, number, number] | undefined;
    if (this.frameView && pfn >= 0) rect = this.frameRect(pfn);
    else if (this.zoomed && blk >= 0)
      rect = [(blk % this.cols) * this.cell, Math.floor(blk / this.cols) * this.cell, this.cell, this.cell];
    if (!rect) return;
    // Drawn just outside the cell, so that the frame's own colour stays visible even at 2 px.
    ctx.strokeStyle = '#ffffff';
    ctx.lineWidth = 1;
    ctx.strokeRect(
      Math.round(rect[0] - this.panX) - 0.5,
      Math.round(rect[1] - this.panY) - 0.5,
      Math.round(rect[2]) + 1,
      Math.round(rect[3]) + 1,
    );
  }

  private drawLegend(mode: Mode, mm: Mm): void {
    const sw = (color: string, label: string): HTMLElement =>
      h('span', {}, h('i', { style: `background:${color}` }), label);
    let items: HTMLElement[];
    if (this.frameView && this.frames) {
      items = [
        h('span', { class: 'muted' }, 'frames:'),
        h(
          'span',
          {},
          h('i', { style: `background:linear-gradient(90deg, ${FRAME_COLORS.freeLow}, ${FRAME_COLORS.freeHigh})` }),
          'free (order 0 → 10)',
        ),
        sw(FRAME_COLORS.pcp, 'per-cpu free'),
        ...(mm.policy === 'cache' ? [sw(FRAME_COLORS.cacheFree, 'unmapped-cache free')] : []),
        ...mm.migratetypes
          .filter((m) => m !== 'Isolate' && m !== 'HighAtomic')
          .map((m) => sw(MT_COLORS[m] ?? '#888', `allocated ${m}`)),
        sw(FRAME_COLORS.pgtable, 'page table'),
        sw(FRAME_COLORS.secretmem, 'secretmem'),
        sw(FRAME_COLORS.reserved, 'memmap (reserved)'),
        sw(FRAME_COLORS.unmapped, 'unmapped (dim: free)'),
      ];
    } else {
      items =
        mode === 'migratetype'
          ? mm.migratetypes
              .map((m) => sw(MT_COLORS[m] ?? '#888', m))
              .concat([
                sw(FRAME_COLORS.reserved, 'memmap (reserved)'),
                h('span', { class: 'muted' }, 'dim = mostly free'),
              ])
          : [
              sw(
                { allocated: '#e8a33d', free: '#5cb85c', unmapped: '#d94fa0' }[mode],
                `${mode} pages (brighter = more)`,
              ),
            ];
      if (mode === 'unmapped') items.push(sw('#2f3a66', 'unmapped pageblock'));
    }
    const frameLegend = this.frameView && this.frames;
    for (const l of [3, 2, 1])
      if (this.overlay[l]!.checked)
        items.push(sw(LEVEL_COLORS[l]!, `${LEVEL_NAMES[l]} leaf${frameLegend ? ' (outline)' : ''}`));
    items.push(sw(ZONE_LINE, 'zone boundary'));
    this.legend.replaceChildren(...items);
  }

  private onHover(e: MouseEvent): void {
    const mm = this.state;
    if (!mm) return;
    const r = this.canvas.getBoundingClientRect();
    const x = e.clientX - r.left + this.panX;
    const y = e.clientY - r.top + this.panY;
    const col = Math.floor(x / this.cell);
    const row = Math.floor(y / this.cell);
    if (col < 0 || col >= this.cols) return;
    const i = row * this.cols + col;
    if (i < 0 || i >= mm.pageblocks) return;
    if (this.frameView) {
      const ppb = mm.pages_per_block;
      const fx = Math.min(FCOLS - 1, Math.floor(((x - col * this.cell) / this.cell) * FCOLS));
      const fy = Math.min(ppb / FCOLS - 1, Math.floor(((y - row * this.cell) / this.cell) * (ppb / FCOLS)));
      const pfn = i * ppb + fy * FCOLS + fx;
      if (pfn < mm.nframes) this.describeFrame(pfn);
      return;
    }
    this.describe(i);
  }

  /** Shows pageblock `i`'s details in the hover line (also what a test can call through hovering). */
  describe(i: number): void {
    const mm = this.state!;
    const ppb = mm.pages_per_block;
    const pfn = i * ppb;
    this.canvas.dataset.hover = String(i);
    delete this.canvas.dataset.hoverPfn;
    const mt = mm.migratetypes[mm.migratetype[i]!] ?? String(mm.migratetype[i]);
    const memmap =
      pfn + ppb > mm.managed_pages ? ` · memmap (reserved) from pfn 0x${mm.managed_pages.toString(16)}` : '';
    this.hover.textContent =
      `pageblock ${i} · pfn 0x${pfn.toString(16)}–0x${(pfn + ppb - 1).toString(16)} · ${mt}${memmap} · ` +
      `allocated ${mm.allocated[i]} · free ${mm.free[i]} · pcp ${mm.pcp[i]} · cache ${mm.cache_free[i]} · ` +
      `unmapped ${mm.unmapped[i]}${mm.unmapped_block[i] ? ' (unmapped block)' : ''} · direct map ${LEVEL_NAMES[mm.level[i]!] ?? '?'}`;
  }

  /** Shows frame `pfn`'s details: its state, the block it belongs to, its pageblock's migratetype, its direct-map leaf. */
  describeFrame(pfn: number): void {
    const mm = this.state!;
    const b = Math.floor(pfn / mm.pages_per_block);
    const mt = mm.migratetypes[mm.migratetype[b]!] ?? String(mm.migratetype[b]);
    const ds = this.canvas.dataset;
    ds.hover = String(b);
    ds.hoverPfn = String(pfn);
    const code = this.frames ? this.frames.codeAt(pfn) : -1;
    const where = `pfn 0x${pfn.toString(16)} · pageblock ${b} (${mt})`;
    if (code < 0) {
      for (const k of ['hoverKind', 'hoverOrder', 'hoverLevel', 'hoverUnmapped']) delete ds[k];
      this.hover.textContent = `${where} · no frame data: ${this.frames ? 'this pageblock was left out (see below)' : this.framesWhy}`;
    } else {
      const f = unpackCode(code);
      const kind = FRAME_KINDS[f.kind] ?? `kind ${f.kind}`;
      const head = pfn - (pfn % (1 << f.order));
      const span =
        f.kind === K_NONE
          ? ''
          : f.order
            ? ` (block 0x${head.toString(16)}–0x${(head + (1 << f.order) - 1).toString(16)})`
            : '';
      ds.hoverKind = kind;
      ds.hoverOrder = String(f.order);
      ds.hoverLevel = LEVEL_NAMES[f.level] ?? '?';
      ds.hoverUnmapped = String(f.unmapped);
      this.hover.textContent =
        `${where} · ${kind} · order ${f.order}${span} · direct map ${LEVEL_NAMES[f.level] ?? '?'} leaf · ` +
        (f.unmapped ? 'not present (unmapped)' : 'present');
    }
    if (this.frameView) this.draw();
  }
}
