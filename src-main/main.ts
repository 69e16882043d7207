/**
 * Electron's main process: one window with a sandboxed renderer (contextIsolation, sandbox, no nodeIntegration,
 * a strict CSP), navigation and new windows refused, IPC accepted only from our own page, and the contract
 * wired to the same RpcServer (and session code) as the browser host's.
 */
import {
  app,
  BrowserWindow,
  dialog,
  ipcMain,
  Menu,
  session,
  shell,
  type IpcMainInvokeEvent,
  type WebContents,
} from 'electron';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { HostCommand, RunEvent } from './contract';
import { rendererCsp } from './host/csp';
import { CALL_CHANNEL, COMMAND_CHANNEL, EVENT_CHANNEL } from './ipc-channels';
import { RpcServer } from './rpc';
import { CourseFolders } from './labs/course-folders';
import { SETTINGS_FILE, WorkspaceChooser } from './workspace/chooser';
import { warmWorkers } from './rpc';

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

/** The native folder dialog of "Choose workspace folder…", attached to the window that asked. */
async function pickFolder(win: BrowserWindow, current: string): Promise<string | undefined> {
  const r = await dialog.showOpenDialog(win, {
    title: 'Choose workspace folder',
    buttonLabel: 'Use as workspace',
    defaultPath: current,
    properties: ['openDirectory', 'createDirectory', 'promptToCreate'],
  });
  return r.canceled ? undefined : r.filePaths[0];
}

/** Sends a menu command to a window's renderer, which carries it out with its own calls (saving its edits first). */
function sendCommand(win: BrowserWindow | undefined | null, command: HostCommand): void {
  if (win && !win.isDestroyed() && servers.has(win.webContents.id)) win.webContents.send(COMMAND_CHANNEL, command);
}

async function createWindow(chooser: WorkspaceChooser, courseFolders: CourseFolders): Promise<void> {
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
  const context = {
    host: 'electron' as const,
    version: app.getVersion(),
    get workspace() {
      return chooser.current;
    },
    chooseWorkspace: () => chooser.choose((current) => pickFolder(win, current)),
    courseFolders,
  };
  const rpc = new RpcServer(context, (event: RunEvent) => {
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
  // A session worker loads while the window opens, so that the first Run starts at once (KERNEL_LAB_WARM_WORKERS=0: none).
  warmWorkers.keepWarm();
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
      {
        label: 'File',
        submenu: [
          {
            label: 'Choose Workspace Folder…',
            click: (_item, win) =>
              sendCommand(win instanceof BrowserWindow ? win : BrowserWindow.getFocusedWindow(), 'chooseWorkspace'),
          },
          { type: 'separator' },
          process.platform === 'darwin' ? { role: 'close' } : { role: 'quit' },
        ],
      },
      { role: 'editMenu' },
      { role: 'viewMenu' },
      { role: 'windowMenu' },
    ]),
  );
  // Documents/Kernel Lab by default, the folder chosen last time if still there; $KERNEL_LAB_WORKSPACE (e2e) wins.
  const settingsFile = process.env.KERNEL_LAB_SETTINGS || path.join(app.getPath('userData'), SETTINGS_FILE);
  const { chooser, initial } = await WorkspaceChooser.start({
    env: process.env.KERNEL_LAB_WORKSPACE,
    settingsFile,
    defaultDir: path.join(app.getPath('documents'), 'Kernel Lab'),
  });
  if (initial.warning) console.warn(`Kernel Lab: ${initial.warning}`);
  // The course folders added in the app's lab list, kept in the same settings file.
  const { folders: courseFolders, warning } = await CourseFolders.open(settingsFile);
  if (warning) console.warn(`Kernel Lab: ${warning}`);
  await createWindow(chooser, courseFolders);
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) void createWindow(chooser, courseFolders);
  });
});

app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit();
});
