import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { KERNEL_OFF } from '../src-main/contract';
import { kernelOracle } from '../src-main/oracle/index';

const root = path.resolve(import.meta.dirname, '..');
const dir = mkdtempSync(path.join(tmpdir(), 'lab-kernel-'));
const file = path.join(dir, 'k.js');
writeFileSync(
  file,
  `const k = boot();
try { const v = k.bpf.kernel_verify('r0 = 0\\nexit'); lab.result({ ok: v.ok }); }
catch (e) { lab.result({ errno: e.errno, message: e.message }); }`,
);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function lab(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(root, 'scripts/lab.ts'), ...args], {
    cwd: root,
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('lab run --allow-kernel (issue 22)', () => {
  it('refuses kernel calls without --allow-kernel, saying how to turn them on', () => {
    const r = lab('run', file, '--json');
    expect(JSON.parse(r.stdout).result).toEqual({ errno: 'EPERM', message: `kernel_verify: ${KERNEL_OFF.cli}` });
  });

  it('lets them reach the kernel with it (or says why the kernel cannot be asked here)', () => {
    const r = lab('run', file, '--json', '--allow-kernel');
    const avail = kernelOracle().available();
    expect(JSON.parse(r.stdout).result).toMatchObject(avail.ok ? { ok: true } : { errno: 'EOPNOTSUPP' });
  });

  it('has no such option for check and grade', () => {
    const check = lab('check', '01-secretmem-split', file, '--allow-kernel');
    expect(check.status).toBe(2);
    expect(check.stderr).toMatch(/Unknown option '--allow-kernel'/);
    const grade = lab('grade', '01-secretmem-split', dir, '--allow-kernel');
    expect(grade.status).toBe(2);
  });
});
