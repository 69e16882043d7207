/**
 * The browser host: serves the built renderer and the contract over a WebSocket, on 127.0.0.1 only. The
 * WebSocket requires the per-run token printed in the URL and refuses foreign Origins; the Host header is
 * checked against DNS rebinding. Behind it is the same RpcServer (and session code) as Electron's.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import { RpcServer, type RpcContext } from '../rpc';
import { parseRequestFrame, type ResponseFrame, type RunEvent } from '../contract';
import { rendererCsp } from './csp';

export interface BrowserHostOptions {
  /** 0 or undefined: any free port. */
  port?: number;
  /** The built renderer (out/renderer). */
  rendererDir: string;
  /** The browser host never offers chooseWorkspace: its workspace stays under the user's data directory. */
  context: Omit<RpcContext, 'host' | 'chooseWorkspace'>;
  /** A fixed token (tests); by default 32 random bytes, hex. */
  token?: string;
}

export interface BrowserHost {
  url: string;
  port: number;
  token: string;
  close(): Promise<void>;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ttf': 'font/ttf',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.wasm': 'application/wasm',
  '.map': 'application/json',
  '.d.ts': 'text/plain; charset=utf-8',
};

const MAX_FRAME_BYTES = 32 << 20;

export async function startBrowserHost(opts: BrowserHostOptions): Promise<BrowserHost> {
  const token = opts.token ?? randomBytes(32).toString('hex');
  const rendererDir = path.resolve(opts.rendererDir);
  let port = 0;
  const allowedHosts = (): string[] => [`127.0.0.1:${port}`, `localhost:${port}`];
  const allowedOrigins = (): string[] => allowedHosts().map((h) => `http://${h}`);

  const server: Server = createServer((req, res) => {
    void serveStatic(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });

  async function serveStatic(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!allowedHosts().includes(req.headers.host ?? '')) {
      res.writeHead(421, { 'content-type': 'text/plain' }).end('misdirected request\n');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    let rel = decodeURIComponent(url.pathname);
    if (rel.endsWith('/')) rel += 'index.html';
    const abs = path.resolve(rendererDir, '.' + rel);
    if (abs !== rendererDir && !abs.startsWith(rendererDir + path.sep)) {
      res.writeHead(403).end();
      return;
    }
    let size: number;
    try {
      const s = await stat(abs);
      if (!s.isFile()) throw new Error('not a file');
      size = s.size;
    } catch {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    const ext = abs.endsWith('.d.ts') ? '.d.ts' : path.extname(abs);
    res.writeHead(200, {
      'content-type': TYPES[ext] ?? 'application/octet-stream',
      'content-length': size,
      'content-security-policy': rendererCsp(),
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'cross-origin-opener-policy': 'same-origin',
      'cache-control': 'no-store',
    });
    if (req.method === 'HEAD') res.end();
    else createReadStream(abs).pipe(res);
  }

  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: MAX_FRAME_BYTES,
  });

  server.on('upgrade', (req, socket, head) => {
    const reject = (status: number, why: string): void => {
      socket.end(`HTTP/1.1 ${status} ${why}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    };
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (url.pathname !== '/ws') return reject(404, 'Not Found');
    if (!allowedHosts().includes(req.headers.host ?? '')) return reject(421, 'Misdirected Request');
    const origin = req.headers.origin;
    if (origin !== undefined && !allowedOrigins().includes(origin)) return reject(403, 'Forbidden');
    if (!tokenMatches(url.searchParams.get('token'), token)) return reject(401, 'Unauthorized');
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  });

  wss.on('connection', (ws: WebSocket) => {
    const send = (frame: ResponseFrame): void => {
      if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(frame));
    };
    const rpc = new RpcServer({ version: opts.context.version, workspace: opts.context.workspace, host: 'browser' }, (event: RunEvent) => send({ kind: 'event', event }));
    ws.on('message', (data, isBinary) => {
      let id = -1;
      void (async () => {
        if (isBinary) throw new Error('binary frames are not part of the contract');
        const frame: unknown = JSON.parse(String(data));
        if (frame && typeof frame === 'object' && typeof (frame as { id?: unknown }).id === 'number') {
          id = (frame as { id: number }).id;
        }
        const { method, args } = parseRequestFrame(frame);
        const value = await rpc.call(method, args);
        send({ kind: 'result', id, ok: true, value });
      })().catch((e: unknown) => {
        const err = e as Error & { code?: string };
        send({ kind: 'result', id, ok: false, error: { message: err.message, ...(err.code ? { code: err.code } : {}) } });
      });
    });
    ws.on('close', () => void rpc.dispose());
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/?token=${token}`,
    port,
    token,
    close: async () => {
      for (const c of wss.clients) c.terminate();
      wss.close();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

function tokenMatches(given: string | null, token: string): boolean {
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}
