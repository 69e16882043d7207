/**
 * The user's workspace: a folder of scripts on disk. Every path is relative to the folder and must stay inside
 * it (no "..", no absolute paths, no symlinks leading out); writes are atomic (temp file + rename).
 */
import { createHash, randomBytes, type Hash } from 'node:crypto';
import {
  lstat,
  mkdir,
  open,
  readdir,
  readFile,
  realpath,
  rename,
  rmdir,
  stat,
  rm,
  type FileHandle,
} from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';
import {
  FILE_CHUNK_CHARS,
  FILE_MAX_CHARS,
  SAVE_CONFLICT,
  WorkspacePathSchema,
  type FileChunk,
  type FileContent,
  type FileEntry,
  type SaveOptions,
} from '../contract';

/** Scripts a new workspace starts with, so that a first Run has something to run. */
const WELCOME: Record<string, string> = {
  'hello.js': `// Welcome to Kernel Lab. Press Run (Ctrl+Enter) to run this script.
print('6 * 7 =', 6 * 7);
console.log({ seed: lab.seed, random: Math.random() });
lab.result({ answer: 42 });
`,
};

/** The default workspace folder: $KERNEL_LAB_WORKSPACE, else the user's data directory. */
export function defaultWorkspaceDir(): string {
  if (process.env.KERNEL_LAB_WORKSPACE) return path.resolve(process.env.KERNEL_LAB_WORKSPACE);
  const data = process.env.XDG_DATA_HOME || path.join(homedir(), '.local', 'share');
  return path.join(data, 'kernel-lab', 'workspace');
}

export class WorkspaceError extends Error {
  constructor(
    readonly code: 'ENOENT' | 'EINVAL' | 'EACCES' | 'EISDIR' | 'EEXIST' | 'EFBIG' | typeof SAVE_CONFLICT,
    message: string,
  ) {
    super(message);
    this.name = 'WorkspaceError';
  }
}

const MAX_FILES = 2000;

/** The version of a file's bytes (contract FileVersionSchema). */
export function fileVersion(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex').slice(0, 32);
}

let tempSeq = 0;
/**
 * A temporary file's name beside `abs`, unique per save: `.NAME.PID.SEQ.RAND.tmp`. Two saves of one file in the same
 * millisecond (or by two processes) never share one, so neither writes into the other's file.
 */
function tempPath(abs: string): string {
  return path.join(
    path.dirname(abs),
    `.${path.basename(abs)}.${process.pid}.${++tempSeq}.${randomBytes(4).toString('hex')}.tmp`,
  );
}
/** Our temporary files' names (tempPath), with the writer's pid. */
export const TEMP_NAME_RE = /^\..+\.(\d+)\.(\d+)\.([0-9a-f]{8})\.tmp$/;
/** A temporary file of a live process is left alone at start, unless it is older than this (a save never takes an hour). */
const STALE_TEMP_MS = 60 * 60 * 1000;

function conflict(rel: string, expected: string | null): WorkspaceError {
  return new WorkspaceError(
    SAVE_CONFLICT,
    expected === null
      ? `'${rel}' exists already (it was created elsewhere since this window listed the workspace)`
      : `'${rel}' changed on disk since this window read it (another tab or program saved it): reload it, overwrite it, or save as another name`,
  );
}

/** A chunked save in progress: the pieces go to a temporary file, which replaces the file at commit. */
export interface PendingSave {
  readonly path: string;
  readonly length: number;
  readonly received: number;
  /** Appends the piece that starts at `offset` (pieces in order; EINVAL otherwise). */
  write(offset: number, text: string): Promise<number>;
  commit(): Promise<FileEntry>;
  abort(): Promise<void>;
}

export class Workspace {
  /** Saves of one file check their precondition and rename one at a time (keyed by absolute path). */
  private readonly locks = new Map<string, Promise<unknown>>();
  /** The last large file read (readWhole), by path and stat. */
  private lastRead: { key: string; text: string; version: string; mtimeMs: number } | undefined;

  private constructor(readonly root: string) {}

  /** Opens (creating it, with a welcome script, if new) the workspace at `dir`; removes leftover temporary files. */
  static async open(dir: string): Promise<Workspace> {
    await mkdir(dir, { recursive: true });
    const root = await realpath(dir);
    const ws = new Workspace(root);
    await ws.cleanTemps();
    if ((await readdir(root)).length === 0) {
      for (const [name, content] of Object.entries(WELCOME)) await ws.save(name, content);
    }
    return ws;
  }

  /**
   * Removes the temporary files a killed save left (our own name pattern only, and only of processes that are gone,
   * or older than an hour); returns their workspace paths.
   */
  async cleanTemps(): Promise<string[]> {
    const removed: string[] = [];
    let visited = 0;
    const walk = async (dir: string, prefix: string): Promise<void> => {
      let entries;
      try {
        entries = await readdir(dir, { withFileTypes: true });
      } catch {
        return;
      }
      for (const e of entries) {
        if (++visited > 20 * MAX_FILES) return;
        const rel = prefix ? `${prefix}/${e.name}` : e.name;
        const abs = path.join(dir, e.name);
        if (e.isDirectory()) await walk(abs, rel);
        else if (e.isFile()) {
          const m = TEMP_NAME_RE.exec(e.name);
          if (!m) continue;
          try {
            if (processAlive(Number(m[1])) && Date.now() - (await lstat(abs)).mtimeMs < STALE_TEMP_MS) continue;
            await rm(abs, { force: true });
            removed.push(rel);
          } catch {
            // Gone already, or not ours to remove: leave it.
          }
        }
      }
    };
    await walk(this.root, '');
    return removed;
  }

  private async locked<T>(abs: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.locks.get(abs) ?? Promise.resolve();
    const run = prev.then(fn, fn);
    const tail = run.catch(() => {});
    this.locks.set(abs, tail);
    void tail.then(() => {
      if (this.locks.get(abs) === tail) this.locks.delete(abs);
    });
    return run;
  }

  /** The version of the file at `abs` now, or null when there is none. */
  private async currentVersion(abs: string): Promise<string | null> {
    try {
      return fileVersion(await readFile(abs));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw e;
    }
  }

  /** Renames a finished temporary file over `abs` when the save's precondition holds (one save of a file at a time). */
  private async install(rel: string, abs: string, tmp: string, expected: string | null | undefined): Promise<void> {
    await this.locked(abs, async () => {
      if (expected !== undefined && (await this.currentVersion(abs)) !== expected) throw conflict(rel, expected);
      await rename(tmp, abs);
    });
  }

  /** Resolves a workspace path to an absolute one inside the root, refusing anything that leads out. */
  private async resolve(rel: string, mustExist: boolean): Promise<string> {
    const parsed = WorkspacePathSchema.safeParse(rel);
    if (!parsed.success)
      throw new WorkspaceError('EINVAL', `invalid path '${rel}': ${parsed.error.issues[0]?.message}`);
    const abs = path.resolve(this.root, rel);
    if (!isInside(this.root, abs)) throw new WorkspaceError('EACCES', `'${rel}' is outside the workspace`);
    // Follow symlinks of whatever already exists: the real target must stay inside as well.
    let probe = abs;
    for (;;) {
      try {
        const real = await realpath(probe);
        if (!isInside(this.root, real)) throw new WorkspaceError('EACCES', `'${rel}' leads outside the workspace`);
        break;
      } catch (e) {
        if (e instanceof WorkspaceError) throw e;
        if (mustExist) throw new WorkspaceError('ENOENT', `no such file: ${rel}`);
        const parent = path.dirname(probe);
        if (parent === probe || !isInside(this.root, parent)) break;
        probe = parent;
      }
    }
    return abs;
  }

  async list(): Promise<FileEntry[]> {
    const out: FileEntry[] = [];
    const walk = async (dir: string, prefix: string): Promise<void> => {
      const entries = await readdir(dir, { withFileTypes: true });
      entries.sort((a, b) => a.name.localeCompare(b.name));
      for (const e of entries) {
        if (out.length >= MAX_FILES || e.name.startsWith('.')) continue;
        const rel = prefix ? `${prefix}/${e.name}` : e.name;
        if (e.isDirectory()) await walk(path.join(dir, e.name), rel);
        else if (e.isFile()) {
          const s = await stat(path.join(dir, e.name));
          out.push({ path: rel, size: s.size, mtimeMs: s.mtimeMs });
        }
      }
    };
    await walk(this.root, '');
    return out;
  }

  /** Reads a whole file with its version. */
  private async readWhole(rel: string): Promise<{ text: string; version: string; mtimeMs: number }> {
    const abs = await this.resolve(rel, true);
    const s = await stat(abs, { bigint: true });
    if (s.isDirectory()) throw new WorkspaceError('EISDIR', `'${rel}' is a folder`);
    if (s.size > 4 * FILE_MAX_CHARS) {
      throw new WorkspaceError('EFBIG', `'${rel}' is too large (${s.size} bytes) for the editor`);
    }
    // The pieces of one large file's read come one call after another: the text is read and hashed once for them.
    // Saves rename a new inode into place, so any change of the file changes this key.
    const key = `${abs}\0${s.dev}:${s.ino}:${s.size}:${s.mtimeNs}:${s.ctimeNs}`;
    if (this.lastRead?.key === key) return this.lastRead;
    const bytes = await readFile(abs);
    const whole = { key, text: bytes.toString('utf8'), version: fileVersion(bytes), mtimeMs: Number(s.mtimeMs) };
    // Only files that take several pieces are kept: the one being read now.
    this.lastRead = whole.text.length > FILE_CHUNK_CHARS ? whole : undefined;
    return whole;
  }

  /** Reads a file (up to FILE_CHUNK_CHARS; a larger one is read with readChunk). */
  async open(rel: string): Promise<FileContent> {
    const { text, version, mtimeMs } = await this.readWhole(rel);
    if (text.length > FILE_CHUNK_CHARS) {
      throw new WorkspaceError(
        'EFBIG',
        `'${rel}' has ${text.length} characters, more than one call carries (${FILE_CHUNK_CHARS}): read it in chunks (readFileChunk)`,
      );
    }
    return { path: rel, content: text, mtimeMs, version };
  }

  /**
   * Reads the piece of a file from `offset`, at most `max` UTF-16 code units and never ending inside a surrogate
   * pair. With `version`, a file that is no longer that version fails with SAVE_CONFLICT.
   */
  async readChunk(rel: string, offset: number, version?: string, max = FILE_CHUNK_CHARS): Promise<FileChunk> {
    const whole = await this.readWhole(rel);
    if (version !== undefined && whole.version !== version) {
      throw new WorkspaceError(SAVE_CONFLICT, `'${rel}' changed on disk while it was being read: read it again`);
    }
    if (offset > whole.text.length)
      throw new WorkspaceError('EINVAL', `offset ${offset} is past the end of '${rel}' (${whole.text.length})`);
    let end = Math.min(whole.text.length, offset + max);
    if (end < whole.text.length && end - offset > 1 && isHighSurrogate(whole.text.charCodeAt(end - 1))) end--;
    return {
      path: rel,
      content: whole.text.slice(offset, end),
      offset,
      length: whole.text.length,
      version: whole.version,
      mtimeMs: whole.mtimeMs,
    };
  }

  /**
   * Writes a file atomically: a temporary file of its own beside it, then a rename over it. With `expected`, the
   * file must be that version (or, null, must not exist) at the rename, else nothing changes (SAVE_CONFLICT).
   */
  async save(rel: string, content: string, opts: SaveOptions = {}): Promise<FileEntry> {
    const pending = await this.beginSave(rel, content.length, opts.expected);
    try {
      await pending.write(0, content);
    } catch (e) {
      await pending.abort();
      throw e;
    }
    return pending.commit();
  }

  /** Begins a save of `length` code units that arrive in pieces (see PendingSave); `expected` as in save. */
  async beginSave(rel: string, length: number, expected?: string | null): Promise<PendingSave> {
    if (!Number.isSafeInteger(length) || length < 0 || length > FILE_MAX_CHARS) {
      throw new WorkspaceError(
        'EFBIG',
        `a file of ${length} characters: the workspace takes at most ${FILE_MAX_CHARS}`,
      );
    }
    const abs = await this.resolve(rel, false);
    await mkdir(path.dirname(abs), { recursive: true });
    const tmp = tempPath(abs);
    const fh = await open(tmp, 'wx', 0o644);
    return new TempFileSave(rel, length, fh, tmp, createHash('sha256'), (version) =>
      this.install(rel, abs, tmp, expected).then(() => version),
    );
  }

  /** Renames a file (rename(2), atomic); refuses to overwrite an existing file. */
  async rename(from: string, to: string): Promise<FileEntry> {
    const src = await this.resolve(from, true);
    const dst = await this.resolve(to, false);
    if ((await stat(src)).isDirectory()) throw new WorkspaceError('EISDIR', `'${from}' is a folder`);
    if (await exists(dst)) throw new WorkspaceError('EEXIST', `'${to}' exists already`);
    await mkdir(path.dirname(dst), { recursive: true });
    await rename(src, dst);
    const s = await stat(dst);
    return { path: to, size: s.size, mtimeMs: s.mtimeMs, version: fileVersion(await readFile(dst)) };
  }

  /** Deletes a file (not a folder); a folder it leaves empty is removed too. */
  async remove(rel: string): Promise<{ deleted: boolean }> {
    const abs = await this.resolve(rel, true);
    if ((await stat(abs)).isDirectory()) throw new WorkspaceError('EISDIR', `'${rel}' is a folder`);
    await rm(abs);
    for (let dir = path.dirname(abs); dir !== this.root && isInside(this.root, dir); dir = path.dirname(dir)) {
      if ((await readdir(dir)).length) break;
      await rmdir(dir);
    }
    return { deleted: true };
  }
}

function isHighSurrogate(c: number): boolean {
  return c >= 0xd800 && c <= 0xdbff;
}

/**
 * A save's temporary file and the hash of what it holds. A high surrogate that ends a piece waits for the next one,
 * so that a pair split between two pieces is written as the one character it is (as a single save writes it).
 */
class TempFileSave implements PendingSave {
  received = 0;
  private carry = '';
  private done = false;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    readonly path: string,
    readonly length: number,
    private readonly fh: FileHandle,
    private readonly tmp: string,
    private readonly hash: Hash,
    private readonly installAs: (version: string) => Promise<string>,
  ) {}

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => {});
    return run;
  }

  private async put(text: string): Promise<void> {
    if (!text) return;
    const bytes = Buffer.from(text, 'utf8');
    this.hash.update(bytes);
    let off = 0;
    while (off < bytes.length) off += (await this.fh.write(bytes, off, bytes.length - off)).bytesWritten;
  }

  /** Ends the save on any failure: the temporary file goes, the file is left alone. */
  private async fail(e: unknown): Promise<never> {
    if (!this.done) {
      this.done = true;
      await this.fh.close().catch(() => {});
      await rm(this.tmp, { force: true });
    }
    throw e;
  }

  write(offset: number, text: string): Promise<number> {
    return this.serial(() => this.doWrite(offset, text).catch((e: unknown) => this.fail(e)));
  }

  private async doWrite(offset: number, text: string): Promise<number> {
    if (this.done) throw new WorkspaceError('EINVAL', `the save of '${this.path}' has ended`);
    if (offset !== this.received) {
      throw new WorkspaceError(
        'EINVAL',
        `the save of '${this.path}' expects the piece at ${this.received}, not ${offset}`,
      );
    }
    if (this.received + text.length > this.length) {
      throw new WorkspaceError(
        'EINVAL',
        `the save of '${this.path}' announced ${this.length} characters; this piece would make ${this.received + text.length}`,
      );
    }
    let s = this.carry + text;
    this.carry = '';
    if (s.length && isHighSurrogate(s.charCodeAt(s.length - 1)) && this.received + text.length < this.length) {
      this.carry = s.slice(-1);
      s = s.slice(0, -1);
    }
    await this.put(s);
    this.received += text.length;
    return this.received;
  }

  commit(): Promise<FileEntry> {
    return this.serial(async () => {
      if (this.done) throw new WorkspaceError('EINVAL', `the save of '${this.path}' has ended`);
      if (this.received !== this.length) {
        return this.fail(
          new WorkspaceError(
            'EINVAL',
            `the save of '${this.path}' announced ${this.length} characters but received ${this.received}`,
          ),
        );
      }
      this.done = true;
      try {
        await this.put(this.carry);
        await this.fh.sync();
        const s = await this.fh.stat();
        await this.fh.close();
        const version = await this.installAs(this.hash.digest('hex').slice(0, 32));
        return { path: this.path, size: s.size, mtimeMs: s.mtimeMs, version };
      } catch (e) {
        await this.fh.close().catch(() => {});
        await rm(this.tmp, { force: true });
        throw e;
      }
    });
  }

  abort(): Promise<void> {
    return this.serial(async () => {
      if (this.done) return;
      this.done = true;
      await this.fh.close().catch(() => {});
      await rm(this.tmp, { force: true });
    });
  }
}

/** True when a process with this pid runs (EPERM: it runs, as another user). */
function processAlive(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function exists(p: string): Promise<boolean> {
  try {
    await lstat(p);
    return true;
  } catch {
    return false;
  }
}

function isInside(root: string, p: string): boolean {
  const rel = path.relative(root, p);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}
