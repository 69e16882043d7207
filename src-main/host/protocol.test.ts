/**
 * The browser host against bytes no browser sends: hand-made WebSocket frames (RFC 6455, 5.2) after a valid
 * handshake, each refused with its close code, and a seeded fuzz of random frames, random JSON and random calls.
 * After all of it the host must still serve a run. Loopback only; counts are bounded, nothing is timed.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { connect as tcpConnect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { callNames, type ResponseFrame } from '../contract';
import { Workspace } from '../workspace/workspace';
import { MAX_FRAME_BYTES, startBrowserHost, type BrowserHost } from './server';
import { Prng } from '../engines/common/prng';

let host: BrowserHost;
const logged: string[] = [];

beforeAll(async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'kl-proto-'));
  const renderer = path.join(dir, 'renderer');
  await Workspace.open(renderer);
  await writeFile(path.join(renderer, 'index.html'), '<!doctype html><title>Kernel Lab</title>');
  const workspace = await Workspace.open(path.join(dir, 'ws'));
  host = await startBrowserHost({
    rendererDir: renderer,
    context: { version: '0.0.0-test', workspace },
    log: (m) => logged.push(m),
  });
});
afterAll(() => host.close());

interface FrameSpec {
  fin?: boolean;
  rsv?: number;
  opcode: number;
  mask?: boolean;
  payload?: Uint8Array;
  /** The length the header claims (default: the payload's); may exceed what is sent. */
  claimed?: bigint;
}

/** Encodes one frame as a client would (masked unless told otherwise). */
function frame(f: FrameSpec): Buffer {
  const payload = Buffer.from(f.payload ?? new Uint8Array());
  const claimed = f.claimed ?? BigInt(payload.length);
  const mask = f.mask ?? true;
  const head: number[] = [((f.fin ?? true) ? 0x80 : 0) | ((f.rsv ?? 0) << 4) | (f.opcode & 0x0f)];
  const m = mask ? 0x80 : 0;
  let ext = Buffer.alloc(0);
  if (claimed < 126n) head.push(m | Number(claimed));
  else if (claimed < 65536n) {
    head.push(m | 126);
    ext = Buffer.alloc(2);
    ext.writeUInt16BE(Number(claimed));
  } else {
    head.push(m | 127);
    ext = Buffer.alloc(8);
    ext.writeBigUInt64BE(claimed);
  }
  const key = mask ? randomBytes(4) : Buffer.alloc(0);
  const body = Buffer.from(payload);
  if (mask) for (let i = 0; i < body.length; i++) body[i]! ^= key[i & 3]!;
  return Buffer.concat([Buffer.from(head), ext, key, body]);
}

interface Raw {
  sock: Socket;
  /** Resolves with the close code of the server's close frame (or null without one) once the TCP connection ends. */
  closed: Promise<number | null>;
}

/** A TCP connection that has done a valid WebSocket handshake with the host. */
function rawSocket(): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const sock = tcpConnect(host.port, '127.0.0.1');
    let buf = Buffer.alloc(0);
    let upgraded = false;
    let code: number | null = null;
    let closeResolve!: (c: number | null) => void;
    const closed = new Promise<number | null>((r) => (closeResolve = r));
    sock.on('error', () => {});
    sock.on('close', () => {
      closeResolve(code);
      if (!upgraded) reject(new Error(`no upgrade: ${buf.toString('latin1').slice(0, 200)}`));
    });
    sock.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      if (!upgraded) {
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) return;
        const head = buf.subarray(0, end).toString('latin1');
        if (!head.startsWith('HTTP/1.1 101')) return reject(new Error(head));
        upgraded = true;
        buf = buf.subarray(end + 4);
        resolve({ sock, closed });
      }
      // Server frames are unmasked; look for a close frame (opcode 8) and read its code.
      for (;;) {
        if (buf.length < 2) return;
        let len = buf[1]! & 0x7f;
        let off = 2;
        if (len === 126) {
          if (buf.length < 4) return;
          len = buf.readUInt16BE(2);
          off = 4;
        } else if (len === 127) {
          if (buf.length < 10) return;
          len = Number(buf.readBigUInt64BE(2));
          off = 10;
        }
        if (buf.length < off + len) return;
        if ((buf[0]! & 0x0f) === 8 && code === null) code = len >= 2 ? buf.readUInt16BE(off) : 1005;
        buf = buf.subarray(off + len);
      }
    });
    sock.write(
      `GET /ws?token=${host.token} HTTP/1.1\r\nHost: 127.0.0.1:${host.port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
    );
  });
}

/** Sends frames on a fresh connection, then half-closes it; resolves the server's close code. */
async function sendRaw(frames: Buffer[]): Promise<number | null> {
  const { sock, closed } = await rawSocket();
  for (const f of frames) sock.write(f);
  sock.end();
  return closed;
}

function connect(): Promise<WebSocket> {
  const ws = new WebSocket(`ws://127.0.0.1:${host.port}/ws?token=${host.token}`);
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

/** Runs `print(6*7)` through a fresh socket and resolves its output and its done event. */
async function serveRun(): Promise<{ output: string; ok: boolean }> {
  const ws = await connect();
  let output = '';
  const done = new Promise<boolean>((resolve) => {
    ws.on('message', (data) => {
      const msg = JSON.parse(String(data)) as ResponseFrame;
      if (msg.kind === 'event' && msg.event.type === 'output') output += msg.event.text;
      if (msg.kind === 'event' && msg.event.type === 'done') resolve(msg.event.ok);
      if (msg.kind === 'result' && !msg.ok) resolve(false);
    });
  });
  ws.send(JSON.stringify({ id: 1, method: 'run', args: [{ code: 'print(6*7)', filename: 'after.js' }] }));
  const ok = await done;
  ws.close();
  return { output, ok };
}

/** hostInfo through a fresh socket: the host still answers. */
async function answers(): Promise<boolean> {
  const ws = await connect();
  const reply = new Promise<ResponseFrame>((resolve) =>
    ws.once('message', (data) => resolve(JSON.parse(String(data)) as ResponseFrame)),
  );
  ws.send(JSON.stringify({ id: 7, method: 'hostInfo', args: [] }));
  const r = await reply;
  ws.close();
  return r.kind === 'result' && r.ok && (r.value as { host: string }).host === 'browser';
}

const text = (s: string): Uint8Array => new TextEncoder().encode(s);
const HOST_INFO = text(JSON.stringify({ id: 1, method: 'hostInfo', args: [] }));

describe('browser host: frames it must refuse', () => {
  it.each<[string, FrameSpec[], number]>([
    ['a text frame that is not UTF-8', [{ opcode: 1, payload: new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]) }], 1007],
    ['an unmasked client frame', [{ opcode: 1, mask: false, payload: HOST_INFO }], 1002],
    ['a reserved data opcode (3)', [{ opcode: 3, payload: HOST_INFO }], 1002],
    ['a reserved control opcode (0xb)', [{ opcode: 0xb }], 1002],
    ['RSV1 without an extension', [{ opcode: 1, rsv: 4, payload: HOST_INFO }], 1002],
    ['a continuation with nothing to continue', [{ opcode: 0, payload: HOST_INFO }], 1002],
    ['a fragmented ping', [{ opcode: 9, fin: false }], 1002],
    [
      'a frame one byte over the limit',
      [{ opcode: 1, claimed: BigInt(MAX_FRAME_BYTES + 1), payload: text('{') }],
      1009,
    ],
    [
      'fragments adding up to more than the limit',
      [
        { opcode: 1, fin: false, payload: text('[') },
        { opcode: 0, fin: false, claimed: BigInt(MAX_FRAME_BYTES) },
      ],
      1009,
    ],
    ['a length of 2^63 - 1', [{ opcode: 1, claimed: 2n ** 63n - 1n }], 1009],
    ['a binary frame', [{ opcode: 2, payload: HOST_INFO }], 1003],
  ])('closes the socket on %s with the right code, logs it, and goes on', async (_name, frames, code) => {
    const before = logged.length;
    expect(await sendRaw(frames.map(frame))).toBe(code);
    expect(logged.slice(before).join('\n')).toMatch(/closed/);
    expect(await answers()).toBe(true);
  });

  it('closes a socket that keeps more calls in flight than allowed with 1008', async () => {
    const listLabs = text(JSON.stringify({ id: 1, method: 'listLabs', args: [] }));
    // Written in one go: the host reads them all before the first call has been answered.
    const code = await sendRaw(Array.from({ length: 400 }, () => frame({ opcode: 1, payload: listLabs })));
    expect(code).toBe(1008);
    expect(await answers()).toBe(true);
  });

  it('answers a well-formed frame on the same raw connection (the handshake and framing are right)', async () => {
    const { sock, closed } = await rawSocket();
    const got = new Promise<string>((resolve) => sock.on('data', (d: Buffer) => resolve(d.toString('latin1'))));
    sock.write(frame({ opcode: 1, payload: HOST_INFO }));
    expect(await got).toContain('"host":"browser"');
    sock.write(frame({ opcode: 8, payload: new Uint8Array([0x03, 0xe8]) }));
    expect(await closed).toBe(1000);
  });

  it('serves a run after every refusal above', async () => {
    expect(await serveRun()).toEqual({ output: '42\n', ok: true });
  });
});

describe('browser host: fuzz', () => {
  it('survives random frames, random JSON and random calls, and serves a run afterwards', async () => {
    const seed = Number(process.env.KERNEL_LAB_FUZZ_SEED ?? 22);
    const gen = new Prng(seed); // the engines' seeded PRNG: the fuzz is reproducible from its seed
    const rnd = (): number => gen.nextFloat();
    const int = (n: number): number => Math.floor(rnd() * n);
    const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;
    const bytes = (n: number): Uint8Array => Uint8Array.from({ length: n }, () => int(256));
    const junkString = (): string =>
      pick([
        () => '',
        () => 'x'.repeat(int(40)),
        () => '../../etc/passwd',
        () => 'a'.repeat(600),
        () => '\u0000\ud800€',
        () => String.fromCharCode(...Array.from({ length: int(20) }, () => int(0x10000))),
        () => `run-${int(1e6)}`,
        () => `save-${int(1e6)}`,
        () => 'hello.js',
      ])();
    const value = (depth: number): unknown => {
      const k = int(depth > 2 ? 5 : 8);
      if (k === 0) return null;
      if (k === 1) return rnd() < 0.5;
      if (k === 2) return pick([0, -1, 1.5, 2 ** 53, -(2 ** 31), 1e308, NaN]);
      if (k === 3 || k === 4) return junkString();
      if (k === 5 || k === 6) return Array.from({ length: int(4) }, () => value(depth + 1));
      return Object.fromEntries(
        Array.from({ length: int(4) }, () => [
          pick(['code', 'filename', 'offset', 'length', 'expected', '__proto__', 'constructor', junkString()]),
          value(depth + 1),
        ]),
      );
    };
    const payload = (): Uint8Array =>
      pick([
        () => bytes(int(64)),
        () => text(JSON.stringify(value(0)) ?? 'null'),
        () => HOST_INFO,
        () => new Uint8Array([0xc0, 0x80, 0xed, 0xa0, 0x80]), // overlong NUL, an encoded surrogate
        () => text('{"id":1,"method":"hostInfo","args":[]'),
        () => new Uint8Array(),
      ])();
    let framesSent = 0;
    let rawConnections = 0;
    const codes: Record<string, number> = {};

    // 1. Random frames after a valid handshake: opcodes, FIN, RSV, masks, lengths (7-bit, 16-bit, 64-bit, huge).
    for (let batch = 0; batch < 30; batch++) {
      await Promise.all(
        Array.from({ length: 10 }, async () => {
          const frames: Buffer[] = [];
          for (let i = 1 + int(4); i > 0; i--) {
            const body = payload();
            const lengthKind = int(10);
            const claimed =
              lengthKind === 0
                ? BigInt(MAX_FRAME_BYTES + int(1 << 20))
                : lengthKind === 1
                  ? 2n ** 63n + BigInt(int(1000))
                  : lengthKind === 2
                    ? BigInt(body.length + int(70000))
                    : undefined;
            frames.push(
              frame({
                fin: rnd() < 0.8,
                rsv: rnd() < 0.85 ? 0 : int(8),
                opcode: rnd() < 0.6 ? pick([0, 1, 2, 8, 9, 10]) : int(16),
                mask: rnd() < 0.85,
                payload: body,
                ...(claimed !== undefined ? { claimed } : {}),
              }),
            );
          }
          // Sometimes a frame cut short, as a dropped connection leaves it.
          if (rnd() < 0.2) frames[frames.length - 1] = frames.at(-1)!.subarray(0, int(frames.at(-1)!.length));
          framesSent += frames.length;
          rawConnections++;
          const code = await sendRaw(frames);
          codes[String(code)] = (codes[String(code)] ?? 0) + 1;
        }),
      );
    }

    // 2. Random JSON and random calls of every method with random arguments, on well-behaved sockets.
    // kernelCheck is left out: a valid one would load a program into this machine's kernel.
    const methods = callNames.filter((m) => m !== 'kernelCheck');
    let calls = 0;
    let answered = 0;
    for (let s = 0; s < 10; s++) {
      const ws = await connect();
      const pending = new Set<number>();
      const allAnswered = new Promise<void>((resolve) => {
        ws.on('message', (data) => {
          const msg = JSON.parse(String(data)) as ResponseFrame;
          if (msg.kind === 'result') {
            answered++;
            pending.delete(msg.id);
            if (pending.size === 0) resolve();
          }
        });
      });
      for (let i = 0; i < 40; i++) {
        const id = s * 1000 + i;
        pending.add(id);
        const f =
          rnd() < 0.3
            ? value(0)
            : {
                id,
                method: rnd() < 0.9 ? pick(methods) : junkString(),
                args: rnd() < 0.9 ? Array.from({ length: int(4) }, () => value(1)) : value(1),
              };
        // Frames without a usable id are answered with id -1: count them by their own answer.
        const text = JSON.stringify(f) ?? 'null';
        if (!(f && typeof f === 'object' && (f as { id?: unknown }).id === id)) {
          pending.delete(id);
          pending.add(-1);
        }
        ws.send(text);
        calls++;
        framesSent++;
      }
      await Promise.race([allAnswered, new Promise((r) => ws.once('close', r))]);
      ws.close();
    }

    // 3. After all of it: a real run through a socket, and the host's answers are right.
    let served = 0;
    for (let i = 0; i < 3; i++) {
      const r = await serveRun();
      expect(r).toEqual({ output: '42\n', ok: true });
      served++;
    }
    console.log(
      `host fuzz (seed ${seed}): ${framesSent} frames (${rawConnections} raw connections, ${calls} JSON frames and calls, ${answered} answered); ` +
        `close codes ${JSON.stringify(codes)}; ${served} runs served after`,
    );
    expect(rawConnections).toBe(300);
    expect(Object.keys(codes)).toEqual(expect.arrayContaining(['1002']));
    expect(served).toBe(3);
  });
});
