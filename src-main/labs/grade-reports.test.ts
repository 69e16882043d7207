import { describe, expect, it } from 'vitest';
import { gradesJson, gradesJunit, summaryTable, xmlText, type Grade } from './grade-reports';

const g = (file: string, checks: Grade['checks'], extra: Partial<Grade> = {}): Grade => ({
  file,
  seed: 7,
  params: { pages: 3 },
  graded: true,
  passed: checks.filter((c) => c.pass).length,
  total: checks.length,
  ok: checks.length > 0 && checks.every((c) => c.pass),
  error: '',
  checks,
  durationMs: 1234,
  ...extra,
});

const grades = [
  g('alice.js', [
    { name: 'boots', pass: true },
    { name: 'reports', pass: true },
  ]),
  g('<bob&"co">.js', [
    { name: 'boots', pass: true },
    { name: 'reports', pass: false, hint: 'read <meminfo>', detail: "you reported 'x' & \u0001" },
  ]),
  g('carol.js', [], { graded: false, error: 'could not be run: ENOENT' }),
];

describe('grades.xml (JUnit)', () => {
  const xml = gradesJunit('10-secret-pages', grades);

  it('counts tests, failures and errors per suite and in all', () => {
    expect(xml).toMatch(
      /^<\?xml version="1.0" encoding="UTF-8"\?>\n<testsuites name="10-secret-pages" tests="5" failures="1" errors="1">/,
    );
    expect(xml).toContain('<testsuite name="alice.js" tests="2" failures="0" errors="0" time="1.234">');
    expect(xml).toMatch(
      /<testsuite name="carol.js" tests="1" failures="0" errors="1"[^>]*>[\s\S]*<error message="could not be run: ENOENT" type="not-graded"\/>/,
    );
    expect(xml).toContain('<property name="seed" value="7"/><property name="param.pages" value="3"/>');
  });

  it('escapes what submissions choose, and drops characters XML forbids', () => {
    expect(xml).toContain('<testsuite name="&lt;bob&amp;&quot;co&quot;&gt;.js"');
    expect(xml).toContain(
      '<failure message="you reported &apos;x&apos; &amp; \uFFFD" type="criterion">hint: read &lt;meminfo&gt;',
    );
    expect([...xml].some((ch) => ch.charCodeAt(0) < 9)).toBe(false);
    // Well-formed: every element opened is closed, in order.
    const stack: string[] = [];
    for (const m of xml.replace(/<\?xml[^>]*\?>/, '').matchAll(/<(\/?)([\w-]+)[^>]*?(\/?)>/g)) {
      if (m[3]) continue;
      if (m[1]) expect(stack.pop()).toBe(m[2]);
      else stack.push(m[2]!);
    }
    expect(stack).toEqual([]);
    // No bare & or < in text or attributes.
    expect(xml.replace(/&(amp|lt|gt|quot|apos);/g, '')).not.toMatch(/&/);
  });

  it('xmlText leaves plain text alone', () => {
    expect(xmlText('plain text 42')).toBe('plain text 42');
  });
});

describe('grades.json', () => {
  it('has the counts and every grade with its seed and parameters', () => {
    const j = JSON.parse(gradesJson('10-secret-pages', grades)) as {
      lab: string;
      graded: number;
      submissions: number;
      all_pass: number;
      grades: Grade[];
    };
    expect(j).toMatchObject({ lab: '10-secret-pages', graded: 2, submissions: 3, all_pass: 1 });
    expect(j.grades[1]).toMatchObject({ file: '<bob&"co">.js', seed: 7, params: { pages: 3 }, passed: 1, total: 2 });
  });
});

describe('summary table', () => {
  it('has a row per criterion with how many pass, then the totals', () => {
    const t = summaryTable(grades).split('\n');
    expect(t[0]).toMatch(/^criterion\s+pass\s+%$/);
    expect(t[2]).toMatch(/^boots\s+2\/3\s+67%$/);
    expect(t[3]).toMatch(/^reports\s+1\/3\s+33%$/);
    expect(t[4]).toMatch(/^every criterion\s+1\/3\s+33%$/);
    expect(t[5]).toMatch(/^could not be run\s+1\/3$/);
  });
});
