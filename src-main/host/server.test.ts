import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { ResponseFrame } from '../contract';
import { Workspace } from '../workspace/workspace';
import { startBrowserHost, type BrowserHost } from './server';

let host: BrowserHost;

beforeAll(async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'kl-host-'));
  const renderer = path.join(dir, 'renderer');
  await Workspace.open(renderer);
  await writeFile(path.join(renderer, 'index.html'), '<!doctype html><title>Kernel Lab</title>');
  const workspace = await Workspace.open(path.join(dir, 'ws'));
  host = await startBrowserHost({ rendererDir: renderer, context: { version: '0.0.0-test', workspace } });
});
afterAll(() => host.close());

function connect(opts: { token?: string; origin?: string; hostHeader?: string } = {}): Promise<WebSocket> {
  const token = opts.token ?? host.token;
  const ws = new WebSocket(`ws://127.0.0.1:${host.port}/ws?token=${token}`, {
    ...(opts.origin ? { origin: opts.origin } : {}),
    ...(opts.hostHeader ? { headers: { host: opts.hostHeader } } : {}),
  });
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    ws.once('error', reject);
  });
}

function call(ws: WebSocket, frame: unknown): Promise<ResponseFrame> {
  return new Promise((resolve) => {
    const onMessage = (data: WebSocket.RawData): void => {
      const msg = JSON.parse(String(data)) as ResponseFrame;
      if (msg.kind === 'result') {
        ws.off('message', onMessage);
        resolve(msg);
      }
    };
    ws.on('message', onMessage);
    ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  });
}

describe('browser host', () => {
  it('prints a loopback URL with its token', () => {
    expect(host.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]{64}$/);
  });

  it('serves the renderer with a strict CSP, and nothing outside it', async () => {
    const res = await fetch(`http://127.0.0.1:${host.port}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
    for (const p of ['/../../etc/passwd', '/%2e%2e/%2e%2e/etc/passwd', '/..%2f..%2fetc%2fpasswd']) {
      const r = await fetch(`http://127.0.0.1:${host.port}${p}`);
      expect([403, 404]).toContain(r.status);
      expect(await r.text()).not.toContain('root:');
    }
  });

  it('refuses a WebSocket without the token, with a wrong one, or from a foreign origin or host', async () => {
    await expect(connect({ token: '' })).rejects.toThrow('HTTP 401');
    await expect(connect({ token: 'f'.repeat(64) })).rejects.toThrow('HTTP 401');
    await expect(connect({ origin: 'http://evil.example' })).rejects.toThrow('HTTP 403');
    await expect(connect({ hostHeader: 'evil.example' })).rejects.toThrow('HTTP 421');
  });

  it('answers contract calls and refuses malformed ones', async () => {
    const ws = await connect({ origin: `http://127.0.0.1:${host.port}` });
    const info = await call(ws, { id: 1, method: 'hostInfo', args: [] });
    expect(info).toMatchObject({ kind: 'result', id: 1, ok: true, value: { host: 'browser', version: '0.0.0-test' } });
    expect(await call(ws, { id: 2, method: 'evalInMain', args: [] })).toMatchObject({ id: 2, ok: false });
    expect(await call(ws, { id: 3, method: 'openFile', args: ['../../etc/passwd'] })).toMatchObject({
      id: 3,
      ok: false,
      error: { code: 'EBADARGS' },
    });
    expect(await call(ws, 'not json')).toMatchObject({ ok: false });
    ws.close();
  });

  it('says it cannot choose the workspace folder, and answers chooseWorkspace with ENOTSUP', async () => {
    const ws = await connect();
    expect(await call(ws, { id: 1, method: 'hostInfo', args: [] })).toMatchObject({ ok: true, value: { canChooseWorkspace: false } });
    const r = await call(ws, { id: 2, method: 'chooseWorkspace', args: [] });
    expect(r).toMatchObject({ id: 2, ok: false, error: { code: 'ENOTSUP' } });
    expect(r.kind === 'result' && !r.ok && r.error.message).toMatch(/browser host's workspace is a folder under the user's data directory/);
    ws.close();
  });

  it('runs a script and streams its events over the socket', async () => {
    const ws = await connect();
    const events: unknown[] = [];
    const done = new Promise<void>((resolve) => {
      ws.on('message', (data) => {
        const msg = JSON.parse(String(data)) as ResponseFrame;
        if (msg.kind === 'event') {
          events.push(msg.event);
          if (msg.event.type === 'done') resolve();
        }
      });
    });
    const res = await call(ws, { id: 1, method: 'run', args: [{ code: 'print(6*7)', filename: 'x.js' }] });
    expect(res).toMatchObject({ ok: true });
    await done;
    expect(events).toContainEqual(expect.objectContaining({ type: 'output', text: '42\n' }));
    expect(events.at(-1)).toMatchObject({ type: 'done', ok: true });
    ws.close();
  });
});
