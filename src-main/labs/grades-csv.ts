/**
 * grades.csv of `lab grade`: one row per submission. Submissions choose their file names and what they throw, so
 * every cell is written as data: a cell a spreadsheet would take for a formula (beginning with =, +, -, @, a tab
 * or a carriage return) gets a leading ' (OWASP, CSV injection), and cells with a comma, quote or line break are
 * quoted (RFC 4180).
 */

/** One cell: numbers and booleans as they are, text escaped. */
export function csvCell(v: string | number | boolean): string {
  if (typeof v !== 'string') return String(v);
  const text = /^[=+\-@\t\r]/.test(v) ? `'${v}` : v;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export interface GradeRow {
  file: string;
  passed: number;
  total: number;
  ok: boolean;
  error: string;
  checks: { name: string; pass: boolean }[];
  /** A seeded lab: the student's seed and their parameters (each a column, param.NAME). */
  seed?: number;
  params?: Record<string, number | string>;
}

/**
 * The whole file: a header (file, passed, total, all_pass, error; seed and param.NAME of a seeded lab; then each
 * criterion) and a row per grade.
 */
export function gradesCsv(grades: readonly GradeRow[]): string {
  const names = grades[0]?.checks.map((c) => c.name) ?? [];
  const seeded = grades.some((g) => g.params && Object.keys(g.params).length > 0);
  const params = seeded ? [...new Set(grades.flatMap((g) => Object.keys(g.params ?? {})))].sort() : [];
  const rows = [
    ['file', 'passed', 'total', 'all_pass', 'error', ...(seeded ? ['seed', ...params.map((p) => `param.${p}`)] : []), ...names],
    ...grades.map((g) => [
      g.file,
      g.passed,
      g.total,
      g.ok,
      g.error,
      ...(seeded ? [g.seed ?? '', ...params.map((p) => g.params?.[p] ?? '')] : []),
      ...names.map((n) => g.checks.find((c) => c.name === n)?.pass ?? false),
    ]),
  ];
  return rows.map((r) => r.map(csvCell).join(',')).join('\n') + '\n';
}
