/**
 * The verifier's exploration drawn as a graph: one row per path, in the order the verifier walked them (its
 * branch stack is depth first), across the program's instructions. A path is a line from the instruction it
 * started at to the one it ended at, with a mark for how it ended (exit, pruned as safe, rejected, or not reached);
 * a fork is a line down from the parent's row at the branch instruction. Rows stay one line high whatever the
 * depth, so 500 paths are 500 short rows, not a staircase; the SVG scrolls.
 */
import type { BpfTrace } from '../../src-main/contract';

type Path = BpfTrace['paths'][number];

const SVG = 'http://www.w3.org/2000/svg';
/** A row's height and the left margin for the path numbers, in px. */
const ROW = 12;
const LEFT = 36;
const PAD = 6;

export type PathEnd = 'exit' | 'safe' | 'rejected' | 'open';

export function endKind(p: Path): PathEnd {
  return p.end === undefined ? 'open' : p.end === 'exit' || p.end === 'safe' ? p.end : 'rejected';
}

/** Where each path is drawn: its row, and its start and end instructions (a path not walked to its end has none). */
export function graphRows(
  paths: readonly Path[],
): { id: number; row: number; start: number; end?: number; parentRow: number }[] {
  const rowOf = new Map<number, number>();
  paths.forEach((p, i) => rowOf.set(p.id, i));
  return paths.map((p, i) => ({
    id: p.id,
    row: i,
    start: p.parent < 0 ? 0 : p.to,
    ...(p.at !== undefined ? { end: p.at } : {}),
    parentRow: p.parent < 0 ? -1 : (rowOf.get(p.parent) ?? -1),
  }));
}

const el = <K extends keyof SVGElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | number>,
): SVGElementTagNameMap[K] => {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  return e;
};

/**
 * The graph of `paths` over a program of `insns` instructions, `width` px wide. `label(p)` is a path's tooltip;
 * a click on the row of a path with steps in the trace (`firstStep`) goes to its first step. A path pruned as it
 * was popped has none: its row only says so.
 */
export function exploreGraph(
  paths: readonly Path[],
  insns: number,
  width: number,
  label: (p: Path) => string,
  firstStep: (p: Path) => number | undefined,
  go: (step: number) => void,
): SVGSVGElement {
  const span = Math.max(1, insns - 1);
  const x = (insn: number) => LEFT + PAD + (Math.min(insn, span) / span) * (width - LEFT - 2 * PAD);
  const y = (row: number) => PAD + row * ROW + ROW / 2;
  const svg = el('svg', {
    class: 'bpf-graph',
    width,
    height: 2 * PAD + paths.length * ROW,
    role: 'img',
    'data-testid': 'bpf-graph',
    'data-paths': paths.length,
  });
  svg.setAttribute(
    'aria-label',
    `Exploration graph: ${paths.length} path${paths.length === 1 ? '' : 's'} over ${insns} instructions`,
  );
  const forks = el('g', { class: 'forks' });
  const rows = el('g', { class: 'rows' });
  const byId = new Map(paths.map((p) => [p.id, p]));
  for (const r of graphRows(paths)) {
    const p = byId.get(r.id)!;
    const kind = endKind(p);
    const step = firstStep(p);
    const g = el('g', {
      class: `path ${kind}${step === undefined ? ' unwalked' : ''}`,
      'data-path': p.id,
      'data-end': kind,
    });
    if (step !== undefined) g.dataset.firstStep = String(step);
    const title = el('title', {});
    title.textContent = label(p);
    g.append(title);
    // The whole row answers a click (a hit area under the drawing).
    g.append(el('rect', { class: 'hit', x: 0, y: y(r.row) - ROW / 2, width, height: ROW }));
    const num = el('text', { class: 'num', x: LEFT - 4, y: y(r.row) + 4, 'text-anchor': 'end' });
    num.textContent = String(p.id);
    g.append(num);
    if (r.parentRow >= 0) forks.append(el('line', { x1: x(p.from), y1: y(r.parentRow), x2: x(p.from), y2: y(r.row) }));
    const to = r.end ?? span;
    g.append(el('line', { class: 'walk', x1: x(r.start), y1: y(r.row), x2: x(to), y2: y(r.row) }));
    g.append(el('circle', { class: 'start', cx: x(r.start), cy: y(r.row), r: 2.5 }));
    if (r.end !== undefined)
      g.append(el('rect', { class: 'end', x: x(r.end) - 3, y: y(r.row) - 3, width: 6, height: 6 }));
    if (step !== undefined) g.addEventListener('click', () => go(step));
    rows.append(g);
  }
  svg.append(forks, rows);
  return svg;
}
