/** What a form sent back, and what is wrong with it, field by field. */
export interface Checked<T> {
  readonly values: T;
  readonly errors: Partial<Record<keyof T, string>>;
  readonly ok: boolean;
}

const text = (form: FormData, name: string): string => {
  const value = form.get(name);
  return typeof value === 'string' ? value : '';
};

function checked<T>(values: T, errors: Partial<Record<keyof T, string>>): Checked<T> {
  return { values, errors, ok: Object.keys(errors).length === 0 };
}

/** The sign-up form: a name of 3–20 letters, digits, `-` or `_`, and a password of 8–200 characters. */
export function checkSignUp(form: FormData): Checked<{ name: string; password: string }> {
  const name = text(form, 'name').trim();
  const password = text(form, 'password');
  const errors: Partial<Record<'name' | 'password', string>> = {};
  if (!/^[A-Za-z0-9_-]{3,20}$/.test(name)) errors.name = 'Use 3 to 20 letters, digits, - or _.';
  if (password.length < 8) errors.password = 'Use at least 8 characters.';
  else if (password.length > 200) errors.password = 'Use at most 200 characters.';
  return checked({ name, password }, errors);
}

/** The log-in form: both fields present. */
export function checkLogIn(form: FormData): Checked<{ name: string; password: string }> {
  const name = text(form, 'name').trim();
  const password = text(form, 'password');
  const errors: Partial<Record<'name' | 'password', string>> = {};
  if (name === '') errors.name = 'Enter your name.';
  if (password === '') errors.password = 'Enter your password.';
  return checked({ name, password }, errors);
}

/** A guestbook entry: 1–500 characters after trimming. */
export function checkEntry(form: FormData): Checked<{ text: string }> {
  const value = text(form, 'text').trim();
  const errors: Partial<Record<'text', string>> = {};
  if (value === '') errors.text = 'Write something first.';
  else if (value.length > 500) errors.text = `Keep it under 500 characters (this is ${value.length}).`;
  return checked({ text: value }, errors);
}
