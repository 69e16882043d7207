import { describe, it, expect } from 'vitest';
import { EventClock } from './clock';

describe('EventClock', () => {
  it('runs events in time order, equal times in scheduling order', () => {
    const c = new EventClock();
    const got: string[] = [];
    c.at(30, () => got.push('c30'));
    c.at(10, () => got.push('a10'));
    c.at(10, () => got.push('b10'));
    c.at(20, () => {
      got.push('x20');
      c.after(5, () => got.push('y25'));
    });
    c.run();
    expect(got).toEqual(['a10', 'b10', 'x20', 'y25', 'c30']);
    expect(c.now).toBe(30);
  });

  it('stops at a time limit and never schedules into the past', () => {
    const c = new EventClock();
    const got: number[] = [];
    for (const t of [5, 50, 500]) c.at(t, () => got.push(c.now));
    c.run(100);
    expect(got).toEqual([5, 50]);
    expect(c.now).toBe(100);
    c.at(1, () => got.push(c.now));
    c.run();
    expect(got).toEqual([5, 50, 100, 500]);
  });

  it('keeps heap order over many random insertions', () => {
    const c = new EventClock();
    const got: number[] = [];
    let x = 12345;
    for (let i = 0; i < 2000; i++) {
      x = (x * 1103515245 + 12345) % 2147483648;
      const t = x % 10000;
      c.at(t, () => got.push(t));
    }
    c.run();
    for (let i = 1; i < got.length; i++) expect(got[i]! >= got[i - 1]!).toBe(true);
    expect(got.length).toBe(2000);
  });
});
