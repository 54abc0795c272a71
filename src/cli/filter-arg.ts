/**
 * The FILTER argument every query command takes: one filter language (src/query). Read before
 * any file is opened (a typo is reported as such, whatever the file), compiled once it is.
 */
import { type FilterAst, FilterError, compileFilter, describeFilter, parseFilter, registerFilterFunctions } from '../query/index.js';
import type { Session } from '../session/session.js';
import { CliError } from './errors.js';
import { ensureTextIndex } from './open-session.js';
import { type TimeFlags, timeFlagTerms } from './time-flags.js';
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

/**
 * Words after FILE are one filter ("tinytap ls f.tinytap method:POST status:5xx"); --since,
 * --until and --last add their terms to it.
 */
export function parseFilterArg(words: string[], times: TimeFlags = {}): FilterArg {
  const option = words.find((w) => w.startsWith('--'));
  if (option) throw new UsageError(`unknown option '${option}' (see tinytap help)`);
  const timeTerms = timeFlagTerms(times, words);
  // the words are joined: `ls f method:GET status:404` and `ls f "method:GET status:404"` agree
  const text = words.filter((w) => w !== '').join(' ');
  let ast: FilterAst;
  try {
    ast = parseFilter(text);
  } catch (err) {
    if (err instanceof FilterError) throw new CliError(`bad filter: ${err.message}\n${err.format(text)}`, 2);
    throw err;
  }
  if (timeTerms.length === 0) return { ast, text };
  const items = [...(ast.type === 'and' ? ast.items : ast.type === 'all' ? [] : [ast]), ...timeTerms];
  // the filter as typed, then the flags' terms: `a or b` in parentheses, or the terms would bind to b
  const typed = ast.type === 'all' ? [] : [ast.type === 'or' ? `(${text})` : text];
  return { ast: items.length === 1 ? items[0] : { type: 'and', items }, text: [...typed, ...timeTerms.map(describeFilter)].join(' ') };
}

/** `now`: what since:5m is relative to; one value for every file of a history, so they agree. */
export function compileFilterArg(session: Session, arg: FilterArg, now = new Date()): CompiledArg {
  registerFilterFunctions(session.db);
  const { where, params } = compileFilter(arg.ast, { now });
  // a filter on text searches the index: filled now, with a progress line, if it is not yet
  if (where.includes('exchange_fts')) ensureTextIndex(session);
  return { where, params, text: arg.text };
}
