#!/usr/bin/env node
// `npm start`: builds when needed, then launches Electron; where Electron's binary is missing and cannot be
// fetched, says so in one line and starts the browser host instead. `npm run web` (--web) asks for the host.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { HOST_ENV } from './host-env.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const web = args.includes('--web');
const passThrough = args.filter((a) => a !== '--web');

function newest(dir) {
  let t = 0;
  if (!existsSync(dir)) return t;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

function buildIfNeeded() {
  const outputs = [
    'out/main/main.js',
    'out/main/host.js',
    'out/main/worker.js',
    'out/preload/preload.cjs',
    'out/renderer/index.html',
  ];
  const built = outputs.every((f) => existsSync(path.join(root, f)));
  const srcTime = Math.max(
    newest(path.join(root, 'src-main')),
    newest(path.join(root, 'src-renderer')),
    statSync(path.join(root, 'electron.vite.config.ts')).mtimeMs,
  );
  if (built && Math.min(...outputs.map((f) => statSync(path.join(root, f)).mtimeMs)) >= srcTime) return;
  console.log('kernel-lab: building the app (electron-vite build)…');
  const r = spawnSync(process.execPath, [path.join(root, 'node_modules/electron-vite/bin/electron-vite.js'), 'build'], {
    cwd: root,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  if (r.status !== 0) {
    console.error('kernel-lab: the build failed (see above)');
    process.exit(1);
  }
}

/** Electron's binary, fetching it once if it is missing (the electron package downloads it on first use). */
function electronBinary() {
  const pkg = path.join(root, 'node_modules/electron');
  const binary = () => {
    const pathFile = path.join(pkg, 'path.txt');
    if (!existsSync(pathFile)) return undefined;
    const bin = path.join(pkg, 'dist', readFileSync(pathFile, 'utf8').trim());
    return existsSync(bin) ? bin : undefined;
  };
  if (!existsSync(pkg)) return { why: 'the electron package is not installed' };
  let bin = binary();
  if (bin) return { bin };
  if (process.env.CI || process.env.KERNEL_LAB_NO_FETCH)
    return { why: "Electron's binary is not installed (not fetched under CI)" };
  const r = spawnSync(process.execPath, [path.join(pkg, 'install.js')], {
    cwd: pkg,
    stdio: 'ignore',
    timeout: 120_000,
  });
  bin = binary();
  return bin
    ? { bin }
    : {
        why: `Electron's binary is not installed and could not be fetched (${r.error ? r.error.message : `installer exit ${r.status}`})`,
      };
}

buildIfNeeded();
if (!web) {
  const e = electronBinary();
  if (e.bin) {
    const child = spawn(e.bin, [root, ...passThrough], { stdio: 'inherit', env: { ...HOST_ENV, ...process.env } });
    child.on('exit', (code) => process.exit(code ?? 0));
    process.on('SIGINT', () => child.kill('SIGINT'));
    process.on('SIGTERM', () => child.kill('SIGTERM'));
  } else {
    console.log(`kernel-lab: ${e.why}: starting the browser host instead.`);
  }
  if (e.bin) {
    // Electron runs; nothing more to do here.
  } else startHost();
} else startHost();

function startHost() {
  const child = spawn(process.execPath, [path.join(root, 'out/main/host.js'), '--open', ...passThrough], {
    stdio: 'inherit',
    env: { ...HOST_ENV, ...process.env },
  });
  child.on('exit', (code) => process.exit(code ?? 0));
  process.on('SIGINT', () => child.kill('SIGINT'));
  process.on('SIGTERM', () => child.kill('SIGTERM'));
}
