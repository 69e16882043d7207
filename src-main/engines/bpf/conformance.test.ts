import { describe, expect, it } from 'vitest';
import { assembleKernel } from './asm-kernel';
import { caseInsns, judgeCase, parseConformanceFile, runConformanceCase } from './conformance';
import { disassemble } from './disasm';
import { interpExec } from './interpreter';
import { jitExec } from './jit';
import { wasmJitExec } from './jit-wasm';

// The suite's files (the repository's copy, third_party/bpf-conformance), read at build time by Vite.
const tests = import.meta.glob('../../../third_party/bpf-conformance/tests/*.data', {
  query: '?raw',
  import: 'default',
  eager: true,
}) as Record<string, string>;
const negative = import.meta.glob('../../../third_party/bpf-conformance/negative/*.data', {
  query: '?raw',
  import: 'default',
  eager: true,
}) as Record<string, string>;

function runAll(files: Record<string, string>, neg: boolean, engine: typeof interpExec): string[] {
  const failures: string[] = [];
  for (const [path, text] of Object.entries(files)) {
    const name = path.slice(path.lastIndexOf('/') + 1);
    const c = parseConformanceFile(text);
    const why = judgeCase(name, c, runConformanceCase(c, engine), neg);
    if (why !== undefined) failures.push(`${name}: ${why}`);
  }
  return failures;
}

describe('bpf_conformance suite', () => {
  it('has the 313 tests and 60 negative cases', () => {
    expect(Object.keys(tests)).toHaveLength(313);
    expect(Object.keys(negative)).toHaveLength(60);
  });
  it('round-trips every test program through the disassembler and the pseudo-C assembler', () => {
    const bad: string[] = [];
    for (const [path, text] of Object.entries(tests)) {
      const insns = caseInsns(parseConformanceFile(text));
      const back = assembleKernel(disassemble(insns)).insns;
      if (JSON.stringify(back) !== JSON.stringify(insns)) bad.push(path);
    }
    expect(bad).toEqual([]);
  });
  for (const [name, engine] of [
    ['interpreter', interpExec],
    ['jit', jitExec],
    ['WebAssembly jit', wasmJitExec],
  ] as const) {
    it(`passes every test through the ${name}`, () => {
      expect(runAll(tests, false, engine)).toEqual([]);
    });
    it(`refuses every negative case through the ${name}`, () => {
      expect(runAll(negative, true, engine)).toEqual([]);
    });
  }
});
