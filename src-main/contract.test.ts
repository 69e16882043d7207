import { describe, expect, it } from 'vitest';
import { calls, ContractError, parseArgs, parseRequestFrame, RunEventSchema, RunRequestSchema } from './contract';
import { CALL_NAMES } from './ipc-channels';

describe('contract', () => {
  it('lists every call once in the IPC channel names used by the preload', () => {
    expect([...CALL_NAMES].sort()).toEqual(Object.keys(calls).sort());
  });

  it('fills in defaults of a minimal run request', () => {
    const r = RunRequestSchema.parse({ code: 'print(1)', filename: 'a.js' });
    expect(r).toEqual({ code: 'print(1)', filename: 'a.js', language: 'javascript', seed: 1, limits: {} });
  });

  it.each([
    ['no code', { filename: 'a.js' }],
    ['code not a string', { code: 42, filename: 'a.js' }],
    ['a path as file name', { code: '', filename: '../etc/passwd' }],
    ['negative seed', { code: '', filename: 'a.js', seed: -1 }],
    ['fractional seed', { code: '', filename: 'a.js', seed: 1.5 }],
    ['unknown language', { code: '', filename: 'a.js', language: 'python' }],
    ['absurd timeout', { code: '', filename: 'a.js', limits: { timeoutMs: 1e12 } }],
    ['unknown limit', { code: '', filename: 'a.js', limits: { cpu: 1 } }],
    ['extra field', { code: '', filename: 'a.js', evil: true }],
  ])('rejects a run request with %s', (_name, req) => {
    expect(() => parseArgs('run', [req])).toThrow(ContractError);
  });

  it('names the call and the field in its error', () => {
    expect(() => parseArgs('run', [{ code: 1, filename: 'a.js' }])).toThrow(/^run: invalid arguments at 0\.code/);
  });

  it.each([
    ['absolute path', '/etc/passwd'],
    ['parent traversal', '../x.js'],
    ['inner traversal', 'a/../../x.js'],
    ['backslash', 'a\\..\\x.js'],
    ['empty segment', 'a//b.js'],
    ['NUL byte', 'a\0.js'],
  ])('refuses a workspace path with %s', (_name, p) => {
    expect(() => parseArgs('openFile', [p])).toThrow(ContractError);
    expect(() => parseArgs('saveFile', [p, 'x'])).toThrow(ContractError);
  });

  it('accepts nested workspace paths', () => {
    expect(parseArgs('openFile', ['labs/01/starter.js'])).toEqual(['labs/01/starter.js']);
  });

  it('rejects wrong arity and malformed frames', () => {
    expect(() => parseArgs('stop', [])).toThrow(ContractError);
    expect(() => parseArgs('stop', ['not-a-run-id'])).toThrow(ContractError);
    expect(() => parseArgs('listFiles', ['extra'])).toThrow(ContractError);
    expect(() => parseRequestFrame({ id: 1, method: 'eval', args: [] })).toThrow(/method/);
    expect(() => parseRequestFrame({ id: -1, method: 'run', args: [] })).toThrow(ContractError);
    expect(() => parseRequestFrame({ id: 1, method: 'run', args: {} })).toThrow(ContractError);
    expect(() => parseRequestFrame('{"id":1}')).toThrow(ContractError);
    expect(() => parseArgs('__proto__' as never, [])).toThrow(ContractError);
  });

  it('validates events', () => {
    expect(RunEventSchema.safeParse({ type: 'output', runId: 'run-1', stream: 'stdout', text: 'x' }).success).toBe(true);
    expect(RunEventSchema.safeParse({ type: 'output', runId: 'run-1', stream: 'stdin', text: 'x' }).success).toBe(false);
  });
});
