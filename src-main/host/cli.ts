/**
 * `npm run web`: the browser host. Prints `Kernel Lab at http://127.0.0.1:PORT/?token=TOKEN` on a line of its
 * own; `--port N` chooses the port (0 or none: any free one); `--open` opens the URL in a browser if one is there;
 * `--labs DIR` adds a course folder's labs to the lab list; `--settings FILE` is where the app's own course folders
 * are kept (default $XDG_CONFIG_HOME/kernel-lab/settings.json).
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { CourseFolders, defaultSettingsFile } from '../labs/course-folders';
import { setCourseDirs } from '../labs/labs';
import { defaultWorkspaceDir, Workspace } from '../workspace/workspace';
import { warmWorkers } from '../rpc';
import { startBrowserHost } from './server';

/** The built renderer: beside the bundled host (out/main -> out/renderer), or out/renderer of the checkout. */
function findRendererDir(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  for (const dir of [path.resolve(here, '../renderer'), path.resolve(here, '../../out/renderer')]) {
    if (existsSync(path.join(dir, 'index.html'))) return dir;
  }
  throw new Error('the renderer is not built: run `npm run build` first');
}

function findVersion(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    const p = path.join(dir, 'package.json');
    if (existsSync(p)) return (JSON.parse(readFileSync(p, 'utf8')) as { version: string }).version;
    dir = path.dirname(dir);
  }
  return '0.0.0';
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '0' },
      open: { type: 'boolean', default: false },
      workspace: { type: 'string' },
      // A course folder of labs, beside the built-in ones (repeatable; $KERNEL_LAB_LABS too).
      labs: { type: 'string', multiple: true },
      // The settings file of the course folders added in the app.
      settings: { type: 'string' },
    },
    strict: true,
  });
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`kernel-lab: --port takes a number from 0 to 65535, not '${values.port}'`);
    process.exit(2);
  }
  for (const d of values.labs ?? []) {
    if (!existsSync(d)) {
      console.error(`kernel-lab: --labs ${d}: no such folder`);
      process.exit(2);
    }
  }
  setCourseDirs(values.labs ?? []);
  // A session worker loads while the host starts, so that the first Run starts at once (KERNEL_LAB_WARM_WORKERS=0: none).
  warmWorkers.keepWarm();
  const { folders: courseFolders, warning } = await CourseFolders.open(
    path.resolve(values.settings ?? defaultSettingsFile()),
  );
  if (warning) console.warn(`kernel-lab: ${warning}`);
  const workspace = await Workspace.open(values.workspace ? path.resolve(values.workspace) : defaultWorkspaceDir());
  const host = await startBrowserHost({
    port,
    rendererDir: findRendererDir(),
    context: { version: findVersion(), workspace, courseFolders },
  });
  console.log(`Kernel Lab at ${host.url}`);
  console.log(`(workspace: ${workspace.root}; Ctrl+C to stop)`);
  if (values.open) openBrowser(host.url);
  const shutdown = (): void => {
    void host.close().then(() => process.exit(0));
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}

function openBrowser(url: string): void {
  if (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) return;
  const cmd = process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'explorer' : 'xdg-open';
  const child = spawn(cmd, [url], { stdio: 'ignore', detached: true });
  child.on('error', () => {});
  child.unref();
}

main().catch((e: unknown) => {
  console.error(`kernel-lab: ${(e as Error).message}`);
  process.exit(1);
});
