/** Shared by the ublk tests. */
import { KernelError } from '../common/errors';

/** The errno name of the KernelError `fn` throws, or 'none' when it returns; any other error is rethrown. */
export function errnoOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof KernelError) return e.errno;
    throw e;
  }
  return 'none';
}
