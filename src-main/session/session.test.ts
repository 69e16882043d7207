import { describe, expect, it } from 'vitest';
import type { RunEvent } from '../contract';
import { SessionHost, startRun } from './session';

function collect(): { events: RunEvent[]; on: (e: RunEvent) => void } {
  const events: RunEvent[] = [];
  return { events, on: (e) => events.push(e) };
}

describe('session (worker thread per run)', () => {
  it('runs a script in a worker and streams its output, then done', async () => {
    const { events, on } = collect();
    const h = startRun({ code: `print(6 * 7); lab.result({ ok: true });`, filename: 'a.js' }, on);
    const done = await h.done;
    expect(done).toMatchObject({ type: 'done', runId: h.runId, ok: true, result: { ok: true } });
    expect(events.filter((e) => e.type === 'output').map((e) => (e as { text: string }).text).join('')).toBe('42\n');
    expect(events.at(-1)).toBe(done);
  });

  it('stops an infinite loop from another thread', async () => {
    const { on } = collect();
    const h = startRun({ code: `print('spinning'); while (true) {}`, filename: 'spin.js' }, on);
    await new Promise((r) => setTimeout(r, 1500));
    expect(await h.stop()).toBe(true);
    const done = await h.done;
    expect(done.error).toMatchObject({ kind: 'stopped' });
    expect(await h.stop()).toBe(false);
  });

  it('ends a run that hits its deadline, and the next run works', async () => {
    const host = new SessionHost(() => {});
    const first = startRun({ code: `while (true) {}`, filename: 'a.js', limits: { timeoutMs: 200 } }, () => {});
    expect((await first.done).error).toMatchObject({ kind: 'limit', limit: 'timeout' });
    const { events, on } = collect();
    const second = startRun({ code: `print('alive')`, filename: 'b.js' }, on);
    expect((await second.done).ok).toBe(true);
    expect(events.some((e) => e.type === 'output' && e.text === 'alive\n')).toBe(true);
    await host.dispose();
  });

  it('a run the watchdog kills in a BPF load keeps the loads before it and says where it stopped', async () => {
    const { events, on } = collect();
    const code = [
      'const k = boot();',
      "k.bpf.prog_load({ asm: 'r0 = 0\\nexit', prog_type: 'socket_filter', prog_name: 'first' });",
      // A counted loop of 300,000 rounds, logged at level 2: the verifier walks it far longer than the deadline.
      "k.bpf.prog_load({ asm: 'r1 = 0\\nl: r1 += 1\\nif r1 < 300000 goto l\\nr0 = 0\\nexit', prog_type: 'socket_filter', log_level: 2, log_size: 16777215 });",
    ].join('\n');
    const done = await startRun({ code, filename: 'w.js', limits: { timeoutMs: 500 } }, on).done;
    expect(done.error).toMatchObject({ kind: 'limit', limit: 'watchdog', location: { file: 'w.js', line: 3, column: 16 } });
    const loads = events.flatMap((e) => (e.type === 'machine' ? [e.state.bpf.loads] : [])).at(-1);
    expect(loads?.map((l) => ({ name: l.name, ok: l.ok }))).toEqual([{ name: 'first', ok: true }]);
  });

  it('refuses an invalid request before starting anything', () => {
    expect(() => startRun({ code: 1 as unknown as string, filename: 'a.js' }, () => {})).toThrow();
  });

  it('gives byte-identical output for the same script and seed', async () => {
    const code = `for (let i = 0; i < 3; i++) print(Math.random(), Date.now());`;
    const texts: string[] = [];
    for (const seed of [5, 5]) {
      const { events, on } = collect();
      await startRun({ code, filename: 'd.js', seed }, on).done;
      texts.push(events.map((e) => (e.type === 'output' ? e.text : '')).join(''));
    }
    expect(texts[0]).toBe(texts[1]);
    expect(texts[0]!.split('\n')).toHaveLength(4);
  });
});
