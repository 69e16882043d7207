import { describe, expect, it } from 'vitest';
import { endKind, graphRows } from './bpf-explore-graph';

describe('exploration graph rows', () => {
  it('puts each path on its own row in walk order, starting where it forked in, under its parent', () => {
    const paths = [
      { id: 0, parent: -1, from: -1, to: 0, end: 'exit', at: 7 },
      { id: 1, parent: 0, from: 4, to: 6, end: 'safe', at: 6 },
      { id: 2, parent: 1, from: 5, to: 9, end: 'R1 invalid mem access', at: 9 },
      { id: 3, parent: 0, from: 2, to: 3 },
    ];
    expect(graphRows(paths)).toEqual([
      { id: 0, row: 0, start: 0, end: 7, parentRow: -1 },
      { id: 1, row: 1, start: 6, end: 6, parentRow: 0 },
      { id: 2, row: 2, start: 9, end: 9, parentRow: 1 },
      { id: 3, row: 3, start: 3, parentRow: 0 },
    ]);
    expect(paths.map(endKind)).toEqual(['exit', 'safe', 'rejected', 'open']);
  });
});
