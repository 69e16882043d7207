/**
 * Seeded variants: a lab's lab.json may declare parameters (`params`), each drawn from the run's seed, so every
 * student gets their own numbers; the script reads them as `lab.params` and the checker as `ctx.params`. `lab
 * grade` derives each student's seed from the submission's file name (or a roster), so the same file always
 * gets the same variant.
 */
import { z } from 'zod';

/** One parameter: a whole number in [min, max], or one of a list of choices. */
export const ParamSpecSchema = z.union([
  z
    .object({
      int: z.tuple([z.number().int(), z.number().int()]).refine(([a, b]) => a <= b, 'int: [min, max] with min <= max'),
    })
    .strict(),
  z.object({ choice: z.array(z.union([z.number(), z.string()])).min(1, 'choice: at least one value') }).strict(),
]);
export type ParamSpec = z.infer<typeof ParamSpecSchema>;
export type LabParams = Record<string, number | string>;

/** FNV-1a over UTF-8 bytes: 32 bits, stable across machines and versions. */
export function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (const b of new TextEncoder().encode(text)) {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/**
 * MurmurHash3's 32-bit finaliser (fmix32): every input bit reaches every output bit. FNV-1a alone is not enough to
 * draw from: the low k bits of its hash depend only on the low k bits of the bytes, so `h % 2` of two parameters'
 * hashes were the same for every seed (a lab's parameters were correlated, some combinations never drawn).
 */
export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Each parameter drawn from (seed, name): a parameter's value does not change when others are added. */
export function labParams(specs: Record<string, ParamSpec> | undefined, seed: number): LabParams {
  const out: LabParams = {};
  for (const name of Object.keys(specs ?? {}).sort()) {
    const spec = specs![name]!;
    // Two rounds of mixing: seeds that differ in one bit give unrelated draws.
    const h = fmix32(fnv1a(`${fnv1a(`${seed}`)}:${name}`));
    if ('int' in spec) {
      const [min, max] = spec.int;
      out[name] = min + (h % (max - min + 1));
    } else {
      out[name] = spec.choice[h % spec.choice.length]!;
    }
  }
  return out;
}

/** A student's seed from a submission's file name (extension dropped, case kept): a whole number below 2^32. */
export function seedFromName(file: string): number {
  const base = file.replace(/^.*[\\/]/, '').replace(/\.(js|ts|mjs|mts)$|(\.bpf)?\.c$/, '');
  return fnv1a(base);
}

/**
 * A roster CSV: a header with a `file` (or `student`) column and a `seed` column, then one row per student. A
 * student's row matches a submission whose name (without extension) is the `file`/`student` cell.
 */
export function parseRoster(text: string): Map<string, number> {
  const rows = text
    .split(/\r?\n/)
    .filter((l) => l.trim())
    .map((l) => l.split(',').map((c) => c.trim().replace(/^"(.*)"$/, '$1')));
  const head = rows.shift()?.map((h) => h.toLowerCase()) ?? [];
  const who = head.findIndex((h) => h === 'file' || h === 'student');
  const seedCol = head.indexOf('seed');
  if (who < 0 || seedCol < 0) throw new Error('roster: the header needs a file (or student) column and a seed column');
  const out = new Map<string, number>();
  rows.forEach((r, i) => {
    const seed = Number(r[seedCol]);
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff)
      throw new Error(`roster line ${i + 2}: seed '${r[seedCol] ?? ''}' is not a whole number from 0 to 4294967295`);
    out.set((r[who] ?? '').replace(/\.(js|ts|mjs|mts)$|(\.bpf)?\.c$/, ''), seed);
  });
  return out;
}
