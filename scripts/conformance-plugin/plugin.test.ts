import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  caseInsns,
  encodeInsns,
  judgeCase,
  parseConformanceFile,
  type ConformanceCase,
} from '../../src-main/engines/bpf/index';
import { pluginCall, type PluginAnswer } from './plugin';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const suite = path.join(repo, 'third_party/bpf-conformance/tests');
const plugin = path.join(repo, 'scripts/bpf-conformance-plugin');

const hex = (bytes: Uint8Array): string => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(' ');
/** The runner's call for a case: the memory as an argument, the program on stdin. */
const callOf = (c: ConformanceCase, engine: string): { args: string[]; input: string } => ({
  args: [...(c.mem && c.mem.length > 0 ? [hex(c.mem).replaceAll(' ', '')] : []), engine],
  input: hex(encodeInsns(caseInsns(c))),
});
const outcomeOf = (a: PluginAnswer) =>
  a.status === 0
    ? ({ kind: 'result', value: BigInt(`0x${a.stdout.trim()}`) } as const)
    : ({ kind: 'error', message: a.stderr.trim() } as const);

const cases = readdirSync(suite)
  .filter((f) => f.endsWith('.data'))
  .sort()
  .map((f) => ({ name: f, c: parseConformanceFile(readFileSync(path.join(suite, f), 'utf8')) }));

describe('the bpf_conformance plugin', () => {
  for (const engine of ['--interpreter', '--jit']) {
    it(`answers every test of the suite as the runner expects (${engine})`, () => {
      const failures: string[] = [];
      for (const { name, c } of cases) {
        const { args, input } = callOf(c, engine);
        const why = judgeCase(name, c, outcomeOf(pluginCall(args, input)), false);
        if (why !== undefined) failures.push(`${name}: ${why}`);
      }
      expect(cases).toHaveLength(313);
      expect(failures).toEqual([]);
    });
  }

  it('refuses a program that is not whole instructions, and ELF input', () => {
    expect(pluginCall([], 'b7 00 00')).toEqual({
      status: 1,
      stdout: '',
      stderr: 'program of 3 bytes is not a whole number of instructions\n',
    });
    expect(pluginCall(['--elf'], '').status).toBe(1);
  });

  it('runs as a process from its bundle, as the runner calls it', { timeout: 120_000 }, () => {
    const built = spawnSync(process.execPath, [plugin, '--build'], { encoding: 'utf8' });
    expect(built.stderr).toBe('');
    expect(built.status).toBe(0);
    const withMemory = cases.filter((x) => x.c.mem && x.c.mem.length > 0).slice(0, 3);
    expect(withMemory).toHaveLength(3);
    for (const { name, c } of withMemory) {
      const { args, input } = callOf(c, '--jit');
      const r = spawnSync(process.execPath, [plugin, ...args], { input, encoding: 'utf8' });
      expect({ name, stdout: r.stdout, stderr: r.stderr, status: r.status }).toEqual({
        name,
        ...pluginCall(args, input),
      });
    }
    const bad = spawnSync(process.execPath, [plugin], { input: 'b7 00', encoding: 'utf8' });
    expect(bad.status).toBe(1);
    expect(bad.stderr).toBe('program of 2 bytes is not a whole number of instructions\n');
  });
});
