/**
 * Runs the bpf_conformance suite (tests/ and negative/) through the uBPF assembler, the loader and both
 * engines (the interpreter, the JS JIT and the WebAssembly JIT). Prints every failure and ends with `N passed, N failed`; exit 1 on failures.
 * The suite is the repository's copy in third_party/bpf-conformance (override: BPF_CONFORMANCE_DIR).
 */
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { judgeCase, parseConformanceFile, runConformanceCase } from '../src-main/engines/bpf';
import { interpExec } from '../src-main/engines/bpf';
import { jitExec } from '../src-main/engines/bpf';
import { wasmJitExec } from '../src-main/engines/bpf';
import type { BpfExecFn } from '../src-main/engines/bpf';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const dir = process.env['BPF_CONFORMANCE_DIR'] ?? resolve(repo, 'third_party/bpf-conformance');
const engines: [string, BpfExecFn][] = [
  ['interpreter', interpExec],
  ['jit', jitExec],
  ['wasm-jit', wasmJitExec],
];

let passed = 0;
let failed = 0;
const perEngine = new Map<string, [number, number]>(engines.map(([n]) => [n, [0, 0]]));
for (const sub of ['tests', 'negative']) {
  let files: string[];
  try {
    files = readdirSync(join(dir, sub))
      .filter((f) => f.endsWith('.data'))
      .sort();
  } catch (e) {
    console.error(`cannot read ${join(dir, sub)}: ${(e as Error).message}`);
    process.exit(1);
  }
  for (const f of files) {
    const c = parseConformanceFile(readFileSync(join(dir, sub, f), 'utf8'));
    for (const [name, exec] of engines) {
      const why = judgeCase(f, c, runConformanceCase(c, exec), sub === 'negative');
      const tally = perEngine.get(name)!;
      tally[why === undefined ? 0 : 1]++;
      if (why === undefined) passed++;
      else {
        failed++;
        console.log(`FAIL [${name}] ${sub}/${f}: ${why}`);
      }
    }
  }
}
for (const [name, [p, f]] of perEngine) console.log(`${name}: ${p} of ${p + f} cases pass`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
