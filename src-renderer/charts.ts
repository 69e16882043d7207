/** lab.chart() drawn with uPlot: series with their own x values joined on one x axis; line, bar or scatter. */
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { Chart } from '../src-main/contract';
import { cssVar } from './dom';

export const PALETTE = ['#4e9bd6', '#e8a33d', '#5cb85c', '#d9534f', '#9b6cd6', '#3cc6c0', '#d66bb0', '#a0a050'];

/** Joins the series' points on the sorted union of their x values (null where a series has no point). */
export function alignChart(chart: Pick<Chart, 'series'>): uPlot.AlignedData {
  const xs = [...new Set(chart.series.flatMap((s) => s.points.map((p) => p[0])))].sort((a, b) => a - b);
  const at = new Map(xs.map((x, i) => [x, i]));
  const ys = chart.series.map((s) => {
    const col: (number | null)[] = new Array<number | null>(xs.length).fill(null);
    for (const [x, y] of s.points) col[at.get(x)!] = y;
    return col;
  });
  return [xs, ...ys] as uPlot.AlignedData;
}

/** Draws a chart into `el`; returns the uPlot instance (its canvas is what a PNG export takes). */
export function renderChart(el: HTMLElement, chart: Chart, width: number, height = 240, title = true): uPlot {
  const fg = cssVar('--fg') || '#d4d4d4';
  const grid = cssVar('--border') || '#3c3c3c';
  const n = Math.max(1, chart.series.length);
  const axis = (label: string | undefined, y = false): uPlot.Axis => ({
    ...(label !== undefined ? { label } : {}),
    // Room for the longest tick label (uPlot's fixed default cuts large numbers).
    ...(y
      ? {
          size: (_u: uPlot, values: string[] | null) =>
            Math.max(40, 14 + 7 * Math.max(0, ...(values ?? []).map((v) => String(v).length))),
        }
      : {}),
    stroke: fg,
    grid: { stroke: grid, width: 1 },
    ticks: { stroke: grid, width: 1 },
  });
  const data = alignChart(chart);
  const xs = data[0] as number[];
  let gap = Infinity;
  for (let i = 1; i < xs.length; i++) gap = Math.min(gap, xs[i]! - xs[i - 1]!);
  if (!Number.isFinite(gap)) gap = 1;
  // Bars need room at both ends of the x axis and a y axis that starts at 0.
  const scales: uPlot.Scales =
    chart.kind === 'bar'
      ? {
          x: { time: false, range: (_u, min, max) => [min - gap / 2, max + gap / 2] },
          y: { range: (_u, min, max) => [Math.min(0, min), max > 0 ? max * 1.08 : 1] },
        }
      : { x: { time: false } };
  const opts: uPlot.Options = {
    width,
    height,
    ...(title ? { title: chart.name } : {}),
    scales,
    axes: [axis(chart.xlabel), axis(chart.ylabel, true)],
    series: [
      { label: chart.xlabel ?? 'x' },
      ...chart.series.map((s, i): uPlot.Series => {
        const color = PALETTE[i % PALETTE.length]!;
        const base: uPlot.Series = { label: s.label, stroke: color, width: 2, spanGaps: true };
        if (chart.kind === 'bar') {
          return {
            ...base,
            fill: color + 'aa',
            paths: uPlot.paths.bars!({ size: [0.8 / n, 60], align: 0 }),
            points: { show: false },
          };
        }
        if (chart.kind === 'scatter')
          return { ...base, paths: () => null, points: { show: true, size: 6, fill: color } };
        return { ...base, points: { show: s.points.length <= 60 } };
      }),
    ],
  };
  return new uPlot(opts, data, el);
}

/** A PNG of a chart: its canvas on the theme's background, with the title on top. */
export function chartPng(plot: uPlot, title: string): Promise<Blob> {
  const src = plot.ctx.canvas;
  const pad = 28;
  const out = document.createElement('canvas');
  out.width = src.width;
  out.height = src.height + pad;
  const ctx = out.getContext('2d')!;
  ctx.fillStyle = cssVar('--bg') || '#1e1e1e';
  ctx.fillRect(0, 0, out.width, out.height);
  ctx.fillStyle = cssVar('--fg') || '#d4d4d4';
  ctx.font = '600 15px system-ui, sans-serif';
  ctx.fillText(title, 10, 19);
  ctx.drawImage(src, 0, pad);
  return new Promise((resolve, reject) =>
    out.toBlob((b) => (b ? resolve(b) : reject(new Error('toBlob failed'))), 'image/png'),
  );
}
