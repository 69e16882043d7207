/**
 * The main side of the contract: one implementation of every call, shared by the Electron IPC handler and the
 * browser host's WebSocket. Arguments are validated against the contract before any implementation runs.
 */
import { randomBytes } from 'node:crypto';
import {
  ContractError,
  DEFAULT_LIMITS,
  KERNEL_OFF,
  type KernelAccess,
  FILE_CHUNK_CHARS,
  calls,
  parseArgs,
  type CallName,
  type CallResult,
  type RunEvent,
} from './contract';
import { SessionHost } from './session/session';
import { WorkspaceError, type PendingSave, type Workspace } from './workspace/workspace';
import { labById, listLabs, openLab } from './labs/labs';
import { labParams, seedFromName } from './labs/params';
import type { CourseFolders } from './labs/course-folders';
import { kernelCheck } from './oracle/kernel-check';

/** The session's warm workers: the hosts keep one ready from their start (session/warm.ts). */
export { warmWorkers } from './session/warm';

export interface RpcContext {
  host: 'electron' | 'browser';
  version: string;
  /** The workspace; read at every call (Electron's may change with chooseWorkspace). */
  readonly workspace: Workspace;
  /** Electron: the "Choose workspace folder…" action of this window. Absent in the browser host. */
  chooseWorkspace?: () => Promise<{ workspace: string; changed: boolean }>;
  /** The course folders of the lab list and their setting (settings.json); absent: the setting is not offered. */
  courseFolders?: CourseFolders;
}

/** A call this host does not offer (code ENOTSUP). */
export class NotSupportedError extends Error {
  readonly code = 'ENOTSUP';
  constructor(message: string) {
    super(message);
    this.name = 'NotSupportedError';
  }
}

type Impl = { [K in CallName]: (...args: never[]) => Promise<CallResult<K>> | CallResult<K> };

/** Chunked saves one client may have open at once (each holds a temporary file until it ends). */
export const MAX_PENDING_SAVES = 4;

/** One client's view of the main side (a window, or one WebSocket connection). */
export class RpcServer {
  private readonly sessions: SessionHost;
  private readonly impl: Impl;
  /**
   * Whether this session's scripts may reach the kernel: the answer of the person at the keyboard
   * (setKernelAccess), held here, never by the renderer or a script. Unasked until they answer.
   */
  private kernelAccess: KernelAccess = 'unasked';
  /** A kernelAccess event has gone out and not been answered (one prompt at a time). */
  private asking = false;

  /** This client's chunked saves in progress, by saveId. */
  private readonly saves = new Map<string, PendingSave>();
  private saveSeq = 0;

  constructor(ctx: RpcContext, emit: (event: RunEvent) => void) {
    this.sessions = new SessionHost(
      emit,
      (runId) => {
        if (this.kernelAccess === 'allowed') return { allowed: true };
        if (this.kernelAccess === 'unasked' && !this.asking) {
          // The first kernel call of the session: the renderer asks the person; this call stays refused.
          this.asking = true;
          emit({ type: 'kernelAccess', runId });
        }
        return { allowed: false, why: KERNEL_OFF[this.kernelAccess === 'denied' ? 'denied' : 'unasked'] };
      },
      () => [ctx.workspace.root],
    );
    const pending = (saveId: string): PendingSave => {
      const p = this.saves.get(saveId);
      if (!p)
        throw new WorkspaceError(
          'ENOENT',
          `no save ${saveId} in progress (it ended, or was begun on another connection)`,
        );
      return p;
    };
    const folders = (): CourseFolders => {
      if (!ctx.courseFolders)
        throw new NotSupportedError('this host keeps no course folder setting (start it with --labs DIR instead)');
      return ctx.courseFolders;
    };
    this.impl = {
      hostInfo: () => ({
        host: ctx.host,
        version: ctx.version,
        workspace: ctx.workspace.root,
        defaultLimits: DEFAULT_LIMITS,
        canChooseWorkspace: ctx.chooseWorkspace !== undefined,
        kernelAccess: this.kernelAccess,
        fileChunkChars: FILE_CHUNK_CHARS,
      }),
      run: (req: Parameters<SessionHost['run']>[0]) => this.sessions.run(req),
      stop: (runId: string) => this.sessions.stop(runId as `run-${string}`),
      listFiles: () => ctx.workspace.list(),
      openFile: (p: string) => ctx.workspace.open(p),
      saveFile: (p: string, content: string, opts?: { expected?: string | null }) =>
        ctx.workspace.save(p, content, opts),
      renameFile: (from: string, to: string) => ctx.workspace.rename(from, to),
      deleteFile: (p: string) => ctx.workspace.remove(p),
      chooseWorkspace: () => {
        if (!ctx.chooseWorkspace) {
          throw new NotSupportedError(
            "chooseWorkspace: the browser host's workspace is a folder under the user's data directory; choose another one with --workspace when starting it",
          );
        }
        return ctx.chooseWorkspace();
      },
      // A lab's folder stays on this side; the list says where a lab comes from (built-in or its course folder).
      listLabs: async () => (await listLabs()).map(({ dir: _dir, ...lab }) => lab),
      openLab: (id: string) => openLab(id),
      labVariant: (id: string, who: { name: string } | { seed: number }) => {
        const lab = labById(id);
        const seed = 'seed' in who ? who.seed : seedFromName(who.name);
        return { seed, from: 'seed' in who ? 'seed' : 'name', params: labParams(lab.params, seed) };
      },
      courseFolders: () => folders().list(),
      addCourseFolder: (p: string) => folders().add(p),
      removeCourseFolder: (p: string) => folders().remove(p),
      kernelCheck: (req: Parameters<typeof kernelCheck>[0]) => {
        if (this.kernelAccess !== 'allowed')
          return { available: false, why: KERNEL_OFF[this.kernelAccess === 'denied' ? 'denied' : 'unasked'] };
        return kernelCheck(req);
      },
      setKernelAccess: ({ allow }: { allow: boolean }) => {
        this.kernelAccess = allow ? 'allowed' : 'denied';
        this.asking = false;
        return { kernelAccess: this.kernelAccess };
      },
      readFileChunk: (p: string, o: { offset: number; version?: string }) =>
        ctx.workspace.readChunk(p, o.offset, o.version),
      saveBegin: async (p: string, o: { length: number; expected?: string | null }) => {
        if (this.saves.size >= MAX_PENDING_SAVES) {
          throw new WorkspaceError(
            'EINVAL',
            `saveBegin: ${MAX_PENDING_SAVES} chunked saves are in progress already; commit or abort one first`,
          );
        }
        const saveId = `save-${++this.saveSeq}-${randomBytes(6).toString('hex')}`;
        this.saves.set(saveId, await ctx.workspace.beginSave(p, o.length, o.expected));
        return { saveId, chunkChars: FILE_CHUNK_CHARS };
      },
      saveChunk: async (saveId: string, offset: number, text: string) => {
        const p = pending(saveId);
        try {
          return { received: await p.write(offset, text) };
        } catch (e) {
          // A piece out of order or past the announced length ends the save: its client has lost track of it.
          this.saves.delete(saveId);
          await p.abort();
          throw e;
        }
      },
      saveCommit: async (saveId: string) => {
        const p = pending(saveId);
        this.saves.delete(saveId);
        return p.commit();
      },
      saveAbort: async (saveId: string) => {
        const p = this.saves.get(saveId);
        if (!p) return { aborted: false };
        this.saves.delete(saveId);
        await p.abort();
        return { aborted: true };
      },
    } as Impl;
  }

  /** Validates and performs one call. Throws ContractError for arguments the contract refuses. */
  async call(method: unknown, args: unknown): Promise<unknown> {
    if (typeof method !== 'string' || !Object.hasOwn(calls, method)) {
      throw new ContractError(`unknown method '${String(method)}'`);
    }
    const name = method as CallName;
    const parsed = parseArgs(name, args) as unknown as never[];
    const fn = this.impl[name] as (...a: never[]) => unknown;
    return await fn(...parsed);
  }

  async dispose(): Promise<void> {
    const saves = [...this.saves.values()];
    this.saves.clear();
    await Promise.all([this.sessions.dispose(), ...saves.map((p) => p.abort())]);
  }
}
