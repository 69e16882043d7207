/**
 * The host's memory returns near its baseline after runs end: 50 boot-heavy runs (each boots two 32G machines
 * and works their page allocators), queued at once, in a child process started with --expose-gc and the
 * hosts' environment (scripts/host-env.mjs). RSS after a full GC once every run has ended must be within 2x of
 * RSS after a full GC before the first.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { HOST_ENV } from '../../scripts/host-env.mjs';

interface Figures {
  runs: number;
  ok: number;
  failed: string[];
  concurrent: number;
  start: number;
  peak: number;
  end: number;
}

function fixture(args: string[]): Promise<Figures> {
  const file = fileURLToPath(new URL('./rss.fixture.ts', import.meta.url));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', file, ...args], {
      env: { ...process.env, ...HOST_ENV },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0) reject(new Error(`rss fixture exited with ${code}: ${err.slice(-2000)}`));
      else resolve(JSON.parse(out.trim().split('\n').at(-1)!) as Figures);
    });
  });
}

const MiB = (n: number): string => `${(n / 1048576).toFixed(1)} MiB`;

describe('host memory across runs', () => {
  it('returns within 2x of its start after 50 boot-heavy runs', { timeout: 1_800_000 }, async () => {
    const r = await fixture(['50', '32G', '2']);
    console.log(
      `rss: start ${MiB(r.start)}, peak ${MiB(r.peak)}, after 50 runs ${MiB(r.end)} (${r.concurrent} runs at once)`,
    );
    expect(r.failed).toEqual([]);
    expect(r.ok).toBe(50);
    // The runs really held their machines (a run's two hold 64 MiB of frame arrays alone)...
    expect(r.peak - r.start).toBeGreaterThan(64 << 20);
    // ...and gave it back.
    expect(r.end).toBeLessThan(2 * r.start);
  });
});
