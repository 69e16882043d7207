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
}

/** The whole file: a header (file, passed, total, all_pass, error, then each criterion) and a row per grade. */
export function gradesCsv(grades: readonly GradeRow[]): string {
  const names = grades[0]?.checks.map((c) => c.name) ?? [];
  const rows = [
    ['file', 'passed', 'total', 'all_pass', 'error', ...names],
    ...grades.map((g) => [
      g.file,
      g.passed,
      g.total,
      g.ok,
      g.error,
      ...names.map((n) => g.checks.find((c) => c.name === n)?.pass ?? false),
    ]),
  ];
  return rows.map((r) => r.map(csvCell).join(',')).join('\n') + '\n';
}
