/**
 * The report both identity checks print (verifier-identity.ts, output-identity.ts): a hash per group of runs (the
 * name's first path part) and one over every run, and with `out` the per-run hashes as JSON, to compare two runs.
 */
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';

export const sha = (s: string): string => createHash('sha256').update(s).digest('hex');

export function identityReport(hashes: Record<string, string>, out?: string): void {
  const groups = new Map<string, string[]>();
  for (const [k, h] of Object.entries(hashes)) {
    const g = k.slice(0, k.indexOf('/'));
    groups.set(g, [...(groups.get(g) ?? []), h]);
  }
  for (const [g, hs] of groups) console.log(`${g.padEnd(12)} ${String(hs.length).padStart(6)} ${sha(hs.join('\n'))}`);
  console.log(`${'total'.padEnd(12)} ${String(Object.keys(hashes).length).padStart(6)} ${sha(JSON.stringify(hashes))}`);
  if (out) writeFileSync(out, JSON.stringify(hashes, null, 1));
}
