/**
 * k.bpf.compile() in a run: the C source goes to the main side, the host's clang compiles it (no kernel is asked,
 * so no permission is needed), and the object comes back for obj_open(). Skips with the reason printed where no
 * clang is installed; the refusal without clang is checked everywhere.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { findClang } from '../clang/bpf-clang';
import { kernelCall } from './kernel-calls';
import { SessionHost, startRun, type DoneEvent } from './session';

const clang = findClang();
if (!clang.ok) console.log(`clang: k.bpf.compile run tests skipped (${clang.why})`);
const SRC = readFileSync(new URL('../engines/bpf/fixtures/sum_for.bpf.c', import.meta.url), 'utf8');

async function result(code: string): Promise<DoneEvent> {
  return startRun({ code, filename: 'c.js' }, () => {}, {}).done;
}

describe('k.bpf.compile', () => {
  it('is no kernel call: it needs no permission, and a bad argument is EINVAL', async () => {
    const opts = {
      permit: () => ({ allowed: false as const, why: 'off' }),
      signal: new AbortController().signal,
      timeoutMs: 60_000,
    };
    expect(await kernelCall({ method: 'bpf_compile', arg: { c: 1 } }, opts)).toEqual({
      ok: false,
      errno: 'EINVAL',
      message: 'compile: give the C source as { c: string }',
    });
  });

  it.skipIf(!clang.ok)(
    'compiles C in a run; the object loads and runs, errors come back at their C lines',
    async () => {
      const done = await result(`
      const k = boot();
      const r = k.bpf.compile({ c: ${JSON.stringify(SRC)}, filename: 'sum_for.bpf.c' });
      const { progs } = k.bpf.obj_open(r.object, { name: 'sum_for.bpf.c' }).load();
      const bad = k.bpf.compile({ c: 'int f(void) { return x; }\\n', filename: 'bad.bpf.c' });
      lab.result({ ok: r.ok, retval: Number(progs.sum_for.run(new Uint8Array(96)).retval), line: progs.sum_for.source[0].line, bad: bad.ok, why: bad.why, at: bad.diagnostics[0] });`);
      expect(done.result).toEqual({
        ok: true,
        retval: 1,
        line: 9,
        bad: false,
        why: '1 error compiling bad.bpf.c',
        at: { file: 'bad.bpf.c', line: 1, col: 22, severity: 'error', message: "use of undeclared identifier 'x'" },
      });
    },
  );

  it.skipIf(!clang.ok)('prog_load({ c }) compiles and loads; a compile error is EINVAL at its C line', async () => {
    const done = await result(`
      const k = boot();
      const p = k.bpf.prog_load({ c: ${JSON.stringify(SRC)}, filename: 'sum_for.bpf.c' });
      let bad;
      try {
        k.bpf.prog_load({ c: 'int f(void) { return x; }\\n', filename: 'bad.bpf.c' });
      } catch (e) {
        bad = e.errno + ' ' + e.message;
      }
      lab.result({ name: p.name, retval: Number(p.run(new Uint8Array(96)).retval), bad });`);
    expect(done.result).toEqual({
      name: 'sum_for',
      retval: 1,
      bad: "EINVAL prog_load: 1 error compiling bad.bpf.c: bad.bpf.c:1:22: use of undeclared identifier 'x'",
    });
  });

  it.skipIf(!clang.ok)('runs the C example: bpf_for accepted, one slot too far rejected at its C line', async () => {
    const example = readFileSync(new URL('../../src-renderer/examples/bpf-c-for-loop.js', import.meta.url), 'utf8');
    let out = '';
    const done = await startRun(
      { code: example, filename: 'bpf-c-for-loop.js' },
      (e) => {
        if (e.type === 'output') out += e.text;
      },
      {},
    ).done;
    expect(done.ok).toBe(true);
    const lines = out.split('\n');
    expect(lines[0]).toBe('fill: loaded, 11 C lines in line_info, retval 140 (0²+1²+…+7² = 140)');
    expect(lines[1]).toBe(
      "fill_oob: EACCES prog 'fill_oob': BPF program load failed: invalid access to map value, value_size=32 off=32 size=4",
    );
    expect(lines[2]).toMatch(/^rejected at insn \d+, C line 12: ; seen\[i\] = i \* i; @ fill_oob\.bpf\.c:12$/);
  });

  it.skipIf(!clang.ok)("finds a header of the client's workspace (SessionHost's include path)", async () => {
    const ws = mkdtempSync(path.join(tmpdir(), 'kl-inc-'));
    try {
      writeFileSync(path.join(ws, 'answer.h'), '#define ANSWER 42\n');
      const code = `
        const k = boot();
        const r = k.bpf.compile({ c: '#include "answer.h"\\nint f(void) { return ANSWER; }\\n', filename: 'a.bpf.c' });
        lab.result({ ok: r.ok, at: r.diagnostics.map((d) => d.message) });`;
      const run = (dirs?: () => readonly string[]): Promise<DoneEvent> =>
        new Promise((resolve) => {
          const host = new SessionHost(
            (e) => {
              if (e.type === 'done') resolve(e);
            },
            undefined,
            dirs,
          );
          host.run({ code, filename: 'inc.js' });
        });
      expect((await run(() => [ws])).result).toEqual({ ok: true, at: [] });
      expect((await run()).result).toEqual({ ok: false, at: ["'answer.h' file not found"] });
    } finally {
      rmSync(ws, { recursive: true, force: true });
    }
  });
});
