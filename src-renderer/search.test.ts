import { describe, expect, it } from 'vitest';
import { compileQuery, searchText } from './search';

const plain = { matchCase: false, regex: false, wholeWord: false };
const find = (text: string, query: string, opts = plain, limit = 100) => {
  const re = compileQuery(query, opts);
  if (!(re instanceof RegExp)) throw new Error(`not a query: ${String(re)}`);
  return searchText('a.js', text, re, limit).map((h) => [h.line, h.column, h.length]);
};

describe('find in files', () => {
  it('finds every match, by line and column as the editor counts, ignoring case unless asked', () => {
    const text = 'const k = boot();\nK.mm; k.bpf;\n\n  print(k)\r\nend';
    expect(find(text, 'k.')).toEqual([
      [2, 1, 2],
      [2, 7, 2],
    ]);
    expect(find(text, 'K', { ...plain, matchCase: true })).toEqual([[2, 1, 1]]);
    expect(find(text, 'k', { ...plain, wholeWord: true })).toEqual([
      [1, 7, 1],
      [2, 1, 1],
      [2, 7, 1],
      [4, 9, 1],
    ]);
    // Text is text: regular-expression characters match themselves unless the query is a regular expression.
    expect(find('a.b axb', 'a.b')).toEqual([[1, 1, 3]]);
    expect(find('a.b axb', 'a.b', { ...plain, regex: true })).toEqual([
      [1, 1, 3],
      [1, 5, 3],
    ]);
  });

  it('steps past empty matches and stops at the limit', () => {
    expect(find('ab\ncd', '^', { ...plain, regex: true })).toEqual([
      [1, 1, 0],
      [2, 1, 0],
    ]);
    expect(find('x x x\nx', 'x', plain, 2)).toEqual([
      [1, 1, 1],
      [1, 3, 1],
    ]);
  });

  it('says why a regular expression is not one, and has nothing to do for an empty query', () => {
    expect(compileQuery('(', { ...plain, regex: true })).toMatch(/Invalid regular expression/);
    expect(compileQuery('(', plain)).toBeInstanceOf(RegExp);
    expect(compileQuery('', plain)).toBeUndefined();
  });

  it('shows a long line around its match, the match at previewStart', () => {
    const line = 'x'.repeat(100) + 'needle' + 'y'.repeat(300);
    const re = compileQuery('NEEDLE', plain) as RegExp;
    const [hit] = searchText('b.ts', line, re, 10);
    expect(hit!.preview.startsWith('…')).toBe(true);
    expect(hit!.preview.slice(hit!.previewStart, hit!.previewStart + 6)).toBe('needle');
    expect(hit!.preview.length).toBeLessThanOrEqual(201);
    expect(hit!.column).toBe(101);
  });
});
