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
