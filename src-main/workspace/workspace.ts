/**
 * The user's workspace: a folder of scripts on disk. Every path is relative to the folder and must stay inside
 * it (no "..", no absolute paths, no symlinks leading out); writes are atomic (temp file + rename).
 */
import { lstat, mkdir, readdir, readFile, realpath, rename, rmdir, stat, writeFile, rm } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';
import { WorkspacePathSchema, type FileContent, type FileEntry } from '../contract';

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
    readonly code: 'ENOENT' | 'EINVAL' | 'EACCES' | 'EISDIR' | 'EEXIST',
    message: string,
  ) {
    super(message);
    this.name = 'WorkspaceError';
  }
}

const MAX_FILES = 2000;

export class Workspace {
  private constructor(readonly root: string) {}

  /** Opens (creating it, with a welcome script, if new) the workspace at `dir`. */
  static async open(dir: string): Promise<Workspace> {
    await mkdir(dir, { recursive: true });
    const root = await realpath(dir);
    const ws = new Workspace(root);
    if ((await readdir(root)).length === 0) {
      for (const [name, content] of Object.entries(WELCOME)) await ws.save(name, content);
    }
    return ws;
  }

  /** Resolves a workspace path to an absolute one inside the root, refusing anything that leads out. */
  private async resolve(rel: string, mustExist: boolean): Promise<string> {
    const parsed = WorkspacePathSchema.safeParse(rel);
    if (!parsed.success) throw new WorkspaceError('EINVAL', `invalid path '${rel}': ${parsed.error.issues[0]?.message}`);
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

  async open(rel: string): Promise<FileContent> {
    const abs = await this.resolve(rel, true);
    const s = await stat(abs);
    if (s.isDirectory()) throw new WorkspaceError('EISDIR', `'${rel}' is a folder`);
    return { path: rel, content: await readFile(abs, 'utf8'), mtimeMs: s.mtimeMs };
  }

  /** Writes a file atomically: a temporary file beside it, then a rename over it. */
  async save(rel: string, content: string): Promise<FileEntry> {
    const abs = await this.resolve(rel, false);
    await mkdir(path.dirname(abs), { recursive: true });
    const tmp = path.join(path.dirname(abs), `.${path.basename(abs)}.${process.pid}.${Date.now()}.tmp`);
    try {
      await writeFile(tmp, content, { encoding: 'utf8', flush: true });
      await rename(tmp, abs);
    } catch (e) {
      await rm(tmp, { force: true });
      throw e;
    }
    const s = await stat(abs);
    return { path: rel, size: s.size, mtimeMs: s.mtimeMs };
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
    return { path: to, size: s.size, mtimeMs: s.mtimeMs };
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
