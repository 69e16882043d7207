/**
 * The one RPC contract between the renderer and the main side. Every call and event is defined here once,
 * as a zod schema; the Electron preload, the browser host and the renderer are all typed from it, and the
 * main side validates everything that arrives with it. Keep this file free of platform imports: the
 * renderer imports its types.
 */
import { z } from 'zod';
import { DEFAULT_LIMITS, PROGRESS_MESSAGE_MAX } from './contract-limits';
import { KernelCheckRequestSchema, KernelCheckResultSchema, MachineStateSchema } from './contract-machine';

export {
  DEFAULT_LIMITS,
  resolveLimits,
  KERNEL_CHECK_MAX_INSNS,
  KERNEL_CHECK_MAX_LOG,
  PROGRESS_MESSAGE_MAX,
} from './contract-limits';
export * from './contract-machine';

/** The most parameters a seeded lab may declare (lab.json `params`): it bounds a run request's size. */
export const LAB_PARAMS_MAX = 32;

/** Limits of one run. Every field is optional; the session fills in the defaults of DEFAULT_LIMITS. */
export const RunLimitsSchema = z
  .object({
    /** Wall-clock deadline of the run, in milliseconds. */
    timeoutMs: z.number().int().min(10).max(3_600_000),
    /** Cap on the sandbox's heap, in bytes. */
    memoryBytes: z
      .number()
      .int()
      .min(1 << 20)
      .max(2 ** 31),
    /** Cap on the sandbox's native stack, in bytes. */
    stackBytes: z
      .number()
      .int()
      .min(16 << 10)
      .max(1 << 20),
    /** Cap on the text a script may print, in bytes. */
    outputBytes: z
      .number()
      .int()
      .min(1 << 10)
      .max(64 << 20),
    /**
     * The run's memory budget for its simulated machines, in bytes: every machine the run boots counts (its frame
     * array, direct-map tables, BPF maps, ublk buffers...) until the run ends. A boot() that would pass it fails
     * with ENOMEM; a run whose machines grow past it ends with a memory LimitError.
     */
    machineBytes: z
      .number()
      .int()
      .min(1 << 20)
      .max(2 ** 32),
  })
  .partial()
  .strict();
export type RunLimits = z.infer<typeof RunLimitsSchema>;
// DEFAULT_LIMITS (contract-limits.ts, which cannot import this file's types without a cycle) sets every limit.
void (DEFAULT_LIMITS satisfies Required<RunLimits>);

export const ScriptLanguageSchema = z.enum(['javascript', 'typescript']);
export type ScriptLanguage = z.infer<typeof ScriptLanguageSchema>;

/** A lab exercise's id: its folder under labs/ (NN-slug). */
export const LabIdSchema = z
  .string()
  .max(64)
  .regex(/^\d\d-[a-z0-9-]+$/, 'a lab id such as 01-secretmem');

/** One criterion of a lab's check, evaluated against a run. */
export const CriterionResultSchema = z.object({
  name: z.string(),
  pass: z.boolean(),
  hint: z.string().optional(),
  detail: z.string().optional(),
  /** The checker's own error (an instructor's matter): in grade reports, never shown to the student. */
  internal: z.string().optional(),
});
export type CriterionResult = z.infer<typeof CriterionResultSchema>;

/** A lab exercise as the lab list shows it. */
export const LabInfoSchema = z.object({
  id: z.string(),
  title: z.string(),
  engine: z.enum(['mm', 'bpf', 'ublk']),
  level: z.number().int(),
  summary: z.string(),
  limits: z.object({ timeoutMs: z.number(), memoryBytes: z.number(), outputBytes: z.number() }).partial().optional(),
  starter: z.string().optional(),
  /** 'built-in', or the course folder the lab comes from. */
  source: z.string().optional(),
  /** A seeded lab's parameters (lab.json `params`): each student's values come from their seed (labVariant). */
  params: z
    .record(
      z.string(),
      z.union([
        z.object({ int: z.tuple([z.number(), z.number()]) }),
        z.object({ choice: z.array(z.union([z.number(), z.string()])) }),
      ]),
    )
    .optional(),
  /** A lab that takes a C submission beside the script (lab.json `c`): its C starter's file name. */
  c: z.object({ starter: z.string() }).optional(),
});
export type LabInfo = z.infer<typeof LabInfoSchema>;

/** A seeded lab's values for one student: the seed (`lab grade`'s for a submission of that name) and its parameters. */
export const LabVariantSchema = z.object({
  seed: z.number().int(),
  /** How the seed was found: from the submission's name, or given (a roster's or the toolbar's). */
  from: z.enum(['name', 'seed']),
  params: z.record(z.string(), z.union([z.number(), z.string()])),
});
export type LabVariant = z.infer<typeof LabVariantSchema>;

/** Whose variant: a submission's name (`alice` or `alice.js`, as `lab grade` sees its file) or a seed. */
export const LabVariantRequestSchema = z.union([
  z.object({ name: z.string().min(1).max(255) }).strict(),
  z.object({ seed: z.number().int().min(0).max(0xffffffff) }).strict(),
]);

/** A course folder of the lab list (the app's setting): where it comes from, how many labs it gives, what is wrong. */
export const CourseFolderSchema = z.object({
  path: z.string(),
  /** settings: added in the app (removable there); startup: the host's --labs or $KERNEL_LAB_LABS. */
  origin: z.enum(['settings', 'startup']),
  labs: z.number().int(),
  problems: z.array(z.string()),
});
export type CourseFolder = z.infer<typeof CourseFolderSchema>;
export const CourseFolderListSchema = z.object({ folders: z.array(CourseFolderSchema), settingsFile: z.string() });
export type CourseFolderList = z.infer<typeof CourseFolderListSchema>;
/** A course folder's path as the setting takes it: absolute, or starting with ~/ (the host's home). */
export const CourseFolderPathSchema = z.string().min(1).max(4096);

/** What the renderer asks the main side to run. */
export const RunRequestSchema = z
  .object({
    /** The script's source text. */
    code: z.string().max(4 << 20),
    /** Name shown in stack traces and errors (the file's name in the workspace). */
    filename: z
      .string()
      .min(1)
      .max(255)
      .regex(/^[^\\/\0]+$/, 'a file name, not a path'),
    language: ScriptLanguageSchema.default('javascript'),
    /** The seed of every PRNG of the run (lab.seed, Math.random, the engines). */
    seed: z.number().int().min(0).max(0xffffffff).default(1),
    limits: RunLimitsSchema.default({}),
    /** Check the run against this lab's criteria when it ends (the lab's limits apply). Its kernel calls are off. */
    lab: LabIdSchema.optional(),
    /** The script came from an imported session file: its kernel calls are off, whatever this session allows. */
    imported: z.boolean().optional(),
    /** A seeded lab's parameters (lab.params); for a lab run, the session draws them from the seed itself. */
    params: z
      .record(z.string().max(64), z.union([z.number(), z.string().max(256)]))
      .refine((o) => Object.keys(o).length <= LAB_PARAMS_MAX, `at most ${LAB_PARAMS_MAX} lab parameters`)
      .meta({ maxKeys: LAB_PARAMS_MAX })
      .optional(),
  })
  .strict();
export type RunRequest = z.input<typeof RunRequestSchema>;
export type RunRequestParsed = z.output<typeof RunRequestSchema>;

export const RunIdSchema = z
  .string()
  .max(44)
  .regex(/^run-[0-9a-z-]{1,40}$/);
export type RunId = z.infer<typeof RunIdSchema>;

/** Where an error happened in the user's script (1-based, like editors show). */
export const SourceLocationSchema = z.object({
  file: z.string(),
  line: z.number().int().min(1),
  column: z.number().int().min(1),
});
export type SourceLocation = z.infer<typeof SourceLocationSchema>;

/** Why a run ended abnormally. `limit` names the limit; `script` is an exception the script threw. */
export const RunErrorKindSchema = z.enum(['script', 'syntax', 'limit', 'stopped', 'internal']);
export type RunErrorKind = z.infer<typeof RunErrorKindSchema>;

export const LimitNameSchema = z.enum(['timeout', 'memory', 'stack', 'output', 'watchdog']);
export type LimitName = z.infer<typeof LimitNameSchema>;

export const RunErrorSchema = z.object({
  kind: RunErrorKindSchema,
  /** The exception's name: 'TypeError', 'KernelError', 'SyntaxError', 'LimitError', ... */
  name: z.string(),
  message: z.string(),
  /** For a KernelError: the errno name ('ENOMEM', 'EINVAL', ...). */
  errno: z.string().optional(),
  /** For a limit: which one. */
  limit: LimitNameSchema.optional(),
  location: SourceLocationSchema.optional(),
  /** The script-side stack, frames as `at fn (file:line:column)`. */
  stack: z.string().optional(),
});
export type RunError = z.infer<typeof RunErrorSchema>;

export const RunStatsSchema = z.object({
  /** Wall-clock duration of the run in milliseconds. */
  durationMs: z.number(),
  /** Bytes of output the script printed. */
  outputBytes: z.number().int(),
  /** Peak size of the sandbox's heap in bytes. */
  memoryBytes: z.number().int(),
});
export type RunStats = z.infer<typeof RunStatsSchema>;

/** A chart a script drew with lab.chart(name, series, options): each series a list of [x, y] points. */
export const ChartSchema = z.object({
  name: z.string(),
  series: z.array(z.object({ label: z.string(), points: z.array(z.tuple([z.number(), z.number()])) })),
  xlabel: z.string().optional(),
  ylabel: z.string().optional(),
  kind: z.enum(['line', 'bar', 'scatter']).default('line'),
});
export type Chart = z.infer<typeof ChartSchema>;

/** A table a script printed with lab.table(rows): columns in first-seen order, cells as text or numbers. */
export const TableSchema = z.object({
  name: z.string(),
  columns: z.array(z.string()),
  rows: z.array(z.array(z.union([z.string(), z.number(), z.boolean(), z.null()]))),
});
export type Table = z.infer<typeof TableSchema>;

/** Events the main side sends about one run, in order: queued*, then output*, progress* and machine* interleaved, then one done. */
export const RunEventSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('output'),
    runId: RunIdSchema,
    stream: z.enum(['stdout', 'stderr']),
    text: z.string(),
  }),
  z.object({
    type: z.literal('progress'),
    runId: RunIdSchema,
    /** 0..1 where known. */
    fraction: z.number().min(0).max(1).optional(),
    message: z.string().max(PROGRESS_MESSAGE_MAX),
  }),
  /**
   * The run waits for others to end before it starts (the host runs a few at once, each client fewer): sent when
   * it is queued and each time its place changes. Its deadline starts when it starts.
   */
  z.object({
    type: z.literal('queued'),
    runId: RunIdSchema,
    /** Runs queued ahead of it. */
    ahead: z.number().int().min(0),
    /** For the user: `queued: 2 runs ahead (2 of 2 running on this host)`. */
    message: z.string(),
  }),
  z.object({ type: z.literal('chart'), runId: RunIdSchema, chart: ChartSchema }),
  z.object({ type: z.literal('table'), runId: RunIdSchema, table: TableSchema }),
  z.object({
    type: z.literal('machine'),
    runId: RunIdSchema,
    state: MachineStateSchema,
  }),
  /**
   * The run's script asked for the kernel (k.bpf.kernel_verify / kernel_test_run) while this session has not
   * answered whether it may: the call failed with EPERM; the renderer asks the person (setKernelAccess).
   */
  z.object({ type: z.literal('kernelAccess'), runId: RunIdSchema }),
  z.object({
    type: z.literal('done'),
    runId: RunIdSchema,
    ok: z.boolean(),
    /** lab.result(value), JSON-serialised (bigints as strings). */
    result: z.unknown().optional(),
    error: RunErrorSchema.optional(),
    stats: RunStatsSchema,
    /** For a run of a lab: each criterion's verdict. */
    checks: z.array(CriterionResultSchema).optional(),
  }),
]);
export type RunEvent = z.infer<typeof RunEventSchema>;

/** A file name inside the workspace: relative, forward slashes, no `..`, no absolute paths. */
export const WorkspacePathSchema = z
  .string()
  .min(1)
  .max(512)
  .refine(
    (p) =>
      !p.startsWith('/') &&
      !p.includes('\\') &&
      !p.includes('\0') &&
      p.split('/').every((seg) => seg !== '' && seg !== '.' && seg !== '..'),
    'a relative path inside the workspace (no "..", no leading "/")',
  );

export const FileEntrySchema = z.object({
  path: z.string(),
  size: z.number().int(),
  mtimeMs: z.number(),
  /** The content's version (FileVersionSchema), where the call knows it: a save's and a rename's answers. */
  version: z.string().optional(),
});
export type FileEntry = z.infer<typeof FileEntrySchema>;

export const FileContentSchema = z.object({
  path: z.string(),
  content: z.string(),
  mtimeMs: z.number(),
  version: z.string().optional(),
});
export type FileContent = z.infer<typeof FileContentSchema>;

/** Whether this session's scripts may reach the kernel: not yet asked, allowed, or denied by the person. */
export const KernelAccessSchema = z.enum(['unasked', 'allowed', 'denied']);
export type KernelAccess = z.infer<typeof KernelAccessSchema>;

/** The EPERM message of a kernel call made while this session's kernel access is off, by state. */
export const KERNEL_OFF = {
  unasked:
    'kernel calls are off for this session: scripts may load and run BPF programs in this machine\'s kernel only when you allow it (choose "Allow for this session" when the app asks, then run again)',
  denied:
    'kernel calls are off for this session: you chose Deny when the app asked (a new session asks again: reload the page in a browser, or restart the app)',
  lab: 'kernel calls are always off in a lab check (lab check, lab grade and lab runs in the app)',
  imported:
    'kernel calls are always off for a script from an imported session (copy it out of sessions/ to run it as your own)',
  cli: 'kernel calls are off: run it with `npm run lab -- run FILE --allow-kernel` to let it load and run BPF programs in this kernel (as root)',
} as const;
/** The largest file the workspace takes, in UTF-16 code units (as string lengths count): through the chunked save. */
export const FILE_MAX_CHARS = 16 << 20;
/**
 * One piece of a file on the wire: a saveFile's or saveChunk's text and a readFileChunk's content are at most this
 * long, so that no frame carries a whole large file (larger ones travel in chunks: readFileChunk, saveBegin/Chunk/Commit).
 */
export const FILE_CHUNK_CHARS = 1 << 20;
/** The version of a file's content: the first 128 bits of the SHA-256 of its bytes, as hex. */
export const FileVersionSchema = z
  .string()
  .max(32)
  .regex(/^[0-9a-f]{32}$/, 'a file version (32 hex digits)');
/**
 * The error code of a save refused because the file is not the version the save was based on (another tab or
 * program saved it since): the renderer offers to reload it, overwrite it or save as another name.
 */
export const SAVE_CONFLICT = 'ECONFLICT';
/**
 * A save's precondition: `expected` a version, the file must have it now; `null`, the file must not exist; absent,
 * the save overwrites whatever is there.
 */
export const SaveOptionsSchema = z.object({ expected: FileVersionSchema.nullable().optional() }).strict();
export type SaveOptions = z.infer<typeof SaveOptionsSchema>;
/** A chunked save in progress (saveBegin's answer), valid on the connection that began it. */
export const SaveIdSchema = z
  .string()
  .max(45)
  .regex(/^save-[0-9a-z-]{1,40}$/);
/** One piece of a file read with readFileChunk. */
export const FileChunkSchema = z.object({
  path: z.string(),
  /** The file's text from `offset`, at most FILE_CHUNK_CHARS long (never ending inside a surrogate pair). */
  content: z.string(),
  offset: z.number().int(),
  /** The whole file's length in UTF-16 code units. */
  length: z.number().int(),
  version: z.string(),
  mtimeMs: z.number(),
});
export type FileChunk = z.infer<typeof FileChunkSchema>;

export const HostInfoSchema = z.object({
  host: z.enum(['electron', 'browser']),
  version: z.string(),
  workspace: z.string(),
  defaultLimits: z.object({
    timeoutMs: z.number(),
    memoryBytes: z.number(),
    stackBytes: z.number(),
    outputBytes: z.number(),
  }),
  /** Whether chooseWorkspace works here (Electron: yes; the browser host keeps its workspace under the data directory). */
  canChooseWorkspace: z.boolean(),
  /** Whether this session's scripts may reach the kernel (setKernelAccess). */
  kernelAccess: KernelAccessSchema,
  /** FILE_CHUNK_CHARS: the most text one saveFile or saveChunk takes. */
  fileChunkChars: z.number().int(),
});
export type HostInfo = z.infer<typeof HostInfoSchema>;

/**
 * Every call: its name, the schema of its argument (validated on the main side) and of its result.
 * One named method per call, as Electron Fiddle does; the transports carry `{ method, args }`.
 */
export const calls = {
  /** Facts about the host the renderer runs in. */
  hostInfo: { args: z.tuple([]), result: HostInfoSchema },
  /** Starts a run; its events follow on the event channel. */
  run: { args: z.tuple([RunRequestSchema]), result: z.object({ runId: RunIdSchema }) },
  /** Stops a run (within 200 ms); a no-op for a run that has ended. */
  stop: { args: z.tuple([RunIdSchema]), result: z.object({ stopped: z.boolean() }) },
  /** Lists the files of the workspace. */
  listFiles: { args: z.tuple([]), result: z.array(FileEntrySchema) },
  /** Reads one file of the workspace (EFBIG past FILE_CHUNK_CHARS: read it with readFileChunk). */
  openFile: { args: z.tuple([WorkspacePathSchema]), result: FileContentSchema },
  /**
   * Writes one file of the workspace atomically (larger files: saveBegin). With `expected`, a file that is not that
   * version is left alone and the call fails with SAVE_CONFLICT.
   */
  saveFile: {
    args: z.tuple([WorkspacePathSchema, z.string().max(FILE_CHUNK_CHARS), SaveOptionsSchema.optional()]),
    result: FileEntrySchema,
  },
  /** Renames (moves) a file inside the workspace; refuses to overwrite an existing one. */
  renameFile: { args: z.tuple([WorkspacePathSchema, WorkspacePathSchema]), result: FileEntrySchema },
  /** Deletes one file of the workspace. */
  deleteFile: { args: z.tuple([WorkspacePathSchema]), result: z.object({ deleted: z.boolean() }) },
  /**
   * Electron only: asks the user for a workspace folder (a native dialog), opens it and remembers it for the next
   * start; `changed` is false when they cancelled. The browser host answers ENOTSUP (see hostInfo).
   */
  chooseWorkspace: { args: z.tuple([]), result: z.object({ workspace: z.string(), changed: z.boolean() }) },
  /** The lab exercises: id, title, engine, level, summary. */
  listLabs: { args: z.tuple([]), result: z.array(LabInfoSchema) },
  /**
   * One lab's task (markdown) and starting script, and its C starter where it takes C. A run with `lab` set is
   * checked against its criteria (a `.c` file's run is the lab's C driver).
   */
  openLab: {
    args: z.tuple([LabIdSchema]),
    result: z.object({
      lab: LabInfoSchema,
      readme: z.string(),
      starter: z.string(),
      starterName: z.string(),
      /** The C starter (`starter.bpf.c`) of a lab that takes C too. */
      cStarter: z.string().optional(),
    }),
  },
  /** A seeded lab's parameters for a submission's name or a seed, drawn as `lab grade` and the checker draw them. */
  labVariant: { args: z.tuple([LabIdSchema, LabVariantRequestSchema]), result: LabVariantSchema },
  /** The course folders of the lab list, and the settings file the app's are kept in. */
  courseFolders: { args: z.tuple([]), result: CourseFolderListSchema },
  /** Adds a course folder (an existing folder, absolute) to the lab list and saves it in settings.json. */
  addCourseFolder: { args: z.tuple([CourseFolderPathSchema]), result: CourseFolderListSchema },
  /** Removes a course folder added with addCourseFolder, and saves the list. */
  removeCourseFolder: { args: z.tuple([CourseFolderPathSchema]), result: CourseFolderListSchema },
  /**
   * Loads a program into this machine's Linux kernel (BPF_PROG_LOAD) and compares its verdict and log with ours.
   * Only when this session allows kernel calls (setKernelAccess); otherwise `available: false` says how.
   */
  kernelCheck: { args: z.tuple([KernelCheckRequestSchema]), result: KernelCheckResultSchema },
  /**
   * The answer of the person at the keyboard to "Allow this session's scripts to load and run BPF programs in
   * this machine's kernel (as root)?", held by the main side for this session (a window, or one browser-host
   * connection). Scripts cannot make this call; runs of labs and of imported sessions stay off whatever it says.
   */
  setKernelAccess: {
    args: z.tuple([z.object({ allow: z.boolean() }).strict()]),
    result: z.object({ kernelAccess: KernelAccessSchema }),
  },
  /**
   * Reads a piece of a file from `offset` (UTF-16 code units). With `version`, a file that changed since fails with
   * SAVE_CONFLICT, so that the pieces of one read are of one version.
   */
  readFileChunk: {
    args: z.tuple([
      WorkspacePathSchema,
      z.object({ offset: z.number().int().min(0).max(FILE_MAX_CHARS), version: FileVersionSchema.optional() }).strict(),
    ]),
    result: FileChunkSchema,
  },
  /** Begins a chunked save of `length` code units (at most FILE_MAX_CHARS), with saveFile's precondition. */
  saveBegin: {
    args: z.tuple([
      WorkspacePathSchema,
      z
        .object({
          length: z.number().int().min(0).max(FILE_MAX_CHARS),
          expected: FileVersionSchema.nullable().optional(),
        })
        .strict(),
    ]),
    result: z.object({ saveId: SaveIdSchema, chunkChars: z.number().int() }),
  },
  /** Appends the piece of a chunked save that starts at `offset` (the pieces go in order). */
  saveChunk: {
    args: z.tuple([SaveIdSchema, z.number().int().min(0).max(FILE_MAX_CHARS), z.string().max(FILE_CHUNK_CHARS)]),
    result: z.object({ received: z.number().int() }),
  },
  /** Ends a chunked save: the file is replaced atomically, or left alone (SAVE_CONFLICT, or an error). */
  saveCommit: { args: z.tuple([SaveIdSchema]), result: FileEntrySchema },
  /** Abandons a chunked save; the file is left alone. */
  saveAbort: { args: z.tuple([SaveIdSchema]), result: z.object({ aborted: z.boolean() }) },
} as const;

export type Calls = typeof calls;
export type CallName = keyof Calls;
export type CallArgs<K extends CallName> = z.input<Calls[K]['args']>;
export type CallResult<K extends CallName> = z.output<Calls[K]['result']>;

/** The API the renderer sees as `window.lab` (Electron) or through the WebSocket client (browser host). */
export type LabApi = {
  [K in CallName]: (...args: CallArgs<K>) => Promise<CallResult<K>>;
} & {
  /** Subscribes to run events; returns the unsubscribe function. */
  onEvent(listener: (event: RunEvent) => void): () => void;
  /** Electron only: subscribes to the application menu's commands for the window (e.g. "Choose workspace folder…"). */
  onCommand?(listener: (command: HostCommand) => void): () => void;
};

/** Commands the Electron menu sends to the focused window's renderer, which carries them out with its calls. */
export type HostCommand = 'chooseWorkspace';

export const callNames = Object.keys(calls) as CallName[];

/** A request frame on the wire (WebSocket or IPC). */
export const RequestFrameSchema = z
  .object({
    id: z.number().int().min(0),
    method: z.enum(callNames as [CallName, ...CallName[]]),
    args: z.array(z.unknown()).max(8),
  })
  .strict();
export type RequestFrame = z.infer<typeof RequestFrameSchema>;

/** Frames from the main side to the renderer. */
export type ResponseFrame =
  | { kind: 'result'; id: number; ok: true; value: unknown }
  | { kind: 'result'; id: number; ok: false; error: { message: string; code?: string } }
  | { kind: 'event'; event: RunEvent };

/** The error a call answers with when its arguments do not match the contract. */
export class ContractError extends Error {
  readonly code = 'EBADARGS';
  constructor(message: string) {
    super(message);
    this.name = 'ContractError';
  }
}

/** Validates a call's arguments against the contract; throws ContractError naming the call and the problem. */
export function parseArgs<K extends CallName>(method: K, args: unknown): z.output<Calls[K]['args']> {
  const def = Object.hasOwn(calls, method) ? calls[method] : undefined;
  if (!def) throw new ContractError(`unknown method '${String(method)}'`);
  const parsed = def.args.safeParse(args);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue && issue.path.length ? ` at ${issue.path.join('.')}` : '';
    throw new ContractError(`${method}: invalid arguments${where}: ${issue?.message ?? 'malformed'}`);
  }
  return parsed.data as z.output<Calls[K]['args']>;
}

/** Validates a raw request frame (method name, id, args array). */
export function parseRequestFrame(frame: unknown): RequestFrame {
  const parsed = RequestFrameSchema.safeParse(frame);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ContractError(
      `malformed request${issue?.path.length ? ` at ${issue.path.join('.')}` : ''}: ${issue?.message}`,
    );
  }
  return parsed.data;
}

/**
 * The most bytes the JSON text (as JSON.stringify writes it, UTF-8) of any value `schema` accepts can take, or
 * Infinity when it is unbounded (a string without a maximum, a record, an object that is not strict, unknown).
 * A UTF-16 code unit takes at most 6 bytes in JSON (a control character or a lone surrogate as \uXXXX); a number at
 * most 24 (-1.7976931348623157e+308).
 */
export function maxJsonBytes(schema: z.ZodType): number {
  const def = schema._zod.def as unknown as Record<string, unknown> & {
    type: string;
    checks?: { _zod: { def: { check: string; maximum?: number } } }[];
  };
  const maxLength = (): number => {
    const bounds = (def.checks ?? []).filter((c) => c._zod.def.check === 'max_length').map((c) => c._zod.def.maximum!);
    return bounds.length ? Math.min(...bounds) : Infinity;
  };
  const literal = (v: unknown): number => new TextEncoder().encode(JSON.stringify(v) ?? 'null').length;
  switch (def.type) {
    case 'string':
      return 2 + 6 * maxLength();
    case 'number':
    case 'int':
      return 24;
    case 'boolean':
      return 5;
    case 'null':
    case 'undefined':
      return 4;
    case 'literal':
      return Math.max(...(def.values as unknown[]).map(literal));
    case 'enum':
      return Math.max(...Object.values(def.entries as Record<string, unknown>).map(literal));
    case 'optional':
    case 'nullable':
    case 'default':
    case 'prefault':
    case 'readonly':
    case 'nonoptional':
      // undefined in an array is written as null (4 bytes); a field that is undefined is left out.
      return Math.max(4, maxJsonBytes(def.innerType as z.ZodType));
    case 'pipe':
      return maxJsonBytes(def.in as z.ZodType);
    case 'union':
      return Math.max(...(def.options as z.ZodType[]).map(maxJsonBytes));
    case 'array':
      return 2 + maxLength() * (maxJsonBytes(def.element as z.ZodType) + 1);
    case 'record': {
      // Records are unbounded but for a declared key count (.meta({ maxKeys })), with its refine() check.
      const maxKeys = (z.globalRegistry.get(schema) as { maxKeys?: number } | undefined)?.maxKeys;
      if (maxKeys === undefined) return Infinity;
      return 2 + maxKeys * (maxJsonBytes(def.keyType as z.ZodType) + 1 + maxJsonBytes(def.valueType as z.ZodType) + 1);
    }
    case 'tuple': {
      if (def.rest) return Infinity;
      const items = def.items as z.ZodType[];
      return 2 + items.reduce((n, item) => n + maxJsonBytes(item) + 1, 0);
    }
    case 'object': {
      const catchall = def.catchall as z.ZodType | undefined;
      if (!catchall || catchall._zod.def.type !== 'never') return Infinity;
      const shape = def.shape as Record<string, z.ZodType>;
      return 2 + Object.entries(shape).reduce((n, [k, v]) => n + literal(k) + 1 + maxJsonBytes(v) + 1, 0);
    }
    default:
      return Infinity;
  }
}

/**
 * The largest request frame a valid call can take on the wire: `{"id":N,"method":"…","args":[…]}` of the call whose
 * arguments are the largest. The browser host's WebSocket takes frames up to this many bytes, so every valid call
 * fits; larger frames are refused (close code 1009) before they are read.
 */
export function maxRequestFrameBytes(): number {
  const idBytes = 24;
  let largest = 0;
  for (const name of callNames) {
    const argsBytes = maxJsonBytes(calls[name].args);
    const frame = '{"id":,"method":,"args":}'.length + idBytes + JSON.stringify(name).length + argsBytes;
    largest = Math.max(largest, frame);
  }
  return largest;
}
