/** The FILTER argument every query command takes: one filter language (src/query). */
import { FilterError, compileFilter, parseFilter, registerFilterFunctions } from '../query/index.js';
import type { Session } from '../session/session.js';
import { CliError } from './errors.js';
import { UsageError } from './units.js';

export interface CompiledArg {
  where: string;
  params: unknown[];
  text: string;
}

/** Words after FILE are one filter ("tinytap ls f.tinytap method:POST status:5xx"). */
export function compileFilterArg(session: Session, words: string[], extra?: string): CompiledArg {
  const option = words.find((w) => w.startsWith('--'));
  if (option) throw new UsageError(`unknown option '${option}' (see tinytap help)`);
  // the words are joined: `ls f method:GET status:404` and `ls f "method:GET status:404"` agree
  const text = [extra, ...words].filter((w) => w !== undefined && w !== '').join(' ');
  try {
    const ast = parseFilter(text, new Date());
    registerFilterFunctions(session.db);
    const { where, params } = compileFilter(ast);
    return { where, params, text };
  } catch (err) {
    if (err instanceof FilterError) throw new CliError(`bad filter: ${err.message}\n${err.format(text)}`, 2);
    throw err;
  }
}
