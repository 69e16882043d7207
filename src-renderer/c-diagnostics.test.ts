import { describe, expect, it } from 'vitest';
import { cDiagnosticsOf } from './c-diagnostics';

describe('cDiagnosticsOf', () => {
  it("reads clang's diagnostics of the file that ran, and nothing else", () => {
    const out = [
      "mine.bpf.c:12:9: error: use of undeclared identifier 'x'",
      "mine.bpf.c:3:1: warning: unused variable 'y'",
      './include/bpf_helpers.h:40:2: note: expanded from macro',
      'other.bpf.c:1:1: error: not this file',
      "fix1 rejected: prog 'fix1': BPF program load failed: R0 !read_ok",
      "mine.bpf.c:12:9: error: use of undeclared identifier 'x'",
      'Error: mine.bpf.c: 1 error compiling mine.bpf.c',
    ].join('\n');
    expect(cDiagnosticsOf(out, 'labs/mine.bpf.c')).toEqual([
      { line: 12, col: 9, severity: 'error', message: "use of undeclared identifier 'x'" },
      { line: 3, col: 1, severity: 'warning', message: "unused variable 'y'" },
    ]);
    expect(cDiagnosticsOf("a.bpf.c:1:2: fatal error: 'nope.h' file not found", 'a.bpf.c')).toEqual([
      { line: 1, col: 2, severity: 'fatal error', message: "'nope.h' file not found" },
    ]);
    expect(cDiagnosticsOf('', 'a.bpf.c')).toEqual([]);
  });
});
