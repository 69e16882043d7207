/**
 * The session's worker thread: it holds one QuickJS sandbox (and, when the engines land, one Kernel) for one
 * run, streams the run's events to the parent, and ends. The parent can stop it through a shared flag and,
 * past the grace period, terminate it.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { preloadSandbox, runInSandbox } from '../sandbox/sandbox';
import type { WorkerInit, WorkerMessage } from './protocol';
import type { CriterionResult } from '../contract';
import { checkRun } from '../labs/labs';
import { labParams } from '../labs/params';
import { setKernelGate } from '../sandbox/oracle-bindings';
import { kernelGate } from './worker-kernel';

const port = parentPort;
if (!port) throw new Error('session worker: must run in a worker thread');

const init = workerData as WorkerInit;
const post = (msg: WorkerMessage): void => port.postMessage(msg);

// Kernel calls go to the main side, which holds the permission and the helper (kernel-calls.ts).
setKernelGate(kernelGate(init.kernelPort, new Int32Array(init.kernelReady)));
await preloadSandbox();
post({ type: 'ready' });
// A lab's check reads what the script printed; keep it (bounded by the run's output cap).
let output = '';
// A lab's parameters come from the seed, never from the request: the checker draws the same ones.
const request = init.lab ? { ...init.request, params: labParams(init.lab.params, init.request.seed) } : init.request;
const outcome = await runInSandbox(request, {
  output: (stream, text) => {
    if (init.request.lab) output += text;
    post({ type: 'output', stream, text });
  },
  progress: (fraction, message) => post({ type: 'progress', message, ...(fraction !== undefined ? { fraction } : {}) }),
  machine: (state) => post({ type: 'machine', state }),
  chart: (chart) => post({ type: 'chart', chart }),
  table: (table) => post({ type: 'table', table }),
  where: (location) => post({ type: 'where', location }),
}, new Int32Array(init.stopBuffer));
const { kernels = [], ...posted } = outcome;
let checks: CriterionResult[] | undefined;
if (init.request.lab) {
  post({ type: 'checking', outcome: posted });
  try {
    checks = await checkRun(init.lab ?? init.request.lab, {
      seed: request.seed,
      ...(request.params ? { params: request.params } : {}),
      result: outcome.result,
      output,
      kernels,
      ...(outcome.error ? { error: { name: outcome.error.name, message: outcome.error.message, ...(outcome.error.errno ? { errno: outcome.error.errno } : {}) } } : {}),
    });
  } catch (e) {
    checks = [{ name: 'the lab could be checked', pass: false, hint: 'report this lab to its author: it is broken', detail: 'the lab could not be loaded', internal: (e as Error).message }];
  }
}
post({ type: 'done', outcome: posted, ...(checks ? { checks } : {}) });
