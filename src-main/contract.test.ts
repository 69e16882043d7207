import { describe, expect, it } from 'vitest';
import {
  callNames,
  calls,
  ContractError,
  FILE_CHUNK_CHARS,
  maxJsonBytes,
  maxRequestFrameBytes,
  parseArgs,
  parseRequestFrame,
  RunEventSchema,
  RunRequestSchema,
} from './contract';
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
    expect(RunEventSchema.safeParse({ type: 'output', runId: 'run-1', stream: 'stdout', text: 'x' }).success).toBe(
      true,
    );
    expect(RunEventSchema.safeParse({ type: 'output', runId: 'run-1', stream: 'stdin', text: 'x' }).success).toBe(
      false,
    );
  });

  it('bounds the JSON of every call, so the host can take every valid frame and refuse longer ones', () => {
    for (const name of callNames) expect([name, Number.isFinite(maxJsonBytes(calls[name].args))]).toEqual([name, true]);
    const bound = maxRequestFrameBytes();
    // The longest valid frames, each character written as long as JSON writes any (a lone surrogate: \udXXX).
    const frames = [
      {
        id: Number.MAX_VALUE,
        method: 'run',
        args: [
          {
            code: '\udc00'.repeat(4 << 20),
            filename: '\u0001'.repeat(255),
            language: 'typescript',
            seed: 0xffffffff,
            limits: { timeoutMs: 3_600_000 },
            lab: '01-' + 'a'.repeat(61),
          },
        ],
      },
      {
        id: 1,
        method: 'saveFile',
        args: ['a/'.repeat(255) + 'b', '\ud800'.repeat(FILE_CHUNK_CHARS), { expected: 'f'.repeat(32) }],
      },
      { id: 1, method: 'saveChunk', args: ['save-' + '0'.repeat(40), 16 << 20, '"'.repeat(FILE_CHUNK_CHARS)] },
    ];
    for (const f of frames) {
      expect(() => parseArgs(f.method as never, f.args)).not.toThrow();
      expect(Buffer.byteLength(JSON.stringify(f))).toBeLessThanOrEqual(bound);
    }
    expect(bound).toBeLessThan(32 << 20);
  });

  it('refuses a saveFile longer than one chunk and a readFileChunk or saveChunk outside the file limit', () => {
    expect(() => parseArgs('saveFile', ['a.js', 'x'.repeat(FILE_CHUNK_CHARS + 1)])).toThrow(
      /saveFile: invalid arguments at 1/,
    );
    expect(() => parseArgs('saveFile', ['a.js', 'x', { expected: 'nope' }])).toThrow(ContractError);
    expect(() => parseArgs('saveFile', ['a.js', 'x', { expected: null, extra: 1 }])).toThrow(ContractError);
    expect(parseArgs('saveFile', ['a.js', 'x', { expected: null }])).toEqual(['a.js', 'x', { expected: null }]);
    expect(() => parseArgs('saveBegin', ['a.js', { length: (16 << 20) + 1 }])).toThrow(ContractError);
    expect(() => parseArgs('saveChunk', ['save-1', -1, 'x'])).toThrow(ContractError);
    expect(() => parseArgs('readFileChunk', ['a.js', { offset: 0.5 }])).toThrow(ContractError);
  });
});
