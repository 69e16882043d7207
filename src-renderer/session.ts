/**
 * A session in one file, to share a result: the script, its seed and timeout, the layout, and the last run's
 * output and results. Export downloads it; Import opens the script as a new workspace file and the run in the
 * history.
 */
import type { RunEvent } from '../src-main/contract';
import { download } from './dom';
import type { Results } from './results-view';
import type { RunRecord } from './runs-view';
import { checkedScript } from './share-link';

type Done = Extract<RunEvent, { type: 'done' }>;

export interface SessionFile {
  kind: 'kernel-lab-session';
  version: 1;
  file: string;
  code: string;
  seed: number;
  timeoutMs: number;
  layout?: unknown;
  run?:
    | {
        file: string;
        seed: number;
        started: number;
        lines: RunRecord['lines'];
        results: Results;
        done?: Done | undefined;
      }
    | undefined;
}

export function exportSession(s: Omit<SessionFile, 'kind' | 'version'>): void {
  const body: SessionFile = { kind: 'kernel-lab-session', version: 1, ...s };
  const base = s.file
    .split('/')
    .pop()!
    .replace(/\.\w+$/, '');
  download(`${base}.session.json`, new Blob([JSON.stringify(body, null, 2)], { type: 'application/json' }));
}

/** Parses a session file; throws an Error saying what is wrong with it. */
export function parseSession(text: string): SessionFile {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw new Error('not a session file (not JSON)');
  }
  const s = v as Partial<SessionFile>;
  if (!s || s.kind !== 'kernel-lab-session' || s.version !== 1)
    throw new Error('not a Kernel Lab session file (version 1)');
  return {
    kind: 'kernel-lab-session',
    version: 1,
    ...checkedScript(s, 'session'),
    layout: s.layout,
    run: s.run && Array.isArray(s.run.lines) && s.run.results ? s.run : undefined,
  };
}
