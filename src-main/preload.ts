/**
 * The preload of the sandboxed renderer: exposes the contract as `window.lab`, and nothing else. Every call goes
 * through one IPC channel as `{ method, args }`; the main side validates it against the contract.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import type { CallName, HostCommand, LabApi, RunEvent } from './contract';
import { CALL_CHANNEL, CALL_NAMES, COMMAND_CHANNEL, EVENT_CHANNEL } from './ipc-channels';

type Envelope = { ok: true; value: unknown } | { ok: false; error: { message: string; code?: string } };

const api: Record<string, unknown> = {};
for (const method of CALL_NAMES) {
  api[method] = async (...args: unknown[]): Promise<unknown> => {
    const reply = (await ipcRenderer.invoke(CALL_CHANNEL, method satisfies CallName, args)) as Envelope;
    if (reply.ok) return reply.value;
    const err = new Error(reply.error.message);
    if (reply.error.code) (err as Error & { code?: string }).code = reply.error.code;
    throw err;
  };
}
api.onEvent = (listener: (event: RunEvent) => void): (() => void) => {
  const handler = (_e: IpcRendererEvent, event: RunEvent): void => listener(event);
  ipcRenderer.on(EVENT_CHANNEL, handler);
  return () => ipcRenderer.removeListener(EVENT_CHANNEL, handler);
};

api.onCommand = (listener: (command: HostCommand) => void): (() => void) => {
  const handler = (_e: IpcRendererEvent, command: unknown): void => {
    if (command === 'chooseWorkspace') listener(command);
  };
  ipcRenderer.on(COMMAND_CHANNEL, handler);
  return () => ipcRenderer.removeListener(COMMAND_CHANNEL, handler);
};

contextBridge.exposeInMainWorld('lab', api as LabApi);
