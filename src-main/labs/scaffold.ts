/**
 * `lab new`: a working lab folder, from the template below or by copying another lab (`--from`). The template
 * is a small complete lab with a seeded parameter, so `lab validate` passes on it as made.
 */
import { existsSync } from 'node:fs';
import { copyFile, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { LabIdSchema } from '../contract';
import type { LabInfo } from './labs';

/** The JSDoc type that gives a checker's ctx its typings in the app's editor (src-main/labs/check-api.d.ts). */
export const CHECK_TYPE = "/** @type {import('kernel-lab/check').Criterion[]} */";

const TEMPLATE: Record<string, (title: string) => string> = {
  // check.js is an ES module wherever the folder is.
  'package.json': () => JSON.stringify({ type: 'module', private: true }, null, 2) + '\n',
  'lab.json': (title) =>
    JSON.stringify(
      {
        title,
        engine: 'mm',
        level: 1,
        summary:
          'Fault your own number of secret memory pages and read back how much of the direct map is in 4 KiB pages.',
        limits: { timeoutMs: 20000 },
        params: { pages: { int: [2, 9] } },
      },
      null,
      2,
    ) + '\n',
  'README.md': (title) => `# ${title}

\`memfd_secret(2)\` gives a process memory that even the kernel does not map: each page it faults in is removed
from the direct map, which splits the large page around it.

## Your task

1. Boot a machine with 1 GiB of memory: \`const k = boot({ memory: '1G' })\`.
2. Open a secret memory file with \`k.mm.memfd_secret()\` and fault in \`lab.params.pages\` of its pages
   (\`file.fault(i)\` for each page index \`i\`). Your number of pages is your own: it comes from your seed.
3. Report \`lab.result({ pages, directMap4k })\`, where \`directMap4k\` is the \`DirectMap4k\` line of
   \`k.mm.meminfo()\` after the faults (in kB).

Press **Check** to see which criteria your run meets.
`,
  'starter.js': () => `// Your number of pages: lab.params.pages (it comes from your seed).
const k = boot({ memory: '1G' });
const file = k.mm.memfd_secret();
const pages = lab.params.pages;

// TODO: fault in that many pages of the file.

lab.result({ pages, directMap4k: 0 }); // TODO: DirectMap4k from k.mm.meminfo()
`,
  'solution.js': () => `// Reference solution.
const k = boot({ memory: '1G' });
const file = k.mm.memfd_secret();
const pages = lab.params.pages;
for (let i = 0; i < pages; i++) file.fault(i);
lab.result({ pages, directMap4k: k.mm.meminfo().DirectMap4k });
`,
  'check.js':
    () => `// The criteria. Each reads the machine the script booted (ctx.k), never only what it printed; a failing
// criterion's detail tells the student what their own run did, never the expected value.
// Each criterion: { name, hint, check(ctx) }; ctx is CheckContext (docs/labs.md). The JSDoc type below gives the
// app's editor completion and hover for ctx; Node reads it as a comment.
${CHECK_TYPE}
export default [
  {
    name: 'faults in your number of secret pages (lab.params.pages)',
    hint: 'file.fault(i) for each i from 0 to lab.params.pages - 1',
    check: ({ k, params }) => {
      const faulted = k ? [...k.mm.secretFiles].reduce((n, f) => n + f.nr_pages, 0) : 0;
      return { pass: faulted === params.pages, detail: \`your machine has \${faulted} secret page(s) faulted in\` };
    },
  },
  {
    name: 'reports DirectMap4k of your machine after the faults',
    hint: "k.mm.meminfo().DirectMap4k, read after the last fault",
    check: ({ k, result }) => {
      const got = result?.directMap4k;
      return { pass: !!k && got === k.mm.meminfo().DirectMap4k && got > 0, detail: \`you reported \${JSON.stringify(got)}\` };
    },
  },
];
`,
};

/** Makes `dir` (its name an id such as 10-my-lab) as a working lab; refuses a folder that exists. */
export async function scaffoldLab(dir: string, from?: LabInfo): Promise<string> {
  const id = path.basename(dir);
  if (!LabIdSchema.safeParse(id).success)
    throw new Error(`'${id}' is not a lab name: NN-slug, such as 10-my-lab (lowercase, digits and -)`);
  if (existsSync(dir)) throw new Error(`${dir} exists already; lab new makes a new folder`);
  await mkdir(dir, { recursive: true });
  if (from) {
    for (const f of await readdir(from.dir, { withFileTypes: true }))
      if (f.isFile()) await copyFile(path.join(from.dir, f.name), path.join(dir, f.name));
    // The copy's checker names the checker typings, as the template's does (completion and hover in the app).
    const check = path.join(dir, 'check.js');
    if (existsSync(check)) {
      const text = await readFile(check, 'utf8');
      if (!text.includes(CHECK_TYPE) && /^export default \[/m.test(text))
        await writeFile(check, text.replace(/^export default \[/m, `${CHECK_TYPE}\nexport default [`));
    }
    if (!existsSync(path.join(dir, 'package.json')))
      await writeFile(path.join(dir, 'package.json'), TEMPLATE['package.json']!(''));
    return dir;
  }
  const title = id
    .replace(/^\d\d-/, '')
    .replace(/-/g, ' ')
    .replace(/^./, (c) => c.toUpperCase());
  for (const [name, text] of Object.entries(TEMPLATE)) await writeFile(path.join(dir, name), text(title));
  return dir;
}
