/**
 * The host-clang compile of .bpf.c sources. Compiling tests skip, with the reason printed, where no clang is
 * installed; the rest (diagnostic parsing, the embedded headers' freshness) run everywhere.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { generateBpfHeaders } from '../../scripts/gen-bpf-headers';
import { createBpf } from '../engines/bpf';
import { bpfObjectFixture } from '../engines/bpf/fixtures/objects';
import { KernelError } from '../engines/common/errors';
import { compileBpfC, findClang, parseDiagnostics } from './bpf-clang';

const clang = findClang();
if (!clang.ok) console.log(`clang: C compile tests skipped (${clang.why})`);
const FIXTURES = new URL('../engines/bpf/fixtures/', import.meta.url);

/** The model's verdict on an object: the program's retval-free outcome, or the errno and message. */
function verdict(bytes: Uint8Array, name: string): string {
  try {
    createBpf().obj_open(bytes, { name }).load();
    return 'ok';
  } catch (e) {
    if (e instanceof KernelError) return `${e.errno} ${e.message}`;
    throw e;
  }
}

describe('the BPF C headers', () => {
  it('headers.ts is what the .h files generate (run tsx scripts/gen-bpf-headers.ts after editing them)', async () => {
    expect(readFileSync(new URL('../engines/bpf/include/headers.ts', import.meta.url), 'utf8')).toBe(
      await generateBpfHeaders(),
    );
  });
});

describe('clang diagnostics', () => {
  it('are located at the file, line and column clang names', () => {
    const log =
      "prog.bpf.c:7:3: error: use of undeclared identifier 'x'\n    7 |   x = 1;\ninclude/bpf_helpers.h:3:1: warning: something odd\n";
    expect(parseDiagnostics(log)).toEqual([
      { file: 'prog.bpf.c', line: 7, col: 3, severity: 'error', message: "use of undeclared identifier 'x'" },
      { file: 'include/bpf_helpers.h', line: 3, col: 1, severity: 'warning', message: 'something odd' },
    ]);
  });

  it('says in one line what to install when there is no clang', () => {
    const none = findClang({ PATH: '/nonexistent' });
    expect(none).toEqual({
      ok: false,
      why: expect.stringMatching(/^no clang on PATH .*apt-get install clang.*assembly works without it$/),
    });
    expect(findClang({ KERNEL_LAB_CLANG: '/nonexistent/clang' })).toEqual({
      ok: false,
      why: 'KERNEL_LAB_CLANG=/nonexistent/clang is not an executable file',
    });
  });
});

describe.skipIf(!clang.ok)('compiling .bpf.c with the host clang', () => {
  const sources = readdirSync(FIXTURES).filter((f) => f.endsWith('.bpf.c'));

  it.each(sources)('%s compiles to an object the model judges as the committed one', async (file) => {
    const r = await compileBpfC(readFileSync(new URL(file, FIXTURES), 'utf8'), { filename: file });
    expect(r.ok ? '' : r.why).toBe('');
    if (!r.ok) return;
    const stem = file.replace(/\.bpf\.c$/, '');
    expect(verdict(r.object, file)).toBe(verdict(bpfObjectFixture(stem), file));
    // line_info names the file as the workspace does.
    const obj = createBpf().obj_open(r.object);
    expect(
      obj.object.link(
        obj.progs[0]!.name,
        obj.maps.map((_, i) => i + 1),
        () => 1,
      ).line_info[0]!.file,
    ).toBe(`./${file}`);
  });

  it('reports a compile error at its C line', async () => {
    const r = await compileBpfC(
      '#include "bpf_helpers.h"\n\nSEC("xdp")\nint f(void *ctx)\n{\n\treturn undeclared;\n}\n',
      { filename: 'bad.bpf.c' },
    );
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.why).toBe('1 error compiling bad.bpf.c');
    expect(r.diagnostics).toEqual([
      { file: 'bad.bpf.c', line: 6, col: 9, severity: 'error', message: "use of undeclared identifier 'undeclared'" },
    ]);
  });
});
