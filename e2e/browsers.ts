/**
 * Finds a browser for the browser-host specs, in this order: /usr/bin/chromium, a Chrome or Chromium on
 * the PATH, Playwright's own installed browsers. Never downloads one.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

export type BrowserChoice = { executablePath?: string; label: string } | undefined;

export function findBrowser(): BrowserChoice {
  if (process.env.KERNEL_LAB_BROWSER && existsSync(process.env.KERNEL_LAB_BROWSER)) {
    return { executablePath: process.env.KERNEL_LAB_BROWSER, label: process.env.KERNEL_LAB_BROWSER };
  }
  if (existsSync('/usr/bin/chromium')) return { executablePath: '/usr/bin/chromium', label: '/usr/bin/chromium' };
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    for (const name of ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable', 'chrome']) {
      const p = path.join(dir, name);
      if (dir && existsSync(p)) return { executablePath: p, label: p };
    }
  }
  const cache = process.env.PLAYWRIGHT_BROWSERS_PATH || path.join(process.env.HOME ?? '', '.cache', 'ms-playwright');
  if (existsSync(cache)) return { label: `Playwright's browsers in ${cache}` };
  return undefined;
}

export const NO_BROWSER_HINT =
  'no browser for the e2e specs: install one (Debian/Ubuntu: `sudo apt-get install chromium`), or set KERNEL_LAB_BROWSER=/path/to/chrome';

/** The Electron binary, if installed; looked up without `require('electron')`, which would try to download it. */
export function findElectron(root: string): string | undefined {
  const pkg = path.join(root, 'node_modules', 'electron');
  const override = process.env.ELECTRON_OVERRIDE_DIST_PATH;
  const pathFile = path.join(pkg, 'path.txt');
  if (!existsSync(pathFile) && !override) return undefined;
  const rel = existsSync(pathFile) ? readFileSync(pathFile, 'utf8').trim() : 'electron';
  const bin = override ? path.join(override, rel) : path.join(pkg, 'dist', rel);
  return existsSync(bin) ? bin : undefined;
}
