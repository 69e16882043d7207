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

export type WorkerMessage =
  | { type: 'ready' }
  | { type: 'output'; stream: 'stdout' | 'stderr'; text: string }
  | { type: 'progress'; fraction?: number; message: string }
  | { type: 'machine'; state: MachineState }
  | { type: 'chart'; chart: Chart }
  | { type: 'table'; table: Table }
  | { type: 'checking'; outcome: Omit<SandboxOutcome, 'kernels'> }
  /** Where the script is as a call that may outlive the deadline starts (for the watchdog's report). */
  | { type: 'where'; location: SourceLocation }
  | { type: 'done'; outcome: Omit<SandboxOutcome, 'kernels'>; checks?: CriterionResult[] };
