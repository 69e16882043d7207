/** The Electron IPC channels of the contract, and the call names, without pulling zod into the preload. */
import type { CallName } from './contract';

export const CALL_CHANNEL = 'kernel-lab:call';
export const EVENT_CHANNEL = 'kernel-lab:event';
/** Main to renderer: a menu command (contract HostCommand) for the focused window. */
export const COMMAND_CHANNEL = 'kernel-lab:command';

/** Every call of the contract; a unit test checks this list against `calls` in contract.ts. */
export const CALL_NAMES = [
  'hostInfo',
  'run',
  'stop',
  'listFiles',
  'openFile',
  'saveFile',
  'renameFile',
  'deleteFile',
  'chooseWorkspace',
  'listLabs',
  'openLab',
  'labVariant',
  'courseFolders',
  'addCourseFolder',
  'removeCourseFolder',
  'kernelCheck',
  'setKernelAccess',
  'readFileChunk',
  'saveBegin',
  'saveChunk',
  'saveCommit',
  'saveAbort',
] as const satisfies readonly CallName[];
