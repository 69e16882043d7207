/**
 * The session's worker thread: it holds one QuickJS sandbox (and, when the engines land, one Kernel) for one
 * run, streams the run's events to the parent, and ends. The parent can stop it through a shared flag and,
 * past the grace period, terminate it.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { preloadSandbox, runInSandbox } from '../sandbox/sandbox';
import type { WorkerInit, WorkerMessage } from './protocol';

const port = parentPort;
if (!port) throw new Error('session worker: must run in a worker thread');

const init = workerData as WorkerInit;
const post = (msg: WorkerMessage): void => port.postMessage(msg);

await preloadSandbox();
post({ type: 'ready' });
const outcome = await runInSandbox(init.request, {
  output: (stream, text) => post({ type: 'output', stream, text }),
  progress: (fraction, message) => post({ type: 'progress', message, ...(fraction !== undefined ? { fraction } : {}) }),
}, new Int32Array(init.stopBuffer));
post({ type: 'done', outcome });
