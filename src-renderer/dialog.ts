/** In-page dialogs (Electron has no window.prompt): a name with validation, and a yes/no confirmation. */
const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;

/** Asks for a name; resolves undefined when cancelled. `check` returns an error message or undefined. */
export function askName(
  title: string,
  initial: string,
  check: (name: string) => string | undefined,
): Promise<string | undefined> {
  return show(title, initial, check).then((v) => (v === null ? undefined : v));
}

export async function confirmDialog(question: string): Promise<boolean> {
  return (await show(question, null, () => undefined)) !== null;
}

function show(
  title: string,
  initial: string | null,
  check: (name: string) => string | undefined,
): Promise<string | null> {
  const dlg = $<HTMLDialogElement>('ask');
  const input = $<HTMLInputElement>('ask-input');
  const err = $('ask-error');
  const form = $<HTMLFormElement>('ask-form');
  $('ask-title').textContent = title;
  input.hidden = initial === null;
  input.value = initial ?? '';
  err.textContent = '';
  return new Promise((resolve) => {
    const onSubmit = (e: SubmitEvent): void => {
      const ok = (e.submitter as HTMLButtonElement | null)?.value !== 'cancel';
      if (ok && initial !== null) {
        const msg = check(input.value.trim());
        if (msg) {
          e.preventDefault();
          err.textContent = msg;
          return;
        }
      }
      dlg.returnValue = ok ? 'ok' : 'cancel';
    };
    const onClose = (): void => {
      form.removeEventListener('submit', onSubmit);
      resolve(dlg.returnValue === 'ok' ? input.value.trim() : null);
    };
    form.addEventListener('submit', onSubmit);
    dlg.addEventListener('close', onClose, { once: true });
    dlg.returnValue = 'cancel';
    dlg.showModal();
    if (initial !== null) {
      input.focus();
      const dot = input.value.lastIndexOf('.');
      input.setSelectionRange(input.value.lastIndexOf('/') + 1, dot > 0 ? dot : input.value.length);
    }
  });
}

/**
 * Asks the person at the keyboard whether this session's scripts may reach the kernel: true for "Allow for this
 * session", false for Deny or Escape. The main side holds the answer (setKernelAccess).
 */
export function askKernelAccess(): Promise<boolean> {
  const dlg = $<HTMLDialogElement>('kernel-access');
  return new Promise((resolve) => {
    dlg.addEventListener('close', () => resolve(dlg.returnValue === 'allow'), { once: true });
    dlg.returnValue = 'deny';
    dlg.showModal();
  });
}

/**
 * Asks to pick one of `choices` (each a button, `data-testid="choice-VALUE"`); resolves its value, or undefined
 * when the dialog was dismissed (Escape).
 */
export function chooseDialog<V extends string>(
  title: string,
  choices: readonly { value: V; label: string; primary?: boolean }[],
): Promise<V | undefined> {
  const dlg = $<HTMLDialogElement>('choose');
  $('choose-title').textContent = title;
  $('choose-buttons').replaceChildren(
    ...choices.map((c) => {
      const b = document.createElement('button');
      b.value = c.value;
      b.textContent = c.label;
      b.dataset.testid = `choice-${c.value}`;
      if (c.primary) b.className = 'primary';
      return b;
    }),
  );
  return new Promise((resolve) => {
    dlg.addEventListener('close', () => resolve(choices.find((c) => c.value === dlg.returnValue)?.value), {
      once: true,
    });
    dlg.returnValue = '';
    dlg.showModal();
  });
}
