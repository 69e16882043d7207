/**
 * The renderer's access to the main side: `window.lab` from the Electron preload, or the same API over the
 * browser host's WebSocket (authenticated by the token in the page's URL). The renderer knows only the contract.
 */
import type { CallName, CallArgs, CallResult, LabApi, ResponseFrame, RunEvent } from '../src-main/contract';

declare global {
  interface Window {
    lab?: LabApi;
  }
}

export class ConnectionError extends Error {}

/** This origin's browser host token, kept after a connection so that a shared link (no token) opens here. */
const TOKEN_KEY = 'kernel-lab.host-token';

/** Connects to the browser host's WebSocket; resolves once it is open. */
async function connectWebSocket(): Promise<LabApi> {
  // A shared link carries no token (it is a secret of this host): the one this origin connected with last serves.
  const token = new URLSearchParams(location.search).get('token') ?? localStorage.getItem(TOKEN_KEY);
  if (!token)
    throw new ConnectionError('This page needs the token of its URL: open the address that `npm run web` printed.');
  const ws = new WebSocket(
    `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws?token=${encodeURIComponent(token)}`,
  );
  const pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  const listeners = new Set<(e: RunEvent) => void>();
  let nextId = 1;
  let closed: Error | undefined;

  await new Promise<void>((resolve, reject) => {
    ws.addEventListener(
      'open',
      () => {
        localStorage.setItem(TOKEN_KEY, token);
        resolve();
      },
      { once: true },
    );
    ws.addEventListener(
      'error',
      () => reject(new ConnectionError('Cannot reach the Kernel Lab host (is it still running? is the token right?)')),
      { once: true },
    );
  });
  ws.addEventListener('message', (msg) => {
    const text = String(msg.data);
    const big = text.length > 100_000;
    if (big) performance.mark('ws-parse-start');
    const frame = JSON.parse(text) as ResponseFrame;
    // Large frames are machine states: their parse time is one of the workbench's performance figures.
    if (big) performance.measure('ws-parse', 'ws-parse-start');
    if (frame.kind === 'event') {
      for (const l of listeners) l(frame.event);
      return;
    }
    const p = pending.get(frame.id);
    if (!p) return;
    pending.delete(frame.id);
    if (frame.ok) p.resolve(frame.value);
    else p.reject(Object.assign(new Error(frame.error.message), { code: frame.error.code }));
  });
  ws.addEventListener('close', () => {
    closed = new ConnectionError('The connection to the Kernel Lab host was closed.');
    for (const p of pending.values()) p.reject(closed);
    pending.clear();
    window.dispatchEvent(new CustomEvent('lab-disconnected'));
  });

  const onEvent = (listener: (e: RunEvent) => void): (() => void) => {
    listeners.add(listener);
    return () => listeners.delete(listener);
  };
  const call = (method: CallName, args: unknown[]): Promise<unknown> =>
    new Promise((resolve, reject) => {
      if (closed) return reject(closed);
      const id = nextId++;
      pending.set(id, { resolve, reject });
      ws.send(JSON.stringify({ id, method, args }));
    });
  // Every property is a call of the contract (the host validates the name); the list lives in contract.ts only.
  return new Proxy({} as LabApi, {
    get: (_t, prop) => {
      if (prop === 'onEvent') return onEvent;
      // Not thenable: `await connectLab()` must not take this for a promise. Not a call either: onCommand, the
      // Electron menu's commands, which the browser host has none of (`lab.onCommand?.()` must see undefined).
      if (typeof prop !== 'string' || prop === 'then' || prop === 'onCommand') return undefined;
      return (...args: unknown[]) => call(prop as CallName, args);
    },
  });
}

/** The lab API of whichever host this page runs in. */
export async function connectLab(): Promise<LabApi> {
  return window.lab ?? connectWebSocket();
}

export type { CallArgs, CallResult };
