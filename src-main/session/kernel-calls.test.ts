import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { KERNEL_OFF, type RunEvent } from '../contract';
import { kernelOracle, type KernelOracle, type KernelVerdict } from '../oracle/index';
import { buildHelper, liveHelpers } from '../oracle/native';
import { RpcServer } from '../rpc';
import type { Workspace } from '../workspace/workspace';
import { startRun, type DoneEvent, type StartOptions as RunOptions } from './session';

/** Runs `code`, returns what lab.result() got. */
async function result(
  code: string,
  opts: RunOptions = {},
  extra: { lab?: string; imported?: boolean } = {},
): Promise<DoneEvent> {
  return startRun({ code, filename: 'k.js', ...extra }, () => {}, opts).done;
}

const CALL = `
  const k = boot();
  try { const v = k.bpf.kernel_verify('r0 = 0\\nexit'); lab.result({ ok: v.ok, errno: v.errno_name }); }
  catch (e) { lab.result({ name: e.name, errno: e.errno, message: e.message }); }`;

/** An oracle that records what reached it (the kernel is not asked). */
function fakeOracle(): { oracle: KernelOracle; calls: unknown[] } {
  const calls: unknown[] = [];
  const verdict: KernelVerdict = { ok: true, errno: 0, errno_name: '', log: 'processed 2 insns\n' };
  const oracle = {
    available: () => ({ ok: true }),
    kernelVerifyAsync: (arg: unknown) => {
      calls.push(arg);
      return Promise.resolve(verdict);
    },
  } as unknown as KernelOracle;
  return { oracle, calls };
}

describe("a run's kernel calls (off unless the person at the keyboard allows them)", () => {
  it('fails every kernel call with EPERM when nobody allowed them, and the oracle is never asked', async () => {
    const { oracle, calls } = fakeOracle();
    const done = await result(CALL, { oracle });
    expect(done.result).toMatchObject({
      name: 'KernelError',
      errno: 'EPERM',
      message: expect.stringMatching(/^kernel_verify: kernel calls are off for this run: .*--allow-kernel/),
    });
    const denied = await result(CALL, { oracle, kernel: () => ({ allowed: false, why: KERNEL_OFF.cli }) });
    expect(denied.result).toMatchObject({ errno: 'EPERM', message: `kernel_verify: ${KERNEL_OFF.cli}` });
    const run = await result(
      `const k = boot(); try { k.bpf.kernel_test_run('r0 = 0\\nexit', { repeat: 2 }) } catch (e) { lab.result(e.errno) }`,
      { oracle },
    );
    expect(run.result).toBe('EPERM');
    expect(calls).toEqual([]);
  });

  it('reaches the oracle when allowed, on the main side', async () => {
    const { oracle, calls } = fakeOracle();
    const done = await result(CALL, { oracle, kernel: () => ({ allowed: true }) });
    expect(done.result).toEqual({ ok: true, errno: '' });
    expect(calls).toEqual(['r0 = 0\nexit']);
  });

  it('stays off in a lab check and for an imported session, whatever was allowed', async () => {
    const { oracle, calls } = fakeOracle();
    const allowed: RunOptions = { oracle, kernel: () => ({ allowed: true }) };
    const checked = await startRun(
      {
        code: `const k = boot(); try { k.bpf.kernel_verify('r0 = 0\\nexit') } catch (e) { print(e.errno, e.message) }`,
        filename: 'k.js',
        lab: '01-secretmem-split',
      },
      () => {},
      allowed,
    ).done;
    expect(checked.checks).toBeDefined();
    const imported = await result(CALL, allowed, { imported: true });
    expect(imported.result).toMatchObject({ errno: 'EPERM', message: `kernel_verify: ${KERNEL_OFF.imported}` });
    expect(calls).toEqual([]);
  });

  it("holds the session's answer on the main side: asks once, then allows or denies", async () => {
    const events: RunEvent[] = [];
    const rpc = new RpcServer(
      { host: 'browser', version: 't', workspace: { root: '/nonexistent' } as Workspace },
      (e) => events.push(e),
    );
    try {
      expect(await rpc.call('hostInfo', [])).toMatchObject({ kernelAccess: 'unasked' });
      const runOnce = async (): Promise<DoneEvent> => {
        const { runId } = (await rpc.call('run', [{ code: CALL, filename: 'k.js' }])) as { runId: string };
        for (;;) {
          const done = events.find((e): e is DoneEvent => e.type === 'done' && e.runId === runId);
          if (done) return done;
          await new Promise((r) => setTimeout(r, 20));
        }
      };
      const first = await runOnce();
      expect(first.result).toMatchObject({ errno: 'EPERM', message: `kernel_verify: ${KERNEL_OFF.unasked}` });
      expect(events.filter((e) => e.type === 'kernelAccess')).toEqual([{ type: 'kernelAccess', runId: first.runId }]);
      await runOnce(); // unanswered: no second prompt
      expect(events.filter((e) => e.type === 'kernelAccess')).toHaveLength(1);
      const check = {
        insns: 'b7000000000000009500000000000000',
        prog_type: 'socket_filter',
        log_level: 1,
        maps: [],
        sim: { ok: true, log: '' },
      };
      expect(await rpc.call('kernelCheck', [check])).toEqual({ available: false, why: KERNEL_OFF.unasked });
      // The contract checks the answer's shape.
      await expect(rpc.call('setKernelAccess', [{ allow: 'yes' }])).rejects.toThrow(
        /setKernelAccess: invalid arguments/,
      );
      await expect(rpc.call('setKernelAccess', [{ allow: true, extra: 1 }])).rejects.toThrow(/invalid arguments/);

      expect(await rpc.call('setKernelAccess', [{ allow: false }])).toEqual({ kernelAccess: 'denied' });
      expect((await runOnce()).result).toMatchObject({
        errno: 'EPERM',
        message: `kernel_verify: ${KERNEL_OFF.denied}`,
      });
      expect(await rpc.call('kernelCheck', [check])).toEqual({ available: false, why: KERNEL_OFF.denied });

      expect(await rpc.call('setKernelAccess', [{ allow: true }])).toEqual({ kernelAccess: 'allowed' });
      expect(await rpc.call('hostInfo', [])).toMatchObject({ kernelAccess: 'allowed' });
      // Now the kernel is asked: it accepts the program, or cannot be asked on this machine (never EPERM).
      const allowed = (await runOnce()).result as { ok?: boolean; errno?: string };
      const avail = kernelOracle().available();
      expect(allowed).toMatchObject(avail.ok ? { ok: true } : { errno: 'EOPNOTSUPP' });
    } finally {
      await rpc.dispose();
    }
  });
});

// ---- Stop kills the helper and its program ----

const avail = kernelOracle().available();
if (!avail.ok) console.log(`kernel oracle: the Stop tests skipped (${avail.why})`);
const helper =
  process.platform === 'linux'
    ? buildHelper()
    : ({ ok: false, why: `needs Linux (this is ${process.platform})` } as const);
if (!helper.ok) console.log(`kernel oracle: the parent-death test skipped (${helper.why})`);

/** ~200k instructions a run (the verifier walks every iteration); a million repeats would take minutes. */
const LONG = `
  const k = boot();
  const prog = 'r1 = 0\\nl: r1 += 1\\nif r1 < 100000 goto l\\nr0 = 0\\nexit';
  k.bpf.kernel_test_run({ asm: prog, prog_type: 'socket_filter' }, { data_in: new Uint8Array(64), repeat: 1000000 });
  print('finished');`;

async function until<T>(what: string, f: () => T | undefined, boundMs: number): Promise<T> {
  const end = performance.now() + boundMs;
  for (;;) {
    const v = f();
    if (v !== undefined) return v;
    if (performance.now() > end) throw new Error(`${what}: not within ${boundMs} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const alive = (pid: number): boolean => existsSync(`/proc/${pid}`) && !/\) Z /.test(readStat(pid));
function readStat(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return '';
  }
}

describe.skipIf(!avail.ok)('Stop kills the native helper and the test run it has in the kernel', () => {
  it('kills the helper of a long kernel_test_run when the run is stopped', async () => {
    const before = new Set(liveHelpers);
    const output: string[] = [];
    const h = startRun(
      { code: LONG, filename: 'long.js', limits: { timeoutMs: 600_000 } },
      (e) => e.type === 'output' && output.push(e.text),
      { kernel: () => ({ allowed: true }) },
    );
    // Generous: the worker starts, the verifier walks 200k instructions, then the test run begins.
    const pid = await until('the helper started', () => [...liveHelpers].find((p) => !before.has(p)), 60_000);
    await new Promise((r) => setTimeout(r, 300)); // into BPF_PROG_TEST_RUN
    expect(alive(pid)).toBe(true);
    expect(await h.stop()).toBe(true);
    await until('the helper is gone', () => (alive(pid) ? undefined : true), 20_000);
    expect(liveHelpers.has(pid)).toBe(false);
    const done = await h.done;
    expect(done.error, JSON.stringify(done.error)).toMatchObject({ kind: 'stopped' });
    expect(output.join('')).not.toContain('finished');
  });

  it('kills it when the run outlives its deadline and its worker is terminated', async () => {
    const before = new Set(liveHelpers);
    const h = startRun({ code: LONG, filename: 'long.js', limits: { timeoutMs: 3000 } }, () => {}, {
      kernel: () => ({ allowed: true }),
    });
    const pid = await until('the helper started', () => [...liveHelpers].find((p) => !before.has(p)), 60_000);
    const done = await h.done;
    expect(done.ok).toBe(false);
    await until('the helper is gone', () => (alive(pid) ? undefined : true), 20_000);
  });
});

describe.skipIf(!helper.ok)('the native helper dies with its parent (PR_SET_PDEATHSIG)', () => {
  it('is killed when the process that started it is killed', async () => {
    // A parent that starts the helper (which then waits on its stdin), prints its pid and is SIGKILLed.
    const bin = (buildHelper() as { path: string }).path; // built again if another checkout's build removed it
    const parent = spawn(
      process.execPath,
      [
        '-e',
        `const c = require('node:child_process').spawn(${JSON.stringify(bin)}, ['--parent=' + process.pid], { stdio: ['pipe', 'inherit', 'inherit'] }); console.log(c.pid); setInterval(() => {}, 1000);`,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    parent.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const pid = await until('the helper started', () => (/^\d+\n/.test(out) ? Number(out.trim()) : undefined), 20_000);
    expect(alive(pid)).toBe(true);
    parent.kill('SIGKILL');
    await until('the helper is gone', () => (alive(pid) ? undefined : true), 20_000);
  });

  it('exits at once when its parent is already gone', async () => {
    const c = spawn((buildHelper() as { path: string }).path, ['--parent=1'], { stdio: ['pipe', 'pipe', 'pipe'] });
    const code = await new Promise<number | string | null>((r) => {
      c.on('error', (e) => r(e.message));
      c.on('close', (code) => r(code));
    });
    expect(code).toBe(1);
  });
});
