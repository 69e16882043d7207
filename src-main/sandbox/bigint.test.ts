/**
 * BigInt in the sandbox against Node: one table of edge values (bits 0..128; 0, ±1, ±2^31, ±2^32, ±2^63, ±2^64,
 * ±2^64±1, large) through every BigInt built-in and operator, run in QuickJS and in Node in the same test, the
 * results compared line by line. QuickJS's wrong built-ins are replaced in the prelude (prelude.ts); its one wrong
 * operator (below) cannot be, and is pinned here so that a QuickJS that fixes it shows up.
 */
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { RunRequestSchema } from '../contract';
import { runInSandbox } from './sandbox';

// Plain JavaScript (it runs in QuickJS as it is): every line 'expression=result'.
const TABLE = String.raw`(function () {
  const out = [];
  const show = (f) => { try { const v = f(); return typeof v === 'bigint' ? v.toString() + 'n' : typeof v + ':' + String(v); } catch (e) { return 'throws ' + e.constructor.name; } };
  const P = (e) => 2n ** e;
  const base = [0n, 1n, 2n, 3n, 7n, 63n, 255n, 256n, P(31n), P(32n), P(52n), P(53n), P(63n), P(64n), P(64n) + 1n, P(64n) - 1n, P(65n), P(128n), P(128n) - 1n, 12345678901234567890123456789n];
  const vals = [];
  for (const v of base) { vals.push(v); if (v) vals.push(-v); }
  for (const e of [31n, 32n, 63n, 64n]) vals.push(P(e) - 1n, -(P(e) - 1n), P(e) + 1n, -(P(e) + 1n));
  const bits = [0, 1, 7, 8, 31, 32, 33, 52, 53, 63, 64, 65, 128];
  for (const b of bits) for (const v of vals) {
    out.push('asUintN(' + b + ',' + v + ')=' + show(() => BigInt.asUintN(b, v)));
    out.push('asIntN(' + b + ',' + v + ')=' + show(() => BigInt.asIntN(b, v)));
  }
  for (const b of [-1, 2 ** 53, 1.5, -0.5, NaN, Infinity, '8', undefined, null, 2 ** 53 - 1]) out.push('asUintN bad ' + String(b) + '=' + show(() => BigInt.asUintN(b, 5n)) + ' ' + show(() => BigInt.asUintN(b, -5n)) + ' ' + show(() => BigInt.asIntN(b, -5n)));
  for (const x of [5, '5', ' -5 ', true, null, undefined, {}, { valueOf: () => -3n }, Symbol.iterator]) out.push('asUintN arg ' + (typeof x === 'symbol' ? 'symbol' : String(x)) + '=' + show(() => BigInt.asUintN(8, x)) + ' ' + show(() => BigInt.asIntN(8, x)));
  out.push('descriptors=' + ['asUintN', 'asIntN'].map((n) => JSON.stringify(Object.getOwnPropertyDescriptor(BigInt, n)) + BigInt[n].length + BigInt[n].name + show(() => new BigInt[n](8, 1n))).join(' ') + ' ' + JSON.stringify(Object.getOwnPropertyDescriptor(BigInt.prototype, 'toLocaleString')) + BigInt.prototype.toLocaleString.length + show(() => BigInt.prototype.toLocaleString.call(5)));
  const small = [0n, 1n, -1n, 2n, -2n, 3n, -3n, 7n, -7n, 31n, 32n, 63n, 64n, 65n, -64n];
  const mid = vals.concat(small);
  for (const a of mid) for (const b of small.concat([P(32n), -P(32n), P(64n) + 1n, -(P(64n) + 1n)])) {
    out.push(a + ' / ' + b + '=' + show(() => a / b));
    out.push(a + ' % ' + b + '=' + show(() => a % b));
    out.push(a + ' >> ' + b + '=' + show(() => (b > 200n || b < -200n ? 'skip' : a >> b)));
    out.push(a + ' << ' + b + '=' + show(() => (b > 200n || b < -200n ? 'skip' : a << b)));
    out.push(a + ' ** ' + b + '=' + show(() => (b > 70n ? 'skip' : a ** b)));
    out.push(a + ' & ' + b + '=' + show(() => a & b) + ' | ' + show(() => a | b) + ' ^ ' + show(() => a ^ b));
    out.push(a + ' * ' + b + '=' + show(() => a * b) + ' + ' + show(() => a + b) + ' - ' + show(() => a - b));
  }
  for (const a of vals) {
    out.push('~' + a + '=' + show(() => ~a) + ' -' + show(() => -a));
    for (const r of [2, 8, 10, 16, 36]) out.push(a + '.toString(' + r + ')=' + show(() => a.toString(r)));
    out.push(a + '.toLocaleString=' + show(() => a.toLocaleString()) + ' ' + show(() => a.toLocaleString('en-US')));
    out.push(a + '.valueOf=' + show(() => Object(a).valueOf()) + ' ' + show(() => typeof Object(a)));
    out.push('Number(' + a + ')=' + show(() => Number(a)) + ' parse ' + show(() => BigInt(a.toString())) + ' hex ' + show(() => BigInt((a < 0n ? '-' : '') + '0x' + (a < 0n ? -a : a).toString(16))));
    out.push('String(' + a + ')=' + show(() => String(a)) + ' concat ' + show(() => '' + a) + ' json ' + show(() => JSON.stringify({ a: a }, (k, v) => (typeof v === 'bigint' ? v.toString() : v))));
    out.push('BigInt64Array(' + a + ')=' + show(() => new BigInt64Array([a])[0]) + ' U ' + show(() => new BigUint64Array([a])[0]));
    out.push('DataView(' + a + ')=' + show(() => { const d = new DataView(new ArrayBuffer(8)); d.setBigInt64(0, a); return d.getBigUint64(0); }));
    for (const n of [0, -0, 1, -1, 0.5, -0.5, 2 ** 31, 2 ** 32, 2 ** 53, 2 ** 53 + 2, 2 ** 63, 2 ** 64, -(2 ** 64), 1e30, Infinity, -Infinity, NaN]) {
      out.push(a + ' cmp ' + n + '=' + [a < n, a <= n, a > n, a >= n, a == n, a != n].join(','));
    }
    for (const s of ['0', '-1', '18446744073709551616', '0x10', ' 7 ', '1e3', '', 'abc', '1.5']) out.push(a + ' == "' + s + '"=' + show(() => a == s) + show(() => a < s));
    out.push(a + ' mixed=' + show(() => a + 1) + show(() => a + '1') + show(() => a * 1.5) + show(() => Math.max(a)) + show(() => +a) + show(() => a >>> 0n));
  }
  for (const x of [0, -0, 1, -1, 2 ** 31, 2 ** 32, 2 ** 53, -(2 ** 53), 2 ** 64, 1e21, 0.5, NaN, Infinity, '12', ' -0x1 ', '-0x10', '0b101', '0o17', '1n', '', ' ', '9'.repeat(40), true, false, null, undefined, '-0', '+5']) {
    out.push('BigInt(' + String(x) + ')=' + show(() => BigInt(x)));
  }
  out.push('BigInt.length=' + BigInt.length + ' name=' + BigInt.name + ' new ' + show(() => new BigInt(1)));
  out.push('toStringTag=' + show(() => BigInt.prototype[Symbol.toStringTag]) + ' ' + show(() => Object.prototype.toString.call(1n)));
  out.push('toString radix bad=' + show(() => (5n).toString(1)) + show(() => (5n).toString(37)) + show(() => (5n).toString(undefined)));
  out.push('valueOf bad=' + show(() => BigInt.prototype.valueOf.call(1)) + show(() => BigInt.prototype.toString.call({})));
  out.push('mix throws=' + show(() => 1n + 1) + show(() => Math.sqrt(4n)) + show(() => 1n >>> 1n) + show(() => 1n / 0n) + show(() => 1n % 0n) + show(() => 2n ** -1n) + show(() => (0n) ** 0n));
  return out;
})()`;

async function sandboxTable(): Promise<string[]> {
  const outcome = await runInSandbox(
    RunRequestSchema.parse({ code: `lab.result(${TABLE})`, filename: 'bigint.js', limits: { timeoutMs: 120_000 } }),
    { output: () => {}, progress: () => {} },
  );
  expect(outcome.error).toBeUndefined();
  return outcome.result as string[];
}

/** A relational comparison of a BigInt with a Number where both are negative (QuickJS's wrong operator). */
const NEGATIVE_MIXED_COMPARISON = /^-\d+ cmp -[\d.e+]+=/;

describe('sandbox: BigInt agrees with Node', () => {
  it('gives what Node gives for every built-in and operator on the edge-value table', async () => {
    const node = runInNewContext(TABLE) as string[];
    const quickjs = await sandboxTable();
    expect(quickjs).toHaveLength(node.length);
    expect(node.length).toBeGreaterThan(10_000);
    const differ = node.map((line, i) => ({ node: line, quickjs: quickjs[i]! })).filter((d) => d.node !== d.quickjs);
    // Everything but the comparison operator below agrees: asUintN, asIntN, toLocaleString (fixed in the prelude),
    // BigInt(), toString(radix), valueOf, / % ** << >> & | ^ ~ with negatives, typed arrays, DataView, errors.
    expect(differ.filter((d) => !NEGATIVE_MIXED_COMPARISON.test(d.node))).toEqual([]);
    for (const line of [
      'asUintN(32,-63)',
      'asUintN(64,-1)',
      'asUintN(64,-9223372036854775808)',
      'asIntN(64,9223372036854775808)',
    ]) {
      expect(quickjs.some((l) => l.startsWith(line + '='))).toBe(true);
    }
  });

  it('fixes the cases of the report: asUintN(32, -63n) and asUintN(64, -1n)', async () => {
    const quickjs = await sandboxTable();
    expect(quickjs).toContain('asUintN(32,-63)=4294967233n');
    expect(quickjs).toContain('asUintN(64,-1)=18446744073709551615n');
    expect(quickjs).toContain('asUintN(32,-2147483648)=2147483648n');
    expect(quickjs).toContain('-2147483649.toLocaleString=string:-2,147,483,649 string:-2,147,483,649');
  });

  // QuickJS 2025-09 (quickjs-emscripten 0.32) compares a negative BigInt with a negative Number outside the small
  // integers by magnitude without the sign: -1n < -0.5 and -1n < -(2 ** 32) are both false there. An operator
  // cannot be replaced from the prelude; when this fails, QuickJS was fixed and the exception above can go.
  it("still has QuickJS's negative BigInt-to-Number comparison defect (pinned)", async () => {
    const quickjs = await sandboxTable();
    const node = runInNewContext(TABLE) as string[];
    const differ = node.filter((line, i) => line !== quickjs[i]);
    expect(differ.length).toBeGreaterThan(0);
    expect(differ.every((l) => NEGATIVE_MIXED_COMPARISON.test(l))).toBe(true);
    expect(node).toContain('-1 cmp -0.5=true,true,false,false,false,true');
    expect(quickjs).toContain('-1 cmp -0.5=false,false,true,true,false,true');
  });
});
