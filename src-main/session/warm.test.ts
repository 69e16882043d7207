import { afterEach, describe, expect, it } from 'vitest';
import type { RunEvent } from '../contract';
import { startRun, type DoneEvent } from './session';
import { WarmPool } from './warm';

const pools: WarmPool[] = [];
afterEach(() => {
  for (const p of pools.splice(0)) p.keepWarm(0);
});

async function warmPool(): Promise<WarmPool> {
  const pool = new WarmPool();
  pools.push(pool);
  pool.keepWarm(1);
  await pool.ready();
  return pool;
}

async function run(
  pool: WarmPool,
  code: string,
  seed = 1,
  limits?: { timeoutMs: number },
): Promise<{ done: DoneEvent; output: string }> {
  const events: RunEvent[] = [];
  const done = await startRun({ code, filename: 'w.js', seed, ...(limits ? { limits } : {}) }, (e) => events.push(e), {
    pool,
  }).done;
  const output = events.flatMap((e) => (e.type === 'output' ? [e.text] : [])).join('');
  return { done, output };
}

// Every engine's state, the PRNG and the virtual clock, printed: a run that saw anything of an earlier one differs.
const ENGINES = `
const k = boot({ memory: '2G' });
const held = [];
for (let i = 0; i < 200; i++) held.push(k.mm.alloc_pages('GFP_KERNEL', i % 3));
for (let i = 0; i < held.length; i += 2) k.mm.__free_pages(held[i], i % 3);
print(JSON.stringify(k.mm.meminfo()));
const p = k.bpf.prog_load({ asm: 'r0 = 7\\nexit', prog_type: 'socket_filter', prog_name: 'seven' });
print(JSON.stringify(k.bpf.prog_test_run(p, { data_in: new Uint8Array(64) })));
const dev = k.ublk.add_dev({ target: 'null', nr_hw_queues: 2, queue_depth: 32, dev_size: '64M' });
dev.start_dev();
print(JSON.stringify(k.ublk.fio({ dev, rw: 'randread', bs: '4k', iodepth: 16, ios: 2000 })));
for (let i = 0; i < 3; i++) print(Math.random(), Date.now(), performance.now(), k.now_ns());
lab.result({ free: k.mm.meminfo().MemFree });
`;

describe('warm session workers', () => {
  it(
    'serves two runs on the same worker with byte-identical output for the same seed',
    { timeout: 120_000 },
    async () => {
      const pool = await warmPool();
      const [thread] = pool.threadIds;
      const first = await run(pool, ENGINES, 7);
      expect(first.done.error).toBeUndefined();
      // The worker came back to the pool: the next run goes to it.
      expect(pool.threadIds).toEqual([thread]);
      const second = await run(pool, ENGINES, 7);
      expect(pool.threadIds).toEqual([thread]);
      expect(second.done.ok).toBe(true);
      expect(second.output).toBe(first.output);
      expect(second.done.result).toEqual(first.done.result);
      // And a fresh worker gives the same again.
      const fresh = await startRun({ code: ENGINES, filename: 'w.js', seed: 7 }, () => {}).done;
      expect(fresh.result).toEqual(first.done.result);
    },
  );

  it(
    'a script that changes globals and engine state in one run leaves nothing for the next',
    { timeout: 120_000 },
    async () => {
      const pool = await warmPool();
      const [thread] = pool.threadIds;
      const mutate = `
      globalThis.leaked = 'run 1';
      Object.prototype.polluted = true;
      Array.prototype.push = function () { return -1 };
      Math.random = () => 4;
      JSON.stringify = () => 'hijacked';
      const k = boot({ memory: '1G' });
      k.mm.alloc_pages('GFP_KERNEL', 4);
      k.bpf.map_create({ map_type: 'BPF_MAP_TYPE_ARRAY', key_size: 4, value_size: 8, max_entries: 4, map_name: 'leak' });
      // An exception out of an engine call leaves no state behind either.
      try { k.ublk.add_dev({ target: 'null', queue_depth: 0 }) } catch (e) { print(e.name) }
      print('mutated');
    `;
      expect((await run(pool, mutate, 3)).done.error).toBeUndefined();
      expect(pool.threadIds).toEqual([thread]);
      const look = `
      const k = boot({ memory: '1G' });
      print(typeof globalThis.leaked, ({}).polluted, [].push(1), JSON.stringify({ a: 1 }), Math.random() === 4);
      const m = k.bpf.map_create({ map_type: 'BPF_MAP_TYPE_HASH', key_size: 4, value_size: 8, max_entries: 4 });
      print(m.id, JSON.stringify(k.mm.meminfo()));
    `;
      const seen = await run(pool, look, 3);
      expect(pool.threadIds).toEqual([thread]);
      const fresh = await startRun({ code: look, filename: 'w.js', seed: 3 }, () => {}).done;
      expect(seen.output.split('\n')[0]).toBe('undefined undefined 1 {"a":1} false');
      expect(seen.done.ok).toBe(true);
      expect(fresh.ok).toBe(true);
      // What the fresh worker prints is what the reused one printed.
      const freshOut: string[] = [];
      await startRun({ code: look, filename: 'w.js', seed: 3 }, (e) => e.type === 'output' && freshOut.push(e.text), {})
        .done;
      expect(seen.output).toBe(freshOut.join(''));
    },
  );

  it('terminates the worker of a stopped run and has a new one ready', { timeout: 120_000 }, async () => {
    const pool = await warmPool();
    const [thread] = pool.threadIds;
    let spinning!: () => void;
    const going = new Promise<void>((r) => (spinning = r));
    const h = startRun(
      { code: `print('go'); while (true) {}`, filename: 's.js' },
      (e) => e.type === 'output' && spinning(),
      { pool },
    );
    await going;
    // The run took the warm worker.
    expect(pool.threadIds).toEqual([]);
    expect(await h.stop()).toBe(true);
    expect((await h.done).error).toMatchObject({ kind: 'stopped' });
    expect(pool.threadIds).toHaveLength(1);
    expect(pool.threadIds).not.toContain(thread);
    await pool.ready();
    const next = await run(pool, `print('alive')`);
    expect(next.output).toBe('alive\n');
  });

  it(
    'retires the worker of a run that hit a limit, and keeps the one of a script error',
    { timeout: 120_000 },
    async () => {
      const pool = await warmPool();
      const [a] = pool.threadIds;
      const timedOut = await run(pool, `while (true) {}`, 1, { timeoutMs: 200 });
      expect(timedOut.done.error).toMatchObject({ kind: 'limit', limit: 'timeout' });
      expect(pool.threadIds).not.toContain(a);
      await pool.ready();
      const [b] = pool.threadIds;
      const threw = await run(pool, `throw new TypeError('mine')`);
      expect(threw.done.error).toMatchObject({ kind: 'script', name: 'TypeError' });
      expect(pool.threadIds).toEqual([b]);
    },
  );

  it('starts a worker per run and keeps none when off', async () => {
    const pool = new WarmPool();
    expect(pool.enabled).toBe(false);
    const r = await run(pool, `print(1)`);
    expect(r.output).toBe('1\n');
    expect(pool.threadIds).toEqual([]);
  });
});
