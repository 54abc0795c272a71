/**
 * Insomnia renders a request's URL, header names and values, body and form fields as Nunjucks
 * templates before sending (its templating/render.ts), so captured text holding `{{`, `{%` or
 * `{#` would be read as a tag: a JSON body `{"a":{"b":1}}` is fine, but `{{x}}` in a header
 * would be sent as the value of an unknown variable (or fail to render). Such openings are
 * written as Nunjucks string expressions, `{{ "{{" }}`, which render to themselves.
 *
 * Credentials left out become environment variables, `{{ _.access_token }}`. They are put in
 * after the captured text is escaped: the SecretFilter writes a mark (a random token between
 * two private-use characters) where each goes, the text is escaped, and the marks are then
 * replaced by the variables.
 */
import { randomBytes } from 'node:crypto';

const TAG_OPENING = /\{([{%#])/g;

/** Captured text as an Insomnia template that renders to exactly that text. */
export function insomniaLiteral(text: string): string {
  return text.replace(TAG_OPENING, '{{ "{$1" }}');
}

/** `{{ _.name }}`: a Nunjucks identifier, as Insomnia's environment variables are. */
export function insomniaVariableName(name: string): string {
  const id = name.replace(/[^A-Za-z0-9_]/g, '_') || 'secret';
  return /^[0-9]/.test(id) ? `_${id}` : id;
}

/** Placeholders in captured text, turned into Insomnia variables once the text is escaped. */
export class InsomniaSecrets {
  private readonly token = randomBytes(6).toString('hex');
  private readonly marks: RegExp;
  /** Every variable used, in first use order: the environment lists them, empty, to fill in. */
  readonly variables = new Set<string>();

  constructor() {
    this.marks = new RegExp(`\uE000${this.token}:([A-Za-z0-9_]+)\uE001`, 'g');
  }

  /** The replacement for a secret named `name` (for SecretFilter). */
  readonly mark = (name: string): string => {
    const id = insomniaVariableName(name);
    this.variables.add(id);
    return `\uE000${this.token}:${id}\uE001`;
  };

  /** Text that may hold marks, as a template: escaped, the marks made variables. */
  template(text: string): string {
    return insomniaLiteral(text).replace(this.marks, (_, id: string) => `{{ _.${id} }}`);
  }
}
