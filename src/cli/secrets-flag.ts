/**
 * --include-secrets on the commands whose --json output holds request data (ls, show, search,
 * info, diff): that output is meant for scripts and for sharing, so it leaves credentials out
 * by the rule of src/export/secrets.ts, as the exports do, and says so on stderr when it did.
 * The text for a person (without --json) is not changed: it is the reader's own terminal.
 */
import { SECRETS_LEFT_OUT_JSON_NOTE, SecretFilter } from '../export/secrets.js';
import { term } from '../render/terminal-text.js';
import { stderr, writeLine } from './terminal.js';

/** The option, for `.option(...INCLUDE_SECRETS)`. */
export const INCLUDE_SECRETS = [
  '--include-secrets',
  'with --json: keep credentials (Authorization, cookies, tokens and passwords in URLs and forms, command lines)',
] as const;

export function secretFilter(flags: { includeSecrets?: boolean }): SecretFilter {
  return new SecretFilter(!!flags.includeSecrets);
}

/** After the output: a line on stderr if anything was left out. */
export function sayWhatWasLeftOut(secrets: SecretFilter): void {
  if (secrets.leftOut > 0) writeLine(stderr, term`tinytap: ${SECRETS_LEFT_OUT_JSON_NOTE}`);
}
