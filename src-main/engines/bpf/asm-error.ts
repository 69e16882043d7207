import { KernelError } from '../common/errors';
import type { BpfInsn } from './isa';

/** An assembler error: the message (exact text for the conformance suite's cases) plus where (1-based). */
export class BpfAsmError extends KernelError {
  readonly line: number;
  readonly column: number;

  constructor(message: string, line: number, column: number) {
    super('EINVAL', message, { line, column });
    this.name = 'BpfAsmError';
    this.line = line;
    this.column = column;
  }

  /** "line:column: message", for consoles and editors. */
  get where(): string {
    return `${this.line}:${this.column}: ${this.message}`;
  }
}

/** What an assembler produces: instructions, plus the 1-based source line of each slot (0 for an lddw's 2nd slot). */
export interface AsmResult {
  insns: BpfInsn[];
  lines: number[];
  /** Label name -> instruction index. */
  labels: Map<string, number>;
}
