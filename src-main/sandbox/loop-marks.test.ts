import { describe, expect, it } from 'vitest';
import { LOOP_MARK, markLoops } from './loop-marks';

describe('markLoops', () => {
  it('marks loop statements and maps columns back', () => {
    const src = "print('a');\nlet i = 0;\n  while (true) { i++; } for (;;) {}\n";
    const m = markLoops(src);
    expect(m.code).toBe(`print('a');\nlet i = 0;\n  ${LOOP_MARK}while (true) { i++; } ${LOOP_MARK}for (;;) {}\n`);
    // The first mark stands for the `while` at 3:3, the second for the `for` at 3:25.
    expect(m.remap(3, 3)).toEqual({ line: 3, column: 3 });
    expect(m.remap(3, 3 + LOOP_MARK.length)).toEqual({ line: 3, column: 3 });
    expect(m.remap(3, 3 + LOOP_MARK.length + 16)).toEqual({ line: 3, column: 19 });
    const forAt = m.code.split('\n')[2]!.indexOf(`${LOOP_MARK}for`) + 1;
    expect(m.remap(3, forAt)).toEqual({ line: 3, column: 25 });
    expect(m.remap(3, forAt + LOOP_MARK.length + 1)).toEqual({ line: 3, column: 26 });
    expect(m.remap(1, 6)).toEqual({ line: 1, column: 6 });
  });

  it('leaves do-while tails, labels and brace-less bodies alone', () => {
    for (const src of [
      'do { x(); } while (a);',
      'outer: for (;;) break outer;',
      'if (a) while (b) c();',
      'if (a) {} else for (;;) {}',
    ]) {
      const m = markLoops(src);
      const count = m.code.split(LOOP_MARK).length - 1;
      expect(count, src).toBe(0);
    }
    expect(markLoops('do { while (a) {} } while (b);').code).toBe(`do { ${LOOP_MARK}while (a) {} } while (b);`);
  });

  it('leaves code it cannot parse as it is', () => {
    expect(markLoops('let x = ;').code).toBe('let x = ;');
  });
});
