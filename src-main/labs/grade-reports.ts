/**
 * The reports of `lab grade` beside grades.csv (grades-csv.ts): grades.json, grades.xml (JUnit XML for CI and
 * course systems: one test suite per submission, one test case per criterion) and the per-criterion summary
 * table printed at the end. Submissions choose their file names and what they throw: every string is escaped.
 */
import type { GradeRow } from './grades-csv';

export interface Grade extends GradeRow {
  /** The seed the submission ran with, and the lab's parameters drawn from it. */
  seed: number;
  params: Record<string, number | string>;
  /** false: the submission could not be run at all (an `error` says why); it counts as not graded. */
  graded: boolean;
  durationMs: number;
  checks: { name: string; pass: boolean; hint?: string | undefined; detail?: string | undefined; internal?: string | undefined }[];
}

export function gradesJson(lab: string, grades: readonly Grade[]): string {
  return (
    JSON.stringify(
      {
        lab,
        graded: grades.filter((g) => g.graded).length,
        submissions: grades.length,
        all_pass: grades.filter((g) => g.ok).length,
        grades,
      },
      null,
      2,
    ) + '\n'
  );
}

/** Text as XML character data or an attribute value: the five entities, and no character XML 1.0 forbids. */
export function xmlText(s: string): string {
  return s
    .replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '\uFFFD')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

/**
 * JUnit XML (the Ant/Jenkins schema that GitLab, GitHub actions and course systems read): a <testsuite> per
 * submission, a <testcase> per criterion; a failed criterion has a <failure>, a submission that could not be
 * run or checked an <error>.
 */
export function gradesJunit(lab: string, grades: readonly Grade[]): string {
  const a = xmlText;
  const secs = (ms: number): string => (ms / 1000).toFixed(3);
  const suites = grades.map((g) => {
    const cases = g.checks.map((c) => {
      const body = c.pass
        ? ''
        : `<failure message="${a(c.detail ?? 'failed')}" type="criterion">${a([c.hint ? `hint: ${c.hint}` : '', c.detail ?? '', c.internal ?? ''].filter(Boolean).join('\n'))}</failure>`;
      return `    <testcase classname="${a(`${lab}.${g.file}`)}" name="${a(c.name)}" time="0">${body}</testcase>`;
    });
    const errors = g.checks.length === 0 ? 1 : 0;
    if (errors)
      cases.push(
        `    <testcase classname="${a(`${lab}.${g.file}`)}" name="the submission was checked" time="0"><error message="${a(g.error || 'no criterion was checked')}" type="${g.graded ? 'run' : 'not-graded'}"/></testcase>`,
      );
    const failures = g.checks.filter((c) => !c.pass).length;
    const props = [
      `<property name="seed" value="${g.seed}"/>`,
      ...Object.entries(g.params).map(([k, v]) => `<property name="param.${a(k)}" value="${a(String(v))}"/>`),
    ];
    const err = g.error ? `\n    <system-err>${a(g.error)}</system-err>` : '';
    return `  <testsuite name="${a(g.file)}" tests="${cases.length}" failures="${failures}" errors="${errors}" time="${secs(g.durationMs)}">\n    <properties>${props.join('')}</properties>\n${cases.join('\n')}${err}\n  </testsuite>`;
  });
  const tests = grades.reduce((n, g) => n + Math.max(1, g.checks.length), 0);
  const failures = grades.reduce((n, g) => n + g.checks.filter((c) => !c.pass).length, 0);
  const errors = grades.filter((g) => g.checks.length === 0).length;
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="${a(lab)}" tests="${tests}" failures="${failures}" errors="${errors}">\n${suites.join('\n')}\n</testsuites>\n`;
}

/** The summary printed at the end: for each criterion, how many submissions pass it, as a fixed-width table. */
export function summaryTable(grades: readonly Grade[]): string {
  const names: string[] = [];
  for (const g of grades) for (const c of g.checks) if (!names.includes(c.name)) names.push(c.name);
  const rows = names.map((n) => {
    const pass = grades.filter((g) => g.checks.some((c) => c.name === n && c.pass)).length;
    return [n, `${pass}/${grades.length}`, grades.length ? `${Math.round((pass * 100) / grades.length)}%` : '-'];
  });
  const all = grades.filter((g) => g.ok).length;
  rows.push([
    'every criterion',
    `${all}/${grades.length}`,
    grades.length ? `${Math.round((all * 100) / grades.length)}%` : '-',
  ]);
  const notGraded = grades.filter((g) => !g.graded).length;
  if (notGraded) rows.push(['could not be run', `${notGraded}/${grades.length}`, '']);
  const head = ['criterion', 'pass', '%'];
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]): string =>
    `${r[0]!.padEnd(w[0]!)}  ${r[1]!.padStart(w[1]!)}  ${r[2]!.padStart(w[2]!)}`.trimEnd();
  return [line(head), line(w.map((n) => '-'.repeat(n))), ...rows.map(line)].join('\n') + '\n';
}
