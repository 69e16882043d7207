/**
 * The main side of the contract: one implementation of every call, shared by the Electron IPC handler and the
 * browser host's WebSocket. Arguments are validated against the contract before any implementation runs.
 */
import {
  ContractError,
  DEFAULT_LIMITS,
  KERNEL_OFF,
  type KernelAccess,
  calls,
  parseArgs,
  type CallName,
  type CallResult,
  type RunEvent,
} from './contract';
import { SessionHost } from './session/session';
import type { Workspace } from './workspace/workspace';
import { listLabs, openLab } from './labs/labs';
import { kernelCheck } from './oracle/kernel-check';

export interface RpcContext {
  host: 'electron' | 'browser';
  version: string;
  /** The workspace; read at every call (Electron's may change with chooseWorkspace). */
  readonly workspace: Workspace;
  /** Electron: the "Choose workspace folder…" action of this window. Absent in the browser host. */
  chooseWorkspace?: () => Promise<{ workspace: string; changed: boolean }>;
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

  constructor(ctx: RpcContext, emit: (event: RunEvent) => void) {
    this.sessions = new SessionHost(emit, (runId) => {
      if (this.kernelAccess === 'allowed') return { allowed: true };
      if (this.kernelAccess === 'unasked' && !this.asking) {
        // The first kernel call of the session: the renderer asks the person; this call stays refused.
        this.asking = true;
        emit({ type: 'kernelAccess', runId });
      }
      return { allowed: false, why: KERNEL_OFF[this.kernelAccess === 'denied' ? 'denied' : 'unasked'] };
    });
    this.impl = {
      hostInfo: () => ({
        host: ctx.host,
        version: ctx.version,
        workspace: ctx.workspace.root,
        defaultLimits: DEFAULT_LIMITS,
        canChooseWorkspace: ctx.chooseWorkspace !== undefined,
        kernelAccess: this.kernelAccess,
      }),
      run: (req: Parameters<SessionHost['run']>[0]) => this.sessions.run(req),
      stop: (runId: string) => this.sessions.stop(runId as `run-${string}`),
      listFiles: () => ctx.workspace.list(),
      openFile: (p: string) => ctx.workspace.open(p),
      saveFile: (p: string, content: string) => ctx.workspace.save(p, content),
      renameFile: (from: string, to: string) => ctx.workspace.rename(from, to),
      deleteFile: (p: string) => ctx.workspace.remove(p),
      chooseWorkspace: () => {
        if (!ctx.chooseWorkspace) {
          throw new NotSupportedError("chooseWorkspace: the browser host's workspace is a folder under the user's data directory; choose another one with --workspace when starting it");
        }
        return ctx.chooseWorkspace();
      },
      listLabs: () => listLabs(),
      openLab: (id: string) => openLab(id),
      kernelCheck: (req: Parameters<typeof kernelCheck>[0]) => {
        if (this.kernelAccess !== 'allowed') return { available: false, why: KERNEL_OFF[this.kernelAccess === 'denied' ? 'denied' : 'unasked'] };
        return kernelCheck(req);
      },
      setKernelAccess: ({ allow }: { allow: boolean }) => {
        this.kernelAccess = allow ? 'allowed' : 'denied';
        this.asking = false;
        return { kernelAccess: this.kernelAccess };
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

  dispose(): Promise<void> {
    return this.sessions.dispose();
  }
}
