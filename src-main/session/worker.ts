/**
 * The session's worker thread: it loads the QuickJS sandbox and the engines once, says `warm`, then serves runs
 * one at a time (warm.ts): each run gets a fresh QuickJS runtime and fresh machines, streams its events to the
 * parent, and ends with `done` and the worker's footprint. The parent can stop a run through a shared flag and,
 * past the grace period, terminate the worker.
 */
import { parentPort } from 'node:worker_threads';
import { getHeapStatistics } from 'node:v8';
import { loadTranspiler, preloadSandbox, runInSandbox, sandboxMemoryBytes } from '../sandbox/sandbox';
import type { ParentMessage, WorkerInit, WorkerMessage } from './protocol';
import type { CriterionResult } from '../contract';
import { setKernelGate } from '../sandbox/oracle-bindings';
import { clearBurst } from '../engines/ublk/index';
import { kernelGate } from './worker-kernel';

const port = parentPort;
if (!port) throw new Error('session worker: must run in a worker thread');

const post = (msg: WorkerMessage): void => port.postMessage(msg);

let busy = false;

async function serve(init: WorkerInit): Promise<void> {
  busy = true;
  // Kernel calls go to the main side, which holds the permission and the helper (kernel-calls.ts).
  setKernelGate(kernelGate(init.kernelPort, new Int32Array(init.kernelReady)));
  await preloadSandbox();
  post({ type: 'ready' });
  // A lab's check reads what the script printed; keep it (bounded by the run's output cap).
  let output = '';
  // The labs' code (and zod, which it validates lab.json with) loads only for a lab's run: a third of a start.
  const labs = init.request.lab
    ? { ...(await import('../labs/labs')), ...(await import('../labs/params')) }
    : undefined;
  // A lab's parameters come from the seed, never from the request: the checker draws the same ones.
  const request =
    init.lab && labs ? { ...init.request, params: labs.labParams(init.lab.params, init.request.seed) } : init.request;
  const outcome = await runInSandbox(
    request,
    {
      output: (stream, text) => {
        if (init.request.lab) output += text;
        post({ type: 'output', stream, text });
      },
      progress: (fraction, message) =>
        post({ type: 'progress', message, ...(fraction !== undefined ? { fraction } : {}) }),
      machine: (state) => post({ type: 'machine', state }),
      chart: (chart) => post({ type: 'chart', chart }),
      table: (table) => post({ type: 'table', table }),
      where: (location) => post({ type: 'where', location }),
    },
    new Int32Array(init.stopBuffer),
  );
  const { kernels = [], ...posted } = outcome;
  let checks: CriterionResult[] | undefined;
  if (init.request.lab && labs) {
    post({ type: 'checking', outcome: posted });
    try {
      checks = await labs.checkRun(init.lab ?? init.request.lab, {
        seed: request.seed,
        ...(request.params ? { params: request.params } : {}),
        result: outcome.result,
        output,
        kernels,
        ...(outcome.error
          ? {
              error: {
                name: outcome.error.name,
                message: outcome.error.message,
                ...(outcome.error.errno ? { errno: outcome.error.errno } : {}),
              },
            }
          : {}),
      });
    } catch (e) {
      checks = [
        {
          name: 'the lab could be checked',
          pass: false,
          hint: 'report this lab to its author: it is broken',
          detail: 'the lab could not be loaded',
          internal: (e as Error).message,
        },
      ];
    }
  }
  // Nothing of this run is left for the next: its kernel channel closes, and no burst of its machines stays open.
  setKernelGate(undefined);
  init.kernelPort.close();
  clearBurst();
  busy = false;
  const heap = getHeapStatistics();
  post({
    type: 'done',
    outcome: posted,
    ...(checks ? { checks } : {}),
    footprint: { heapBytes: heap.used_heap_size, wasmBytes: sandboxMemoryBytes() },
  });
}

port.on('message', (msg: ParentMessage) => {
  // A run that fails here is the worker's error event on the parent's side: the run ends as an internal error.
  if (msg.type === 'run') void serve(msg.init).then(() => loadTranspiler());
});
await preloadSandbox();
post({ type: 'warm' });
// TypeScript's transform loads while the worker waits for a run, not while a JavaScript run is starting (a
// TypeScript run that comes sooner loads it itself).
setImmediate(() => {
  if (!busy) void loadTranspiler();
});
