/** Messages between a session and its worker thread (internal to the main side; not the renderer's contract). */
import type { Chart, CriterionResult, MachineState, RunRequestParsed, SourceLocation, Table } from '../contract';
import type { MessagePort } from 'node:worker_threads';
import type { SandboxOutcome } from '../sandbox/sandbox';
import type { LabInfo } from '../labs/labs';

export interface WorkerInit {
  request: RunRequestParsed;
  /** One Int32: set to 1 to stop the run at the sandbox's next interrupt check. */
  stopBuffer: SharedArrayBuffer;
  /** The run's kernel calls go to the main side on this port (kernel-calls.ts); `kernelReady` (one Int32) wakes the worker. */
  kernelPort: MessagePort;
  kernelReady: SharedArrayBuffer;
  /** The lab of request.lab, resolved on the main side (its folder may be anywhere). */
  lab?: LabInfo;
}

/** The parent's messages to a worker: one run at a time, sent once the previous one's `done` has come back. */
export type ParentMessage = { type: 'run'; init: WorkerInit };

/** What a worker holds after a run, for the parent's choice to keep it for the next run or retire it. */
export interface WorkerFootprint {
  /** V8's used heap of the worker's isolate. */
  heapBytes: number;
  /** The sandbox's WebAssembly memory (it grows to a run's peak and never shrinks). */
  wasmBytes: number;
}

export type WorkerMessage =
  /** The worker has loaded the sandbox and waits for a run. */
  | { type: 'warm' }
  /** A run has started (the watchdog's deadline starts here). */
  | { type: 'ready' }
  | { type: 'output'; stream: 'stdout' | 'stderr'; text: string }
  | { type: 'progress'; fraction?: number; message: string }
  | { type: 'machine'; state: MachineState }
  | { type: 'chart'; chart: Chart }
  | { type: 'table'; table: Table }
  | { type: 'checking'; outcome: Omit<SandboxOutcome, 'kernels'> }
  /** Where the script is as a call that may outlive the deadline starts (for the watchdog's report). */
  | { type: 'where'; location: SourceLocation }
  | { type: 'done'; outcome: Omit<SandboxOutcome, 'kernels'>; checks?: CriterionResult[]; footprint: WorkerFootprint };
