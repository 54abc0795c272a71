/**
 * The FILTER argument every query command takes: one filter language (src/query). Read before
 * any file is opened (a typo is reported as such, whatever the file), compiled once it is.
 */
import { type FilterAst, FilterError, compileFilter, parseFilter, registerFilterFunctions } from '../query/index.js';
import type { Session } from '../session/session.js';
import { CliError } from './errors.js';
import { ensureTextIndex } from './open-session.js';
import { UsageError } from './units.js';

export interface FilterArg {
  ast: FilterAst;
  text: string;
}

export interface CompiledArg {
  where: string;
  params: unknown[];
  text: string;
}

/** Words after FILE are one filter ("tinytap ls f.tinytap method:POST status:5xx"). */
export function parseFilterArg(words: string[]): FilterArg {
  const option = words.find((w) => w.startsWith('--'));
  if (option) throw new UsageError(`unknown option '${option}' (see tinytap help)`);
  // the words are joined: `ls f method:GET status:404` and `ls f "method:GET status:404"` agree
  const text = words.filter((w) => w !== '').join(' ');
  try {
    return { ast: parseFilter(text), text };
  } catch (err) {
    if (err instanceof FilterError) throw new CliError(`bad filter: ${err.message}\n${err.format(text)}`, 2);
    throw err;
  }
}

export function compileFilterArg(session: Session, arg: FilterArg): CompiledArg {
  registerFilterFunctions(session.db);
  const { where, params } = compileFilter(arg.ast);
  // a filter on text searches the index: filled now, with a progress line, if it is not yet
  if (where.includes('exchange_fts')) ensureTextIndex(session);
  return { where, params, text: arg.text };
}
