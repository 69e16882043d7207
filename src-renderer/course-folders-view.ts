/**
 * The lab list's setting: the course folders whose labs the list shows beside the built-in ones. The main side
 * keeps them in settings.json (contract: courseFolders, addCourseFolder, removeCourseFolder); folders the host was
 * started with (--labs, $KERNEL_LAB_LABS) are listed but not removable here.
 */
import type { CourseFolderList, LabApi } from '../src-main/contract';
import { h } from './dom';

/** Opens the course folders dialog; `changed` is called after each add or remove (to list the labs again). */
export async function openCourseFolders(api: LabApi, changed: () => Promise<void>): Promise<void> {
  const dlg = document.getElementById('course-folders-dialog') as HTMLDialogElement;
  const list = h('ul', { class: 'course-folders', 'data-testid': 'course-folder-list' });
  const input = h('input', {
    'data-testid': 'course-folder-input',
    'aria-label': 'course folder path',
    placeholder: '/home/you/course or ~/course',
    spellcheck: 'false',
  }) as HTMLInputElement;
  const add = h('button', { class: 'primary', 'data-testid': 'course-folder-add', type: 'submit' }, 'Add');
  const error = h('p', { class: 'error-text', 'data-testid': 'course-folder-error', role: 'alert' });
  const file = h('p', { class: 'muted small', 'data-testid': 'course-folder-settings' });
  const close = h('button', { 'data-testid': 'course-folder-close', type: 'button' }, 'Close');
  const form = h(
    'form',
    { class: 'course-add' },
    h('label', { class: 'course-add-row' }, h('span', {}, 'Add a folder of labs:'), input),
    add,
  ) as HTMLFormElement;

  const render = (got: CourseFolderList): void => {
    file.textContent = `Kept in ${got.settingsFile}. Each lab of a folder is a subfolder NN-slug with a lab.json (npm run lab -- new).`;
    list.replaceChildren(
      ...(got.folders.length
        ? got.folders.map((f) =>
            h(
              'li',
              { 'data-testid': 'course-folder', 'data-path': f.path, 'data-origin': f.origin },
              h(
                'div',
                { class: 'course-folder-head' },
                h('span', { class: 'mono' }, f.path),
                h(
                  'span',
                  { class: 'muted small', 'data-testid': 'course-folder-labs' },
                  ` ${f.labs} lab${f.labs === 1 ? '' : 's'}`,
                ),
                f.origin === 'settings'
                  ? h(
                      'button',
                      {
                        class: 'small',
                        'data-testid': 'course-folder-remove',
                        title: `Remove ${f.path} from the lab list (the folder stays on disk)`,
                        onclick: () => void act(() => api.removeCourseFolder(f.path)),
                      },
                      'Remove',
                    )
                  : h(
                      'span',
                      {
                        class: 'muted small',
                        title: 'given when the host was started: --labs DIR or $KERNEL_LAB_LABS',
                      },
                      ' (from the host’s start)',
                    ),
              ),
              ...f.problems.map((p) => h('div', { class: 'warn small', 'data-testid': 'course-folder-problem' }, p)),
            ),
          )
        : [h('li', { class: 'muted' }, 'No course folders: the lab list shows the built-in labs only.')]),
    );
  };
  const act = async (call: () => Promise<CourseFolderList>): Promise<boolean> => {
    error.textContent = '';
    try {
      render(await call());
      await changed();
      return true;
    } catch (e) {
      error.textContent = (e as Error).message;
      return false;
    }
  };
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const path = input.value.trim();
    if (!path) {
      error.textContent = 'type the path of a folder of labs';
      return;
    }
    void act(() => api.addCourseFolder(path)).then((ok) => {
      if (ok) input.value = '';
    });
  });
  close.addEventListener('click', () => dlg.close());
  dlg.replaceChildren(
    h('h3', {}, 'Course folders'),
    h(
      'p',
      { class: 'muted' },
      'Labs of these folders show in the lab list beside the built-in ones, marked with their folder.',
    ),
    list,
    form,
    error,
    file,
    h('menu', {}, close),
  );
  try {
    render(await api.courseFolders());
  } catch (e) {
    error.textContent = `cannot list the course folders: ${(e as Error).message}`;
  }
  dlg.showModal();
  input.focus();
}
