/**
 * Starts the built browser host (out/main/host.js) on a free loopback port with a throw-away workspace, and
 * hands its URL to the specs. Stops it at the end.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { scaffoldLab } from '../src-main/labs/scaffold';

export default async function globalSetup(): Promise<() => Promise<void>> {
  const root = path.resolve(import.meta.dirname, '..');
  const hostJs = path.join(root, 'out/main/host.js');
  if (!existsSync(hostJs)) throw new Error('the app is not built: run `npm run build` before the e2e specs');
  const workspace = await mkdtemp(path.join(tmpdir(), 'kernel-lab-e2e-'));
  process.env.KERNEL_LAB_E2E_WORKSPACE = workspace;
  // A course folder with one lab of its own (as `lab new` makes it): the web host takes it as --labs, the
  // Electron app through $KERNEL_LAB_LABS.
  const course = await mkdtemp(path.join(tmpdir(), 'kernel-lab-e2e-course-'));
  await scaffoldLab(path.join(course, '20-course-secret-pages'));
  process.env.KERNEL_LAB_E2E_COURSE = course;
  process.env.KERNEL_LAB_LABS = course;
  // The app's own settings (course folders added in the app) go to a throw-away file, never the user's.
  const settings = path.join(await mkdtemp(path.join(tmpdir(), 'kernel-lab-e2e-settings-')), 'settings.json');
  process.env.KERNEL_LAB_SETTINGS = settings;
  const child = spawn(
    process.execPath,
    [hostJs, '--port', '0', '--workspace', workspace, '--labs', course, '--settings', settings],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const url = await new Promise<string>((resolve, reject) => {
    let buf = '';
    const timer = setTimeout(() => reject(new Error(`the browser host printed no URL: ${buf}`)), 30_000);
    child.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      const m = /^Kernel Lab at (http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]+)$/m.exec(buf);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    child.once('exit', (code) => reject(new Error(`the browser host exited (${code}): ${buf}`)));
  });
  process.env.KERNEL_LAB_URL = url;
  return async () => {
    child.kill('SIGTERM');
  };
}
