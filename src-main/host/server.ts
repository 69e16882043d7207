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
import { pipeline } from 'node:stream/promises';
import { WebSocketServer, type WebSocket } from 'ws';
import { RpcServer, type RpcContext } from '../rpc';
import { maxRequestFrameBytes, parseRequestFrame, type ResponseFrame, type RunEvent } from '../contract';
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
  /** Where the host reports what it refused (a protocol error, a bad upgrade); by default stderr. */
  log?: (message: string) => void;
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

/**
 * The largest WebSocket message the host reads: the largest valid call of the contract (maxRequestFrameBytes), so
 * every valid call fits and anything larger is refused with close code 1009 before it is buffered.
 */
export const MAX_FRAME_BYTES = maxRequestFrameBytes();
/** Calls one socket may have unanswered at once; a client past it is closed with 1008 (policy violation). */
export const MAX_CALLS_IN_FLIGHT = 64;

/** WebSocket close codes (RFC 6455, 7.4.1) the host sends itself; ws sends 1002, 1007 and 1009 for frames it refuses. */
export const CLOSE_UNSUPPORTED_DATA = 1003;
export const CLOSE_POLICY = 1008;

export async function startBrowserHost(opts: BrowserHostOptions): Promise<BrowserHost> {
  const token = opts.token ?? randomBytes(32).toString('hex');
  const log = opts.log ?? ((m: string) => console.warn(`kernel-lab host: ${m}`));
  const rendererDir = path.resolve(opts.rendererDir);
  let port = 0;
  const allowedHosts = (): string[] => [`127.0.0.1:${port}`, `localhost:${port}`];
  const allowedOrigins = (): string[] => allowedHosts().map((h) => `http://${h}`);

  const server: Server = createServer((req, res) => {
    void serveStatic(req, res).catch((e: unknown) => {
      // A page that goes away mid-download (a reload) is no error of the host's.
      if ((e as NodeJS.ErrnoException).code !== 'ERR_STREAM_PREMATURE_CLOSE')
        log(`GET ${req.url ?? ''}: ${(e as Error).message}`);
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  // Malformed HTTP: answer 400 and drop that connection, as Node does by default, and say so.
  server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
    if (err.code !== 'ECONNRESET') log(`malformed HTTP request refused: ${err.message}`);
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    else socket.destroy();
  });
  server.on('error', (err) => log(`server error: ${err.message}`));

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
    else await pipeline(createReadStream(abs), res);
  }

  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: MAX_FRAME_BYTES,
  });
  wss.on('error', (err) => log(`WebSocket server error: ${err.message}`));

  server.on('upgrade', (req, socket, head) => {
    // A client that resets the connection mid-handshake must not take the process with it.
    const onError = (err: NodeJS.ErrnoException): void => {
      if (err.code !== 'ECONNRESET' && err.code !== 'EPIPE') log(`upgrade socket: ${err.message}`);
    };
    socket.on('error', onError);
    const reject = (status: number, why: string): void => {
      log(`WebSocket upgrade refused: ${status} ${why}`);
      socket.end(`HTTP/1.1 ${status} ${why}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    };
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (url.pathname !== '/ws') return reject(404, 'Not Found');
    if (!allowedHosts().includes(req.headers.host ?? '')) return reject(421, 'Misdirected Request');
    const origin = req.headers.origin;
    if (origin !== undefined && !allowedOrigins().includes(origin)) return reject(403, 'Forbidden');
    if (!tokenMatches(url.searchParams.get('token'), token)) return reject(401, 'Unauthorized');
    wss.handleUpgrade(req, socket, head, (ws) => {
      // From here ws handles the socket's errors (and closes the WebSocket on them).
      socket.off('error', onError);
      wss.emit('connection', ws, req);
    });
  });

  let nextSocket = 0;
  wss.on('connection', (ws: WebSocket) => {
    const name = `socket ${++nextSocket}`;
    // A frame ws refuses (bad UTF-8: 1007; unmasked, reserved opcode or bits, bad fragments: 1002; over maxPayload:
    // 1009) makes ws close this socket with that code and emit 'error' here: logged, and the host goes on.
    ws.on('error', (err: Error & { code?: string }) =>
      log(`${name}: closed on a protocol error: ${err.message}${err.code ? ` (${err.code})` : ''}`),
    );
    const send = (frame: ResponseFrame): void => {
      if (ws.readyState !== ws.OPEN) return;
      let text: string;
      try {
        text = JSON.stringify(frame);
      } catch (e) {
        // A result that cannot be written as JSON (a cycle, a bigint) is an error of its call, not of the host.
        if (frame.kind !== 'result') return log(`${name}: an event could not be sent: ${(e as Error).message}`);
        text = JSON.stringify({
          kind: 'result',
          id: frame.id,
          ok: false,
          error: { message: `the result could not be sent: ${(e as Error).message}`, code: 'EINVAL' },
        });
      }
      ws.send(text, (err) => {
        if (err) log(`${name}: send failed: ${err.message}`);
      });
    };
    const rpc = new RpcServer(
      {
        version: opts.context.version,
        workspace: opts.context.workspace,
        host: 'browser',
        ...(opts.context.courseFolders ? { courseFolders: opts.context.courseFolders } : {}),
      },
      (event: RunEvent) => send({ kind: 'event', event }),
    );
    let inFlight = 0;
    ws.on('message', (data, isBinary) => {
      if (isBinary) {
        log(`${name}: closed: a binary frame (the contract is JSON text)`);
        ws.close(CLOSE_UNSUPPORTED_DATA, 'binary frames are not part of the contract');
        return;
      }
      if (inFlight >= MAX_CALLS_IN_FLIGHT) {
        log(`${name}: closed: more than ${MAX_CALLS_IN_FLIGHT} calls in flight`);
        ws.close(CLOSE_POLICY, `more than ${MAX_CALLS_IN_FLIGHT} calls in flight`);
        return;
      }
      inFlight++;
      let id = -1;
      void (async () => {
        const frame: unknown = JSON.parse(String(data));
        if (frame && typeof frame === 'object' && typeof (frame as { id?: unknown }).id === 'number') {
          id = (frame as { id: number }).id;
        }
        const { method, args } = parseRequestFrame(frame);
        const value = await rpc.call(method, args);
        send({ kind: 'result', id, ok: true, value });
      })()
        .catch((e: unknown) => {
          const err: Error & { code?: unknown } = e instanceof Error ? e : new Error(String(e));
          const code = typeof err.code === 'string' ? err.code : undefined;
          send({ kind: 'result', id, ok: false, error: { message: String(err.message), ...(code ? { code } : {}) } });
        })
        .finally(() => inFlight--);
    });
    ws.on('close', () => {
      rpc.dispose().catch((e: unknown) => log(`${name}: cleanup failed: ${(e as Error).message}`));
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
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
