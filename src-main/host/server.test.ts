import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { FILE_CHUNK_CHARS, maxRequestFrameBytes, type FileChunk, type ResponseFrame } from '../contract';
import { Workspace } from '../workspace/workspace';
import { MAX_FRAME_BYTES, startBrowserHost, type BrowserHost } from './server';

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
    expect(await call(ws, { id: 1, method: 'hostInfo', args: [] })).toMatchObject({
      ok: true,
      value: { canChooseWorkspace: false },
    });
    const r = await call(ws, { id: 2, method: 'chooseWorkspace', args: [] });
    expect(r).toMatchObject({ id: 2, ok: false, error: { code: 'ENOTSUP' } });
    expect(r.kind === 'result' && !r.ok && r.error.message).toMatch(
      /browser host's workspace is a folder under the user's data directory/,
    );
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

  it('takes frames up to the largest valid call of the contract, and answers a too-long saveFile with an error', async () => {
    expect(MAX_FRAME_BYTES).toBe(maxRequestFrameBytes());
    const ws = await connect();
    // The largest saveFile text, in the characters JSON writes longest (\uXXXX, 6 bytes each): 6 MiB on the wire.
    const worst = '\ud800'.repeat(FILE_CHUNK_CHARS);
    const frame = JSON.stringify({ id: 1, method: 'saveFile', args: ['worst.txt', worst] });
    expect(Buffer.byteLength(frame)).toBeGreaterThan(6 * FILE_CHUNK_CHARS);
    expect(await call(ws, frame)).toMatchObject({ id: 1, ok: true, value: { path: 'worst.txt' } });
    expect(
      await call(ws, { id: 2, method: 'saveFile', args: ['long.txt', 'x'.repeat(FILE_CHUNK_CHARS + 1)] }),
    ).toMatchObject({
      id: 2,
      ok: false,
      error: { code: 'EBADARGS', message: expect.stringMatching(/saveFile: invalid arguments at 1/) },
    });
    expect(ws.readyState).toBe(WebSocket.OPEN);
    ws.close();
  });

  it('saves and reads back 12M characters of "€" (36 MB) in chunks', async () => {
    const ws = await connect();
    const length = 12 << 20;
    let id = 0;
    const ok = async (method: string, args: unknown[]): Promise<unknown> => {
      const r = await call(ws, { id: ++id, method, args });
      if (r.kind !== 'result' || !r.ok) throw new Error(`${method}: ${JSON.stringify(r)}`);
      return r.value;
    };
    const { saveId, chunkChars } = (await ok('saveBegin', ['euro.txt', { length, expected: null }])) as {
      saveId: string;
      chunkChars: number;
    };
    expect(chunkChars).toBe(FILE_CHUNK_CHARS);
    const piece = '€'.repeat(chunkChars);
    for (let off = 0; off < length; off += chunkChars)
      expect(await ok('saveChunk', [saveId, off, piece])).toEqual({ received: off + chunkChars });
    const entry = (await ok('saveCommit', [saveId])) as { size: number; version: string };
    expect(entry.size).toBe(3 * length);
    let got = 0;
    let euros = true;
    for (let off = 0; off < length;) {
      const c = (await ok('readFileChunk', ['euro.txt', { offset: off, version: entry.version }])) as FileChunk;
      expect(c).toMatchObject({ length, version: entry.version, offset: off });
      euros &&= /^€*$/.test(c.content);
      got += c.content.length;
      off += c.content.length;
    }
    expect({ got, euros }).toEqual({ got: length, euros: true });
    // A save based on the old version is refused now that the file is there.
    const stale = (await ok('saveBegin', ['euro.txt', { length: 1, expected: null }])) as { saveId: string };
    await ok('saveChunk', [stale.saveId, 0, 'x']);
    expect(await call(ws, { id: ++id, method: 'saveCommit', args: [stale.saveId] })).toMatchObject({
      ok: false,
      error: { code: 'ECONFLICT' },
    });
    ws.close();
  });
});
