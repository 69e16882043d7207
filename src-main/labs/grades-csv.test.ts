import { describe, expect, it } from 'vitest';
import { csvCell, gradesCsv } from './grades-csv';

describe('grades.csv', () => {
  it.each([
    ['=HYPERLINK("http://x","y")', `"'=HYPERLINK(""http://x"",""y"")"`],
    ['+1+cmd|calc', "'+1+cmd|calc"],
    ['-2+3', "'-2+3"],
    ['@SUM(A1)', "'@SUM(A1)"],
    ['\t=1', "'\t=1"],
    ['\r=1', `"'\r=1"`],
  ])('writes the formula %j as text', (cell, want) => {
    expect(csvCell(cell)).toBe(want);
  });

  it('leaves plain text, numbers and booleans alone, and quotes separators', () => {
    expect(csvCell('a.js')).toBe('a.js');
    expect(csvCell('TypeError: x, y')).toBe('"TypeError: x, y"');
    expect(csvCell('line\nbreak')).toBe('"line\nbreak"');
    expect(csvCell(-1)).toBe('-1');
    expect(csvCell(true)).toBe('true');
  });

  it('writes a header and a row per submission, hostile file names as data', () => {
    const csv = gradesCsv([
      {
        file: '=cmd|calc.js',
        passed: 1,
        total: 2,
        ok: false,
        error: '@err',
        checks: [
          { name: 'a', pass: true },
          { name: 'b', pass: false },
        ],
      },
      {
        file: 'ok.js',
        passed: 2,
        total: 2,
        ok: true,
        error: '',
        checks: [
          { name: 'b', pass: true },
          { name: 'a', pass: true },
        ],
      },
    ]);
    expect(csv).toBe(
      "file,passed,total,all_pass,error,a,b\n'=cmd|calc.js,1,2,false,'@err,true,false\nok.js,2,2,true,,true,true\n",
    );
    expect(
      csv
        .split('\n')
        .slice(1)
        .every((line) => !/^[=+\-@]|,[=+\-@]/.test(line)),
    ).toBe(true);
  });

  it("writes a seeded lab's seed and parameters per student, text parameters as data", () => {
    const row = { passed: 1, total: 1, ok: true, error: '', checks: [{ name: 'a', pass: true }] };
    const csv = gradesCsv([
      { ...row, file: 'alice.js', seed: 7, params: { pages: 5, mode: '=1+1' } },
      { ...row, file: 'bob.js', seed: 8, params: { pages: -3, mode: 'x' } },
    ]);
    expect(csv).toBe("file,passed,total,all_pass,error,seed,param.mode,param.pages,a\nalice.js,1,1,true,,7,'=1+1,5,true\nbob.js,1,1,true,,8,x,-3,true\n");
    // A lab without parameters keeps the plain header.
    expect(gradesCsv([{ ...row, file: 'c.js', seed: 1, params: {} }]).split('\n')[0]).toBe('file,passed,total,all_pass,error,a');
  });
});
