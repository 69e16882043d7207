/**
 * The native helper (native/kernel-oracle.c): built with the system's C compiler on first use into a cache
 * directory keyed by the source's hash, then spoken to over its line protocol (see the C file's header).
 * Calls are synchronous: one helper process per batch of requests, so a batch shares the helper's fds
 * (maps created first, then the program that uses them, then its test runs).
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Raised (with a one-line message) when the oracle cannot do what was asked on this machine. */
export class OracleUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OracleUnavailableError';
  }
}

/** One parsed response line: `ok` or `err` plus its key=value fields. */
export interface HelperResponse {
  ok: boolean;
  fields: Record<string, string>;
}

/** Where the C source lives: next to this file, or (bundled builds) under the working directory. */
export function helperSourcePath(): string | undefined {
  const candidates: string[] = [];
  try {
    candidates.push(join(dirname(fileURLToPath(import.meta.url)), 'native', 'kernel-oracle.c'));
  } catch {
    // import.meta.url is not a file URL in some bundles.
  }
  candidates.push(join(process.cwd(), 'src-main', 'oracle', 'native', 'kernel-oracle.c'));
  return candidates.find((p) => existsSync(p));
}

/** The cache directory: $XDG_CACHE_HOME/kernel-lab or ~/.cache/kernel-lab. */
export function cacheDir(): string {
  const base = process.env['XDG_CACHE_HOME'] || join(homedir(), '.cache');
  return join(base, 'kernel-lab');
}

/** Encodes bytes as the protocol's lowercase hex. */
export function toHex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
}

/** Decodes protocol hex (empty for a missing field). */
export function fromHex(s: string | undefined): Uint8Array {
  return s ? new Uint8Array(Buffer.from(s, 'hex')) : new Uint8Array(0);
}

/** Parses one response line. */
export function parseResponse(line: string): HelperResponse {
  const words = line.trim().split(' ');
  const fields: Record<string, string> = {};
  for (const w of words.slice(1)) {
    const eq = w.indexOf('=');
    if (eq > 0) fields[w.slice(0, eq)] = w.slice(eq + 1);
  }
  return { ok: words[0] === 'ok', fields };
}

/** Formats one request line; byte arrays become hex, undefined fields are left out. */
export function request(cmd: string, fields: Record<string, number | string | Uint8Array | undefined> = {}): string {
  const parts = [cmd];
  for (const [k, v] of Object.entries(fields)) {
    if (v === undefined) continue;
    parts.push(`${k}=${v instanceof Uint8Array ? toHex(v) : String(v)}`);
  }
  return parts.join(' ');
}

/** A built helper binary, or the one-line reason it could not be built. */
export type HelperBuild = { ok: true; path: string } | { ok: false; why: string };

let built: HelperBuild | undefined;

function firstLine(s: string): string {
  return (
    s
      .split('\n')
      .map((l) => l.trim())
      .find((l) => l !== '' && !l.startsWith('In file included')) ?? ''
  );
}

/** A directory only this user can write, for the helper binary: the cache directory, else one under /tmp. */
function binaryDir(preferred: string): string | undefined {
  try {
    mkdirSync(preferred, { recursive: true, mode: 0o700 });
    return preferred;
  } catch {
    // fall back to the temporary directory
  }
  const dir = join(tmpdir(), `kernel-lab-${process.getuid?.() ?? 'user'}`);
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const st = statSync(dir);
    // The binary runs with our privileges: never take one from a directory someone else controls.
    if (process.getuid && (st.uid !== process.getuid() || (st.mode & 0o022) !== 0)) return undefined;
    return dir;
  } catch {
    return undefined;
  }
}

/** How long a helper built from another source is kept in the shared cache. */
const STALE_HELPER_MS = 7 * 24 * 3600 * 1000;

/** Builds (once per source hash) the helper with `$CC` or `cc -O2`; never throws. Options are for tests. */
export function buildHelper(opts: { cc?: string; dir?: string } = {}): HelperBuild {
  // Another checkout's build of a newer source removes older binaries from the shared cache: build again then.
  if (built?.ok && !existsSync(built.path)) built = undefined;
  if (opts.cc === undefined && opts.dir === undefined) return (built ??= build(process.env['CC'] || 'cc', cacheDir()));
  return build(opts.cc ?? (process.env['CC'] || 'cc'), opts.dir ?? cacheDir());
}

function build(cc: string, preferredDir: string): HelperBuild {
  const dir = binaryDir(preferredDir);
  if (!dir) return { ok: false, why: `no writable private directory for the native helper (tried ${preferredDir})` };
  const src = helperSourcePath();
  if (!src)
    return {
      ok: false,
      why: 'the native helper source (oracle/native/kernel-oracle.c) is not shipped with this build',
    };
  const text = readFileSync(src);
  const hash = createHash('sha256').update(text).update(process.arch).update(cc).digest('hex').slice(0, 16);
  const bin = join(dir, `kernel-oracle-${hash}`);
  if (existsSync(bin)) return { ok: true, path: bin };
  const tmp = `${bin}.${process.pid}.tmp`;
  try {
    execFileSync(cc, ['-O2', '-o', tmp, src], { stdio: ['ignore', 'ignore', 'pipe'], timeout: 60_000 });
    renameSync(tmp, bin); // atomic: concurrent builders race harmlessly
    // Builds of other sources unused for a week: another checkout of another version may be using the rest.
    const stale = statSync(bin).mtimeMs - STALE_HELPER_MS;
    for (const f of readdirSync(dir)) {
      if (!/^kernel-oracle-[0-9a-f]{16}$/.test(f) || join(dir, f) === bin) continue;
      try {
        if (statSync(join(dir, f)).mtimeMs < stale) rmSync(join(dir, f), { force: true });
      } catch {
        // Removed meanwhile by another builder.
      }
    }
    return { ok: true, path: bin };
  } catch (e) {
    rmSync(tmp, { force: true });
    const err = e as NodeJS.ErrnoException & { stderr?: Buffer };
    if (err.code === 'ENOENT') return { ok: false, why: `no C compiler found (${cc}) to build the native helper` };
    const detail = err.stderr ? firstLine(err.stderr.toString()) : err.message;
    return { ok: false, why: `building the native helper with ${cc} failed: ${detail}` };
  }
}

/**
 * The helper's arguments: this process's pid (the helper dies with SIGKILL when its parent does,
 * PR_SET_PDEATHSIG, and exits at once if that parent is already gone) and `--trusted` for the project's own
 * programs (policy.ts).
 */
export function helperArgs(trusted = false): string[] {
  return [`--parent=${process.pid}`, ...(trusted ? ['--trusted'] : [])];
}

/** Runs a batch of requests in one helper process; one response per request (throws OracleUnavailableError). */
export function runHelper(requests: readonly string[], timeoutMs = 120_000, trusted = false): HelperResponse[] {
  const spawn = () => {
    const b = buildHelper();
    if (!b.ok) throw new OracleUnavailableError(b.why);
    return spawnSync(b.path, helperArgs(trusted), {
      input: requests.join('\n') + '\n',
      maxBuffer: 256 * 1024 * 1024,
      timeout: timeoutMs,
      killSignal: 'SIGKILL',
      encoding: 'utf8',
    });
  };
  let res = spawn();
  // The cached binary was removed between the build check and the spawn (a cache cleaner, another checkout):
  // build it again once.
  if ((res.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT') res = spawn();
  if (res.error) throw new OracleUnavailableError(`the native helper could not run: ${res.error.message}`);
  if (res.signal) throw new OracleUnavailableError(`the native helper was killed by ${res.signal}`);
  return responses(res.stdout, res.stderr, requests.length);
}

function responses(stdout: string, stderr: string, expected: number): HelperResponse[] {
  const lines = stdout.split('\n').filter((l) => l !== '');
  if (lines.length !== expected) {
    throw new OracleUnavailableError(
      `the native helper answered ${lines.length} of ${expected} requests${stderr ? `: ${firstLine(stderr)}` : ''}`,
    );
  }
  return lines.map(parseResponse);
}

/** A helper run cut short by its AbortSignal (Stop) or its time limit: the helper and its program were killed. */
export class HelperKilledError extends OracleUnavailableError {
  constructor(
    message: string,
    readonly reason: 'aborted' | 'timeout',
  ) {
    super(message);
    this.name = 'HelperKilledError';
  }
}

/** Pids of the helpers running now (runHelperAsync), for tests that check a Stop leaves none behind. */
export const liveHelpers = new Set<number>();

/**
 * runHelper() without blocking the event loop. Rejects with OracleUnavailableError. An abort of `signal`, or the
 * time limit, kills the helper with SIGKILL (a test run in the kernel ends at its next repeat: bpf_test_timer_continue()
 * checks signal_pending()) and rejects with HelperKilledError.
 */
export function runHelperAsync(
  requests: readonly string[],
  timeoutMs = 120_000,
  opts: { trusted?: boolean; signal?: AbortSignal } = {},
): Promise<HelperResponse[]> {
  const b = buildHelper();
  if (!b.ok) return Promise.reject(new OracleUnavailableError(b.why));
  if (opts.signal?.aborted)
    return Promise.reject(new HelperKilledError('the kernel call was stopped before it started', 'aborted'));
  return new Promise((resolve, reject) => {
    const child = spawn(b.path, helperArgs(opts.trusted), { stdio: ['pipe', 'pipe', 'pipe'] });
    const pid = child.pid;
    if (pid !== undefined) liveHelpers.add(pid);
    let killed: HelperKilledError | undefined;
    const kill = (e: HelperKilledError): void => {
      if (killed || child.exitCode !== null || child.signalCode !== null) return;
      killed = e;
      child.kill('SIGKILL');
    };
    const timer = setTimeout(
      () => kill(new HelperKilledError(`the kernel call took longer than ${timeoutMs} ms and was killed`, 'timeout')),
      timeoutMs,
    );
    const onAbort = (): void =>
      kill(
        new HelperKilledError('the kernel call was stopped: the native helper and its program were killed', 'aborted'),
      );
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    child.on('error', (e) => reject(new OracleUnavailableError(`the native helper could not run: ${e.message}`)));
    child.on('close', (_code, signal) => {
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      if (pid !== undefined) liveHelpers.delete(pid);
      if (killed) return reject(killed);
      if (signal) return reject(new OracleUnavailableError(`the native helper was killed by ${signal}`));
      try {
        resolve(responses(Buffer.concat(out).toString('utf8'), Buffer.concat(err).toString('utf8'), requests.length));
      } catch (e) {
        reject(e as Error);
      }
    });
    child.stdin.on('error', () => {}); // an early exit shows up in `close`
    child.stdin.end(requests.join('\n') + '\n');
  });
}
