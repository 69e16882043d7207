/** lab.chart() and lab.table(): what a script draws, normalised into the contract's Chart and Table (or a clear error). */
import type { Chart, Table } from '../contract';

const MAX_SERIES = 64;
const MAX_POINTS = 200_000;
const MAX_ROWS = 10_000;
const MAX_COLUMNS = 64;

function points(label: string, v: unknown): [number, number][] {
  const bad = (): never => {
    throw new TypeError(`lab.chart: series '${label}' must be numbers, [x, y] pairs, or { x: [...], y: [...] }`);
  };
  if (Array.isArray(v)) {
    return v.map((p, i): [number, number] => {
      if (typeof p === 'number') return [i, p];
      if (Array.isArray(p) && p.length === 2 && typeof p[0] === 'number' && typeof p[1] === 'number')
        return [p[0], p[1]];
      if (p === null) return [i, NaN];
      return bad();
    });
  }
  if (
    v &&
    typeof v === 'object' &&
    Array.isArray((v as { x?: unknown }).x) &&
    Array.isArray((v as { y?: unknown }).y)
  ) {
    const { x, y } = v as { x: unknown[]; y: unknown[] };
    if (x.length !== y.length)
      throw new TypeError(`lab.chart: series '${label}' has ${x.length} x values and ${y.length} y values`);
    return x.map((xi, i): [number, number] => {
      const yi = y[i];
      if (typeof xi !== 'number' || (typeof yi !== 'number' && yi !== null)) return bad();
      return [xi, yi === null ? NaN : yi];
    });
  }
  return bad();
}

export function normaliseChart(json: string): Chart {
  const { name, series, options } = JSON.parse(json) as {
    name?: unknown;
    series?: unknown;
    options?: Record<string, unknown>;
  };
  if (typeof name !== 'string' || !name)
    throw new TypeError('lab.chart(name, series): name must be a non-empty string');
  let out: Chart['series'];
  if (Array.isArray(series) && series.every((s) => typeof s === 'number' || s === null)) {
    out = [{ label: name, points: points(name, series) }];
  } else if (Array.isArray(series)) {
    out = series.map((s, i) => {
      const o = (s ?? {}) as Record<string, unknown>;
      const label = String(o.label ?? o.name ?? `series ${i + 1}`);
      return { label, points: points(label, o.points ?? (o.x ? { x: o.x, y: o.y } : o.data)) };
    });
  } else if (series && typeof series === 'object') {
    out = Object.entries(series as Record<string, unknown>).map(([label, v]) => ({ label, points: points(label, v) }));
  } else {
    throw new TypeError('lab.chart(name, series): series must be an array of numbers or an object of named series');
  }
  if (out.length > MAX_SERIES) throw new RangeError(`lab.chart: at most ${MAX_SERIES} series`);
  if (out.reduce((n, s) => n + s.points.length, 0) > MAX_POINTS)
    throw new RangeError(`lab.chart: at most ${MAX_POINTS} points`);
  const kind = options?.kind;
  if (kind !== undefined && kind !== 'line' && kind !== 'bar' && kind !== 'scatter') {
    throw new TypeError(`lab.chart: kind must be 'line', 'bar' or 'scatter', not '${String(kind)}'`);
  }
  return {
    name,
    series: out,
    kind: kind ?? 'line',
    ...(typeof options?.xlabel === 'string' ? { xlabel: options.xlabel } : {}),
    ...(typeof options?.ylabel === 'string' ? { ylabel: options.ylabel } : {}),
  };
}

export function normaliseTable(json: string, index: number): Table {
  const { name, rows } = JSON.parse(json) as { name?: unknown; rows?: unknown };
  if (!Array.isArray(rows)) throw new TypeError('lab.table(rows): rows must be an array of objects or of arrays');
  if (rows.length > MAX_ROWS) throw new RangeError(`lab.table: at most ${MAX_ROWS} rows`);
  const columns: string[] = [];
  const cell = (v: unknown): string | number | boolean | null =>
    v === null || v === undefined
      ? null
      : typeof v === 'number' || typeof v === 'boolean' || typeof v === 'string'
        ? v
        : JSON.stringify(v);
  let body: Table['rows'];
  if (rows.every((r) => Array.isArray(r))) {
    const width = Math.max(0, ...rows.map((r) => (r as unknown[]).length));
    for (let i = 0; i < width; i++) columns.push(String(i));
    body = rows.map((r) => columns.map((_c, i) => cell((r as unknown[])[i])));
  } else {
    for (const r of rows) {
      if (!r || typeof r !== 'object')
        throw new TypeError('lab.table(rows): every row must be an object (or every row an array)');
      for (const k of Object.keys(r)) if (!columns.includes(k)) columns.push(k);
    }
    body = rows.map((r) => columns.map((c) => cell((r as Record<string, unknown>)[c])));
  }
  if (columns.length > MAX_COLUMNS) throw new RangeError(`lab.table: at most ${MAX_COLUMNS} columns`);
  return { name: typeof name === 'string' && name ? name : `table ${index + 1}`, columns, rows: body };
}

/** The plain-text rendering of a table for the console and the CLI. */
export function tableText(t: Table): string {
  const cells = [t.columns, ...t.rows.map((r) => r.map((c) => (c === null ? '' : String(c))))];
  const widths = t.columns.map((_c, i) => Math.max(...cells.map((r) => String(r[i] ?? '').length)));
  const line = (r: readonly unknown[]): string =>
    r
      .map((c, i) => String(c ?? '').padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return [line(cells[0]!), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)].join('\n') + '\n';
}
