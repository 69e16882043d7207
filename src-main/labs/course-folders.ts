/**
 * The app's course folders: folders of labs added in the app's lab list (its setting), kept in settings.json
 * beside the workspace choice, and those the host was started with (--labs, $KERNEL_LAB_LABS). Both hosts share
 * this code; the lab list and a lab run see the folders through labs.ts's courseDirs().
 */
import { stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';
import { COURSE_FOLDERS_MAX, readSettings, updateSettings } from '../workspace/chooser';
import { courseDirs, labsDir, scanLabs, setSettingsCourseDirs } from './labs';

/** A course folder as the app's setting lists it. */
export interface CourseFolder {
  path: string;
  /** settings: added in the app (removable there); startup: --labs or $KERNEL_LAB_LABS of the host. */
  origin: 'settings' | 'startup';
  /** Labs of this folder in the lab list. */
  labs: number;
  /** Why a lab folder of it (or the folder itself) is left out of the list. */
  problems: string[];
}

export interface CourseFolderList {
  folders: CourseFolder[];
  /** The settings file the app's folders are kept in. */
  settingsFile: string;
}

/** An error of the setting, with an errno-like code for the contract. */
export class CourseFolderError extends Error {
  constructor(
    readonly code: 'EINVAL' | 'ENOENT' | 'ENOTDIR' | 'EEXIST' | 'ENOSPC',
    message: string,
  ) {
    super(message);
    this.name = 'CourseFolderError';
  }
}

/** The browser host's settings file when --settings gives none: $KERNEL_LAB_SETTINGS, else $XDG_CONFIG_HOME/kernel-lab/settings.json. */
export function defaultSettingsFile(): string {
  if (process.env.KERNEL_LAB_SETTINGS) return path.resolve(process.env.KERNEL_LAB_SETTINGS);
  const config = process.env.XDG_CONFIG_HOME || path.join(homedir(), '.config');
  return path.join(config, 'kernel-lab', 'settings.json');
}

export class CourseFolders {
  private saved: string[] = [];

  private constructor(private readonly settingsFile: string) {}

  /**
   * Reads the saved course folders and adds them to the lab list. A settings file that cannot be used leaves the
   * list without them and says why (`warning`); it is not overwritten until it is fixed.
   */
  static async open(settingsFile: string): Promise<{ folders: CourseFolders; warning?: string }> {
    const folders = new CourseFolders(settingsFile);
    const { settings, problem } = await readSettings(settingsFile);
    folders.apply(settings?.courseFolders ?? []);
    return { folders, ...(problem ? { warning: `${problem}; the course folders saved there are not used` } : {}) };
  }

  private apply(dirs: string[]): void {
    this.saved = dirs;
    setSettingsCourseDirs(dirs);
  }

  /** Every course folder of the lab list, with how many labs each gives and what is wrong in it. */
  list(): CourseFolderList {
    const { labs, problems } = scanLabs();
    const within = (root: string, dir: string): boolean => dir === root || path.dirname(dir) === root;
    const folders = courseDirs().map((dir): CourseFolder => ({
      path: dir,
      origin: this.saved.includes(dir) ? 'settings' : 'startup',
      labs: labs.filter((l) => l.source === dir).length,
      problems: problems.filter((p) => within(dir, path.resolve(p.dir))).map((p) => p.message),
    }));
    return { folders, settingsFile: this.settingsFile };
  }

  /** Adds a course folder (absolute, or starting with ~/) and saves it; the folder must exist. */
  async add(input: string): Promise<CourseFolderList> {
    const dir = await usableCourseFolder(input);
    if (courseDirs().includes(dir)) throw new CourseFolderError('EEXIST', `${dir} is a course folder already`);
    if (this.saved.length >= COURSE_FOLDERS_MAX)
      throw new CourseFolderError('ENOSPC', `at most ${COURSE_FOLDERS_MAX} course folders; remove one first`);
    const next = [...this.saved, dir];
    await updateSettings(this.settingsFile, { courseFolders: next });
    this.apply(next);
    return this.list();
  }

  /** Removes a course folder added in the app (not one the host was started with) and saves the list. */
  async remove(input: string): Promise<CourseFolderList> {
    const dir = path.resolve(expandHome(input.trim()));
    if (!this.saved.includes(dir)) {
      if (courseDirs().includes(dir))
        throw new CourseFolderError(
          'EINVAL',
          `${dir} comes from how the host was started (--labs or $KERNEL_LAB_LABS), not from this setting`,
        );
      throw new CourseFolderError('ENOENT', `${dir} is not a course folder`);
    }
    const next = this.saved.filter((d) => d !== dir);
    await updateSettings(this.settingsFile, { courseFolders: next });
    this.apply(next);
    return this.list();
  }
}

function expandHome(p: string): string {
  return p === '~' || p.startsWith('~/') ? path.join(homedir(), p.slice(1)) : p;
}

/** The absolute folder `input` names, or a CourseFolderError saying why it cannot be a course folder. */
export async function usableCourseFolder(input: string): Promise<string> {
  const raw = expandHome(input.trim());
  if (!raw) throw new CourseFolderError('EINVAL', 'a course folder needs a path');
  if (!path.isAbsolute(raw))
    throw new CourseFolderError('EINVAL', `'${input}' is not an absolute path (such as /home/you/course or ~/course)`);
  if (raw.includes('\0')) throw new CourseFolderError('EINVAL', 'a path cannot hold a NUL character');
  const dir = path.resolve(raw);
  try {
    if (!(await stat(dir)).isDirectory()) throw new CourseFolderError('ENOTDIR', `${dir} is a file, not a folder`);
  } catch (e) {
    if (e instanceof CourseFolderError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    throw new CourseFolderError('ENOENT', `${dir}: no such folder${code && code !== 'ENOENT' ? ` (${code})` : ''}`);
  }
  if (dir === labsDir()) throw new CourseFolderError('EINVAL', `${dir} is the built-in labs' folder`);
  return dir;
}
