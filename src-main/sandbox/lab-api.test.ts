import { readFileSync } from 'node:fs';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { generateLabApi } from '../../scripts/gen-lab-api';
import { CLASS_BINDINGS } from './bindings';

const file = new URL('./lab-api.d.ts', import.meta.url);

describe('lab-api.d.ts', () => {
  it('is what the bindings generate (run `npm run gen:api` after changing them)', () => {
    expect(readFileSync(file, 'utf8')).toBe(generateLabApi());
  });

  it('type-checks on its own, as Monaco loads it', () => {
    const program = ts.createProgram([file.pathname], {
      noEmit: true,
      strict: true,
      lib: ['lib.es2022.d.ts'],
      types: [],
    });
    const problems = ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    expect(problems).toEqual([]);
  });

  it('declares every bound class with exactly its whitelisted members', () => {
    const text = readFileSync(file, 'utf8');
    for (const b of CLASS_BINDINGS) {
      const block = new RegExp(`^interface ${b.name} \\{\\n([\\s\\S]*?)\\n\\}`, 'm').exec(text);
      expect(block, `interface ${b.name}`).not.toBeNull();
      const members = [...block![1]!.matchAll(/^ {2}(?:readonly )?(\w+)[(:]/gm)].map((m) => m[1]);
      expect(new Set(members)).toEqual(new Set([...b.methods, ...(b.props ?? []), ...(b.consts ?? [])]));
    }
  });

  it('gives every bound method a doc comment', () => {
    const text = readFileSync(file, 'utf8').split('---- generated')[1]!;
    const undocumented = [...text.matchAll(/^(?! *\*| *\/\*\*)(.*)\n {2}(\w+)\(/gm)]
      .filter((m) => !m[1]!.trim().endsWith('*/'))
      .map((m) => m[2]);
    expect(undocumented).toEqual([]);
  });
});
