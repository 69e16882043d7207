import { describe, expect, it } from 'vitest';
import type { RunEvent } from '../contract';
import {
  CLIENT_MAX_QUEUED,
  CLIENT_MAX_RUNS,
  HOST_MAX_RUNS,
  RunQueue,
  RunQueueFullError,
  SessionHost,
  startRun,
} from './session';
import { availableParallelism } from 'node:os';

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
    expect(
      events
        .filter((e) => e.type === 'output')
        .map((e) => (e as { text: string }).text)
        .join(''),
    ).toBe('42\n');
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
    expect(done.error).toMatchObject({
      kind: 'limit',
      limit: 'watchdog',
      location: { file: 'w.js', line: 3, column: 16 },
    });
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

describe('run queue: runs per host and per client', () => {
  /** A queued entry that records when it starts and where it stands. */
  function entry(q: RunQueue, client?: object): { started: boolean; positions: number[]; cancel: () => void } {
    const e = { started: false, positions: [] as number[], cancel: () => {} };
    e.cancel = q.enqueue({ client, launch: () => (e.started = true), position: (ahead) => e.positions.push(ahead) });
    return e;
  }

  it('runs one per core by default (at most 8), or KERNEL_LAB_MAX_RUNS', () => {
    const env = Number(process.env.KERNEL_LAB_MAX_RUNS);
    expect(HOST_MAX_RUNS).toBe(
      Number.isInteger(env) && env >= 1 ? env : Math.max(1, Math.min(8, availableParallelism())),
    );
  });

  it('starts runs up to the host limit and queues the rest in order', () => {
    const q = new RunQueue(2);
    const [a, b, c, d] = [entry(q), entry(q), entry(q), entry(q)];
    expect([a.started, b.started, c.started, d.started]).toEqual([true, true, false, false]);
    expect(c.positions.at(-1)).toBe(0);
    expect(d.positions.at(-1)).toBe(1);
    q.release(undefined);
    expect(c.started).toBe(true);
    expect(d.positions.at(-1)).toBe(0);
    q.release(undefined);
    expect(d.started).toBe(true);
    expect(q.stats).toEqual({ running: 2, waiting: 0 });
  });

  it('lets a client run CLIENT_MAX_RUNS at once; other clients pass its waiting runs', () => {
    const q = new RunQueue(8);
    const x = {};
    const y = {};
    const xs = Array.from({ length: CLIENT_MAX_RUNS + 1 }, () => entry(q, x));
    expect(xs.map((e) => e.started)).toEqual([...Array(CLIENT_MAX_RUNS).fill(true), false]);
    const other = entry(q, y);
    expect(other.started).toBe(true);
    q.release(x);
    expect(xs.at(-1)!.started).toBe(true);
  });

  it('refuses a client past CLIENT_MAX_QUEUED waiting runs with EAGAIN, and takes a stopped run out of the queue', () => {
    const q = new RunQueue(1);
    const x = {};
    entry(q, {});
    const waiting = Array.from({ length: CLIENT_MAX_QUEUED }, () => entry(q, x));
    expect(() => entry(q, x)).toThrow(RunQueueFullError);
    try {
      entry(q, x);
    } catch (e) {
      expect((e as RunQueueFullError).code).toBe('EAGAIN');
    }
    waiting[0]!.cancel();
    expect(waiting[1]!.positions.at(-1)).toBe(0);
    expect(() => entry(q, x)).not.toThrow();
  });

  it('tells a queued run how many are ahead, starts it when one ends, and stops it while it waits', async () => {
    const q = new RunQueue(1);
    const first = collect();
    const spin = startRun({ code: `print('spinning'); while (true) {}`, filename: 'spin.js' }, first.on, { queue: q });
    const second = collect();
    const b = startRun({ code: `print('second ran')`, filename: 'b.js' }, second.on, { queue: q });
    const third = collect();
    const c = startRun({ code: `print('third ran')`, filename: 'c.js' }, third.on, { queue: q });
    expect(second.events[0]).toEqual({
      type: 'queued',
      runId: b.runId,
      ahead: 0,
      message: 'queued: 0 runs ahead (1 of 1 running on this host)',
    });
    expect(third.events[0]).toMatchObject({
      type: 'queued',
      ahead: 1,
      message: 'queued: 1 run ahead (1 of 1 running on this host)',
    });
    // Stopped while it waits: it ends at once, never starts, and the run behind it moves up.
    expect(await b.stop()).toBe(true);
    expect((await b.done).error).toMatchObject({ kind: 'stopped' });
    expect(second.events.some((e) => e.type === 'output')).toBe(false);
    expect(third.events.at(-1)).toMatchObject({ type: 'queued', ahead: 0 });
    expect(await spin.stop()).toBe(true);
    const done = await c.done;
    expect(done.ok).toBe(true);
    expect(third.events.filter((e) => e.type === 'output').map((e) => (e as { text: string }).text)).toEqual([
      'third ran\n',
    ]);
    expect(q.stats).toEqual({ running: 0, waiting: 0 });
  });
});
