import { describe, expect, it } from 'vitest';
import { ConsoleLines } from './console-lines';

const rows = (c: ConsoleLines) => Array.from({ length: c.rowCount }, (_, r) => c.row(r).text);

describe('ConsoleLines', () => {
  it('joins chunks that split a line, and starts a new line for another stream', () => {
    const c = new ConsoleLines(100);
    c.append('a', 'stdout');
    c.append('b\nc', 'stdout');
    c.append('d\n', 'stdout');
    c.append('open', 'stdout');
    c.append('warn\n', 'stderr');
    expect(rows(c)).toEqual(['ab', 'cd', 'open', 'warn']);
    expect(c.row(3).kind).toBe('stderr');
    expect(c.text()).toBe('ab\ncd\nopenwarn\n');
  });

  it('keeps the last maxLines, counts the dropped ones, and keeps the whole text', () => {
    const c = new ConsoleLines(10, 3);
    for (let i = 0; i < 25; i++) c.append(`line ${i}\n`, 'stdout');
    expect(c.lineCount).toBeLessThanOrEqual(10);
    expect(c.dropped + c.lineCount).toBe(25);
    expect(c.row(c.rowCount - 1).text).toBe('line 24');
    expect(c.row(0).text).toBe(`line ${c.dropped}`);
    expect(c.text().split('\n')).toHaveLength(26);
  });

  it('filters case-insensitively, follows new and grown lines, and forgets dropped matches', () => {
    const c = new ConsoleLines(10, 5);
    c.append('Alpha\nbeta\n', 'stdout');
    c.setFilter('ALP');
    expect(rows(c)).toEqual(['Alpha']);
    c.append('x', 'stdout');
    c.append('alp\n', 'stdout');
    c.append('alpine\n', 'stderr');
    expect(rows(c)).toEqual(['Alpha', 'xalp', 'alpine']);
    for (let i = 0; i < 10; i++) c.append(`n${i}\n`, 'stdout');
    expect(rows(c)).toEqual([]);
    c.append('alps\n', 'stdout');
    expect(rows(c)).toEqual(['alps']);
    c.setFilter('');
    expect(c.rowCount).toBe(c.lineCount);
  });

  it('keeps lines right while its arrays grow and move (chunks of many lines, continued lines, drops)', () => {
    const c = new ConsoleLines(3000, 250);
    const all: string[] = [];
    let pending = '';
    // 9,999 lines in chunks that split lines anywhere, as the host's flushes do.
    for (let i = 0; i < 9999; i++) pending += `row ${i}\n`;
    for (let at = 0; at < pending.length;) {
      const n = 1 + ((at * 7919) % 4093);
      c.append(pending.slice(at, at + n), 'stdout');
      at += n;
    }
    for (let i = 0; i < 9999; i++) all.push(`row ${i}`);
    expect(c.dropped + c.lineCount).toBe(9999);
    expect(c.lineCount).toBeLessThanOrEqual(3000);
    expect(rows(c)).toEqual(all.slice(c.dropped));
    expect(c.text()).toBe(pending);
    c.setFilter('ROW 99');
    expect(rows(c)).toEqual(all.slice(c.dropped).filter((l) => l.startsWith('row 99')));
  });

  it('filters as a line-by-line search would, across chunks, continued lines, drops and narrowing filters', () => {
    // Seeded, so a failure repeats: chunks cut anywhere, two streams, a letter whose lower case is longer (İ).
    let seed = 20261208;
    const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 8) % n;
    const words = ['alpha', 'Beta', 'ALPHABET', 'gamma', 'İstanbul', 'al', 'pha', ''];
    const c = new ConsoleLines(300, 60);
    const kept: string[] = [];
    let open = '';
    let openKind: 'stdout' | 'stderr' | undefined;
    for (let n = 0; n < 400; n++) {
      const kind = rnd(5) === 0 ? 'stderr' : 'stdout';
      let text = '';
      for (let w = rnd(12); w > 0; w--) text += words[rnd(words.length)]! + (rnd(3) === 0 ? '\n' : ' ');
      if (!text) continue;
      c.append(text, kind);
      // The reference: whole lines, a line continued only by its own stream.
      if (openKind !== undefined && openKind !== kind) {
        kept.push(open);
        open = '';
      }
      const parts = (open + text).split('\n');
      open = parts.pop()!;
      kept.push(...parts);
      openKind = open ? kind : undefined;
    }
    const lines = [...kept, ...(open ? [open] : [])].slice(c.dropped);
    expect(c.dropped).toBeGreaterThan(0);
    expect(c.lineCount).toBe(lines.length);
    for (const f of ['AL', 'alp', 'alpha', 'alphab', 'pha a', 'i̇s', 'istan', 'zzz', 'a']) {
      c.setFilter(f);
      expect(rows(c), f).toEqual(lines.filter((l) => l.toLowerCase().includes(f.toLowerCase())));
    }
  });

  it('clears everything', () => {
    const c = new ConsoleLines(4, 2);
    for (let i = 0; i < 9; i++) c.append(`${i}\n`, 'meta');
    c.clear();
    expect([c.rowCount, c.dropped, c.text()]).toEqual([0, 0, '']);
  });
});
