/**
 * The bpf_conformance plugin's program (the upstream runner's protocol), bundled by scripts/bpf-conformance-plugin
 * into one file so that a call loads no TypeScript: `[<memory as hex>] [--jit|--interpreter]`, the program on stdin
 * as hex text; prints r0 in hex on stdout (exit 0), or the error on stderr (exit 1).
 */
import { runConformanceProgram } from '../../src-main/engines/bpf/conformance';
import { interpExec } from '../../src-main/engines/bpf/interpreter';
import { decodeInsns } from '../../src-main/engines/bpf/isa';
import { jitExec } from '../../src-main/engines/bpf/jit';

const hexBytes = (s: string): Uint8Array =>
  Uint8Array.from((s.match(/[0-9a-fA-F]{2}/g) ?? []).map((b) => parseInt(b, 16)));

export interface PluginAnswer {
  status: number;
  stdout: string;
  stderr: string;
}

/** One call of the plugin on `args` and the program text `input`: what it prints, and its exit status. */
export function pluginCall(args: string[], input: string): PluginAnswer {
  if (args.includes('--help') || args.includes('-h')) {
    return {
      status: 0,
      stdout: 'usage: bpf-conformance-plugin [<memory as hex>] [--jit|--interpreter] < program-as-hex\n',
      stderr: '',
    };
  }
  if (args.includes('--elf')) {
    return { status: 1, stdout: '', stderr: 'ELF input is not supported: run the conformance runner without --elf\n' };
  }
  const memArg = args.find((a) => !a.startsWith('--'));
  const exec = args.includes('--interpreter') ? interpExec : jitExec;
  try {
    const bytes = hexBytes(input.replace(/0x/gi, ''));
    if (bytes.length === 0 || bytes.length % 8 !== 0)
      throw new Error(`program of ${bytes.length} bytes is not a whole number of instructions`);
    const r0 = runConformanceProgram(decodeInsns(bytes), memArg ? hexBytes(memArg) : undefined, exec);
    return { status: 0, stdout: `${r0.toString(16)}\n`, stderr: '' };
  } catch (e) {
    return { status: 1, stdout: '', stderr: `${e instanceof Error ? e.message : String(e)}\n` };
  }
}
