/**
 * The memory panel's zones (include/linux/mmzone.h node_zones[], as /proc/zoneinfo gives them): their boundaries
 * drawn on the pageblock map with their names, and one bar per populated zone with its free pages against its
 * min / low / high watermarks (mm/page_alloc.c __setup_per_zone_wmarks()).
 */
import type { MachineState } from '../../src-main/contract';
import { h } from '../dom';

type Mm = MachineState['mm'];
export type ZoneWire = Mm['zones'][number];

/** Watermark colours, shared with the pressure chart. */
export const WMARK_COLORS = { min: '#d9534f', low: '#e8a33d', high: '#5cb85c' } as const;
export const ZONE_LINE = '#f8f8f8';

/** The zones with pages (populated_zone()), with their index in node_zones[]. */
export function populatedZones(mm: Mm): { z: ZoneWire; idx: number }[] {
  return mm.zones.map((z, idx) => ({ z, idx })).filter(({ z }) => z.present > 0);
}

/**
 * Draws each populated zone's start on the map: the edge between the pageblocks below and at its first pageblock
 * (a step through the row-major grid), and, unless `labels` is false (the frame view, where a label would hide
 * frames), its name at its first cell. Returns "name:first pageblock" pairs.
 */
export function drawZoneBoundaries(
  ctx: CanvasRenderingContext2D,
  mm: Mm,
  view: { cols: number; cell: number; panX: number; panY: number; labels: boolean },
): string {
  const { cols, cell, panX, panY } = view;
  const out: string[] = [];
  ctx.save();
  ctx.font = `600 ${Math.max(9, Math.min(13, Math.floor(cell * 0.8)))}px system-ui, sans-serif`;
  ctx.textBaseline = 'top';
  for (const { z } of populatedZones(mm)) {
    const b = Math.floor(z.start_pfn / mm.pages_per_block);
    if (b >= mm.pageblocks) continue;
    out.push(`${z.name}:${b}`);
    const r = Math.floor(b / cols);
    const c = b % cols;
    const x = c * cell - panX;
    const y = r * cell - panY;
    ctx.fillStyle = ZONE_LINE;
    if (b > 0) {
      // top edge of cells (r, c … cols-1), the left edge of (r, c), the bottom edge of cells (r, 0 … c-1)
      ctx.fillRect(x, y - 1, cols * cell - c * cell, 2);
      if (c > 0) {
        ctx.fillRect(x - 1, y, 2, cell);
        ctx.fillRect(-panX, y + cell - 1, c * cell, 2);
      }
    }
    if (!view.labels) continue;
    const w = ctx.measureText(z.name).width + 6;
    const th = Math.max(9, Math.min(13, Math.floor(cell * 0.8))) + 4;
    ctx.fillStyle = 'rgba(0,0,0,0.7)';
    ctx.fillRect(x + 2, y + 2, w, th);
    ctx.fillStyle = ZONE_LINE;
    ctx.fillText(z.name, x + 5, y + 4);
  }
  ctx.restore();
  return out.join(',');
}

/** One bar per populated zone: its free pages filled, and the min, low and high watermarks as ticks on it. */
export function renderZoneBars(el: HTMLElement, mm: Mm): void {
  const rows = populatedZones(mm).map(({ z }) => {
    // The bar spans 0 … max(free, 2 × high) pages (at most the managed pages), so that the watermarks, a few
    // percent of a zone, stay apart on it.
    const span = Math.max(1, Math.min(z.managed, Math.max(z.free, 2 * z.high)));
    const pct = (v: number): string => `${Math.min(100, (v / span) * 100).toFixed(3)}%`;
    const tick = (name: 'min' | 'low' | 'high', v: number): HTMLElement =>
      h('span', {
        class: 'mm-wmark',
        'data-wmark': name,
        style: `left:${pct(v)};background:${WMARK_COLORS[name]}`,
        title: `${name} watermark: ${v} pages`,
      });
    const kb = (p: number): string => `${(p * 4).toLocaleString('en-US')} kB`;
    const below =
      z.free < z.min
        ? 'below min'
        : z.free < z.low
          ? 'below low (kswapd wakes)'
          : z.free < z.high
            ? 'below high'
            : 'above high';
    return h(
      'div',
      {
        class: 'mm-zone',
        'data-zone': z.name,
        'data-free': z.free,
        'data-min': z.min,
        'data-low': z.low,
        'data-high': z.high,
        'data-span': span,
      },
      h('span', { class: 'mm-zone-name' }, z.name),
      h(
        'span',
        {
          class: 'mm-zone-bar',
          role: 'img',
          'aria-label': `${z.name}: ${z.free} free of ${z.managed} managed pages; min ${z.min}, low ${z.low}, high ${z.high}; the bar spans 0 to ${span} pages`,
        },
        h('span', { class: 'mm-zone-free', style: `width:${pct(z.free)}` }),
        tick('min', z.min),
        tick('low', z.low),
        tick('high', z.high),
      ),
      h(
        'span',
        { class: 'mono small mm-zone-text' },
        `pfn 0x${z.start_pfn.toString(16)}+0x${z.spanned.toString(16)} · free ${z.free} of ${z.managed} (${kb(z.free)}) · min ${z.min} · low ${z.low} · high ${z.high} · ${below}`,
      ),
    );
  });
  const sw = (c: string, label: string): HTMLElement => h('span', {}, h('i', { style: `background:${c}` }), label);
  el.replaceChildren(
    ...rows,
    h(
      'div',
      { class: 'legend' },
      sw('#4e9bd6', 'free pages'),
      sw(WMARK_COLORS.min, 'min'),
      sw(WMARK_COLORS.low, 'low'),
      sw(WMARK_COLORS.high, 'high'),
      h(
        'span',
        { class: 'muted' },
        'a bar spans 0 to twice its high watermark (or its free pages, up to all its managed pages)',
      ),
    ),
  );
}
