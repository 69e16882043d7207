/**
 * The worker's end of a run's kernel calls (kernel-calls.ts serves them on the main side): a call is posted on
 * the run's MessagePort and the worker blocks (the script's call is synchronous) until the answer arrives. The
 * worker never spawns the native helper itself, so Stop or its termination cannot leave one running.
 */
import { receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import { KernelError } from '../engines/common/errors';
import type { KernelGate } from '../sandbox/oracle-bindings';
import type { KernelCallReply, KernelCallRequest } from './kernel-calls';

/** How long one wait lasts before the port is looked at again (the answer also wakes the wait at once). */
const POLL_MS = 250;

export function kernelGate(port: MessagePort, ready: Int32Array): KernelGate {
  return (method, arg, opts) => {
    Atomics.store(ready, 0, 0);
    try {
      port.postMessage({ method, arg, opts } satisfies KernelCallRequest);
    } catch (e) {
      throw new KernelError('EINVAL', `${method}: the arguments cannot be sent to the kernel: ${(e as Error).message}`);
    }
    for (;;) {
      Atomics.wait(ready, 0, 0, POLL_MS);
      const got = receiveMessageOnPort(port);
      if (!got) continue;
      const reply = got.message as KernelCallReply;
      if (reply.ok) return reply.value;
      throw new KernelError(reply.errno, reply.message);
    }
  };
}
