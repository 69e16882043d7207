/**
 * Electron's main process: one window with a sandboxed renderer (contextIsolation, sandbox, no nodeIntegration,
 * a strict CSP), navigation and new windows refused, IPC accepted only from our own page, and the contract
 * wired to the same RpcServer (and session code) as the browser host's.
 */
import { app, BrowserWindow, ipcMain, Menu, session, shell, type IpcMainInvokeEvent, type WebContents } from 'electron';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { RunEvent } from './contract';
import { rendererCsp } from './host/csp';
import { CALL_CHANNEL, EVENT_CHANNEL } from './ipc-channels';
import { RpcServer } from './rpc';
import { defaultWorkspaceDir, Workspace } from './workspace/workspace';

const here = path.dirname(fileURLToPath(import.meta.url));
const rendererIndex = path.resolve(here, '../renderer/index.html');
const rendererUrl = pathToFileURL(rendererIndex).href;
const preloadPath = path.resolve(here, '../preload/preload.cjs');

const servers = new Map<number, RpcServer>();

/** True when an IPC message comes from the top frame of one of our windows, showing our own page. */
function trustedSender(event: IpcMainInvokeEvent): boolean {
  const frame = event.senderFrame;
  if (!frame || frame.parent !== null) return false;
  if (!servers.has(event.sender.id)) return false;
  return frame.url.split(/[?#]/)[0] === rendererUrl;
}

function harden(contents: WebContents): void {
  contents.setWindowOpenHandler(({ url }) => {
    if (/^https:\/\//.test(url)) void shell.openExternal(url);
    return { action: 'deny' };
  });
  contents.on('will-navigate', (e, url) => {
    if (url.split(/[?#]/)[0] !== rendererUrl) e.preventDefault();
  });
  contents.on('will-redirect', (e) => e.preventDefault());
  contents.on('will-attach-webview', (e) => e.preventDefault());
}

async function createWindow(workspace: Workspace): Promise<void> {
  const win = new BrowserWindow({
    width: 1400,
    height: 900,
    title: 'Kernel Lab',
    backgroundColor: '#1e1e1e',
    webPreferences: {
      preload: preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      spellcheck: false,
    },
  });
  const contents = win.webContents;
  const id = contents.id;
  harden(contents);
  const rpc = new RpcServer({ host: 'electron', version: app.getVersion(), workspace }, (event: RunEvent) => {
    if (!contents.isDestroyed()) contents.send(EVENT_CHANNEL, event);
  });
  servers.set(id, rpc);
  win.on('closed', () => {
    servers.delete(id);
    void rpc.dispose();
  });
  await win.loadFile(rendererIndex);
}

app.enableSandbox();
app.on('web-contents-created', (_e, contents) => harden(contents));

app.whenReady().then(async () => {
  session.defaultSession.setPermissionRequestHandler((_wc, _perm, cb) => cb(false));
  session.defaultSession.webRequest.onHeadersReceived((details, cb) => {
    cb({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [rendererCsp()] } });
  });
  ipcMain.handle(CALL_CHANNEL, async (event, method: unknown, args: unknown) => {
    if (!trustedSender(event)) return { ok: false, error: { message: 'IPC refused: unknown sender', code: 'EACCES' } };
    const rpc = servers.get(event.sender.id)!;
    try {
      return { ok: true, value: await rpc.call(method, args) };
    } catch (e) {
      const err = e as Error & { code?: string };
      return { ok: false, error: { message: err.message, ...(err.code ? { code: err.code } : {}) } };
    }
  });
  Menu.setApplicationMenu(
    Menu.buildFromTemplate([
      { role: 'fileMenu' },
      { role: 'editMenu' },
      { role: 'viewMenu' },
      { role: 'windowMenu' },
    ]),
  );
  const dir = process.env.KERNEL_LAB_WORKSPACE ? defaultWorkspaceDir() : path.join(app.getPath('documents'), 'Kernel Lab');
  const workspace = await Workspace.open(dir);
  await createWindow(workspace);
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) void createWindow(workspace);
  });
});

app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit();
});
