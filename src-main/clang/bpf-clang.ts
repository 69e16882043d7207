/**
 * Compiling a `.bpf.c` file with the host's clang, in the main process (issue 21): `clang --target=bpf -O2 -g -c`
 * run with execFile (no shell), a time limit, the project's own headers (engines/bpf/include) and the workspace
 * as include paths, in a private temporary directory. Compiler diagnostics come back located at the C line for
 * editor markers. Where no clang is installed, findClang() says so in one line and how to get one; assembly
 * programs need no compiler.
 */
import { execFile, spawnSync } from 'node:child_process';
import { accessSync, constants, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, delimiter, join } from 'node:path';
import type { BpfCompileDiagnostic, BpfCompileResult } from '../engines/bpf/index';
import { BPF_C_HEADERS } from '../engines/bpf';

/** Debian ships clang 14 to 22 as clang-N; plain `clang` is the default one. */
const CANDIDATES = ['clang', ...Array.from({ length: 9 }, (_, i) => `clang-${22 - i}`)];
/** The variable that names a compiler to use instead of the search. */
export const CLANG_ENV = 'KERNEL_LAB_CLANG';
/** Default time limit of one compile. */
export const COMPILE_TIMEOUT_MS = 30_000;
const MAX_OUTPUT = 1 << 20;

export type ClangFound = { ok: true; path: string } | { ok: false; why: string };

/** The clang to use: $KERNEL_LAB_CLANG, else the first of clang, clang-22 … clang-14 on PATH. */
export function findClang(env: NodeJS.ProcessEnv = process.env): ClangFound {
  const forced = env[CLANG_ENV];
  if (forced)
    return executable(forced)
      ? { ok: true, path: forced }
      : { ok: false, why: `${CLANG_ENV}=${forced} is not an executable file` };
  const dirs = (env['PATH'] ?? '').split(delimiter).filter(Boolean);
  for (const name of CANDIDATES) {
    for (const d of dirs) {
      const p = join(d, name);
      if (executable(p)) return { ok: true, path: p };
    }
  }
  return {
    ok: false,
    why: `no clang on PATH (tried ${CANDIDATES[0]}, ${CANDIDATES[1]} … ${CANDIDATES[CANDIDATES.length - 1]}): install one (Debian: apt-get install clang-19, or any clang 14–22) to build C programs; assembly works without it`,
  };
}

function executable(p: string): boolean {
  try {
    accessSync(p, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** One compiler diagnostic, at the line of the C file (or a header) it names. */
export type ClangDiagnostic = BpfCompileDiagnostic;

export type CompileResult = BpfCompileResult;

/** Options of one compile. */
export interface CompileOptions {
  /** The file name the source goes by (its diagnostics and line_info name it), default `prog.bpf.c`. */
  filename?: string;
  /** More include directories (the workspace's folder), searched after the project's headers. */
  includeDirs?: readonly string[];
  timeoutMs?: number;
  clang?: string;
  signal?: AbortSignal;
}

/** Parses `file:line:col: severity: message` lines of clang's output. */
export function parseDiagnostics(log: string, dir?: string): ClangDiagnostic[] {
  const out: ClangDiagnostic[] = [];
  for (const m of log.matchAll(/^(.+?):(\d+):(\d+): (error|warning|note|fatal error): (.*)$/gm)) {
    let file = m[1]!;
    if (dir && file.startsWith(`${dir}/`)) file = file.slice(dir.length + 1);
    out.push({
      file,
      line: Number(m[2]),
      col: Number(m[3]),
      severity: m[4] as ClangDiagnostic['severity'],
      message: m[5]!,
    });
  }
  return out;
}

/** The private directory of one compile: the source and the project's headers written, the arguments for clang. */
function prepare(source: string, opts: CompileOptions): { dir: string; name: string; out: string; args: string[] } {
  const name = basename(opts.filename ?? 'prog.bpf.c').replace(/[^A-Za-z0-9_.+-]/g, '_') || 'prog.bpf.c';
  const dir = mkdtempSync(join(tmpdir(), 'kernel-lab-clang-'));
  const inc = join(dir, 'include');
  writeFileSync(join(dir, name), source);
  mkdirSync(inc);
  for (const [h, text] of Object.entries(BPF_C_HEADERS)) writeFileSync(join(inc, h), text);
  const out = join(dir, `${name.replace(/\.c$/, '')}.o`);
  const args = [
    '--target=bpf',
    '-O2',
    '-g',
    '-c',
    name,
    '-o',
    out,
    '-I',
    inc,
    ...(opts.includeDirs ?? []).flatMap((d) => ['-I', d]),
    // line_info names the file as the workspace does, not as this temporary directory.
    `-fdebug-prefix-map=${dir}=.`,
    '-fno-color-diagnostics',
    '-fno-caret-diagnostics',
  ];
  return { dir, name, out, args };
}

/** What clang's exit, output and object make of one compile. */
function outcome(
  p: { dir: string; name: string; out: string },
  r: { code: number | null; log: string; killed: boolean },
  why: { stopped: boolean; timeout: number },
): CompileResult {
  const { code, log, killed } = r;
  const diagnostics = parseDiagnostics(log, p.dir);
  if (killed)
    return {
      ok: false,
      diagnostics,
      log,
      why: why.stopped ? 'the compile was stopped' : `clang did not finish within ${why.timeout} ms`,
    };
  if (code !== 0) {
    const n = diagnostics.filter((d) => d.severity === 'error' || d.severity === 'fatal error').length;
    return {
      ok: false,
      diagnostics,
      log,
      why: n
        ? `${n} error${n === 1 ? '' : 's'} compiling ${p.name}`
        : `clang failed (${String(code)}): ${log.trim().split('\n')[0] ?? ''}`,
    };
  }
  return { ok: true, object: new Uint8Array(readFileSync(p.out)), diagnostics, log };
}

/** `clang --target=bpf -O2 -g -c` of one source; never throws for a compile error (ok: false with diagnostics). */
export async function compileBpfC(source: string, opts: CompileOptions = {}): Promise<CompileResult> {
  const clang = opts.clang ? { ok: true as const, path: opts.clang } : findClang();
  if (!clang.ok) return { ok: false, diagnostics: [], log: '', why: clang.why };
  const p = prepare(source, opts);
  try {
    const timeout = opts.timeoutMs ?? COMPILE_TIMEOUT_MS;
    const r = await new Promise<{ code: number | null; log: string; killed: boolean }>((resolve) => {
      execFile(
        clang.path,
        p.args,
        {
          cwd: p.dir,
          timeout,
          killSignal: 'SIGKILL',
          maxBuffer: MAX_OUTPUT,
          ...(opts.signal ? { signal: opts.signal } : {}),
        },
        (err, stdout, stderr) => {
          const e = err as (NodeJS.ErrnoException & { code?: number | string; killed?: boolean }) | null;
          resolve({
            code: e ? (typeof e.code === 'number' ? e.code : -1) : 0,
            log: `${stdout}${stderr}`,
            killed: !!e?.killed || e?.name === 'AbortError',
          });
        },
      );
    });
    return outcome(p, r, { stopped: !!opts.signal?.aborted, timeout });
  } finally {
    rmSync(p.dir, { recursive: true, force: true });
  }
}

/**
 * The same compile, blocking: for a run with no session (a sandbox in a test, a checker), where nothing else
 * waits on this thread. The time limit holds; there is no Stop (`signal` is not used).
 */
export function compileBpfCSync(source: string, opts: CompileOptions = {}): CompileResult {
  const clang = opts.clang ? { ok: true as const, path: opts.clang } : findClang();
  if (!clang.ok) return { ok: false, diagnostics: [], log: '', why: clang.why };
  const p = prepare(source, opts);
  try {
    const timeout = opts.timeoutMs ?? COMPILE_TIMEOUT_MS;
    const run = spawnSync(clang.path, p.args, {
      cwd: p.dir,
      timeout,
      killSignal: 'SIGKILL',
      maxBuffer: MAX_OUTPUT,
      stdio: ['ignore', 'pipe', 'pipe'],
      encoding: 'utf8',
    });
    const e = run.error as NodeJS.ErrnoException | undefined;
    const r = {
      code: run.status ?? -1,
      log: `${run.stdout ?? ''}${run.stderr ?? ''}${e && e.code !== 'ETIMEDOUT' ? e.message : ''}`,
      killed: e?.code === 'ETIMEDOUT' || run.signal === 'SIGKILL',
    };
    return outcome(p, r, { stopped: false, timeout });
  } finally {
    rmSync(p.dir, { recursive: true, force: true });
  }
}
