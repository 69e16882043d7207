/**
 * A lab's C submissions (issue 21). A lab whose lab.json has `c` takes a `.c` file beside the script: the file is
 * BPF C, not a script, so its run is the lab's driver (`c.driver`), a script that compiles the submission with the
 * host's clang (k.bpf.compile: no kernel call, so allowed in a lab run), opens and loads the object, runs what the
 * lab asks and reports lab.result() as a script would; the same check.js criteria then judge the machine it left.
 * The driver sees the submission as the constant `submission` ({ filename, c }), put on its first line so that
 * its line numbers stay those of the file.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { LabError, type LabInfo } from './labs';

/** A C source file (`sum.bpf.c`), which only a lab with a C part runs. */
export function isCSource(filename: string): boolean {
  return /\.c$/.test(filename);
}

/** The lab's driver, with the submission in it: the run of a C submission. */
export function cSubmissionRun(lab: LabInfo, filename: string, c: string): { code: string; filename: string } {
  if (!lab.c) throw new LabError(lab.dir, `lab ${lab.id} has no C part: submit a script (.js or .ts), not ${filename}`);
  const file = path.join(lab.dir, lab.c.driver);
  let driver: string;
  try {
    driver = readFileSync(file, 'utf8');
  } catch (e) {
    throw new LabError(
      lab.dir,
      `${file}: cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
    );
  }
  return {
    code: `const submission = Object.freeze(${JSON.stringify({ filename, c })}); ${driver}`,
    filename: lab.c.driver,
  };
}

/** Why a C file cannot run without a lab, in one line. */
export function cWithoutLab(filename: string): string {
  return `${filename} is C, not a script: compile it from a script with k.bpf.compile({ c, filename }), or check it as the C submission of a lab that takes one (lab check LAB ${filename})`;
}
