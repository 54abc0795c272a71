/**
 * --since, --until and --last: the filter's since:/until: terms written as flags, read by the
 * filter language's own key readers, so a flag and a term cannot disagree about what a time means.
 */
import type { Command } from 'commander';

import { type FilterAst, FilterError } from '../query/index.js';
import { KEYS } from '../query/keys.js';
import { timeCutBySpace } from '../query/time-values.js';
import { UsageError } from './units.js';

export interface TimeFlags {
  since?: string;
  until?: string;
  last?: string;
}

export function addTimeOptions(command: Command): Command {
  return command
    .option('--since <time>', "only exchanges that started at or after TIME: 10:30, yesterday, 'thursday 10:00', 2026-11-20T10:30, 2h (ago); as since:TIME")
    .option('--until <time>', 'only exchanges that started up to TIME, at its precision (until 10:30 includes 10:30:59); as until:TIME')
    .option('--last <duration>', 'only exchanges of the last DURATION (30m, 2h, 7d, 1w): --since DURATION');
}

/** The term a flag stands for; a time the filter language refuses is a usage error naming the flag. */
function flagTerm(flag: string, bound: 'since' | 'until', text: string): FilterAst {
  try {
    return KEYS[bound]({ kind: 'quoted', text, start: 0, end: text.length }, bound);
  } catch (err) {
    if (!(err instanceof FilterError)) throw err;
    // "bad time 'x'" only repeats the value; a more specific problem is kept
    const problem = err.problem === `bad time '${text}'` ? '' : `${err.problem}: `;
    throw new UsageError(`bad ${flag} '${text}': ${problem}${err.hint}`);
  }
}

/**
 * `--since yesterday 14:00` unquoted gives --since the first word and the filter the second: a
 * search for "14:00" that nobody meant.
 */
function refuseCutTime(flag: string, text: string, filterWords: string[]): void {
  for (let i = 0; i < filterWords.length; i++) {
    const cut = timeCutBySpace(text, ` ${filterWords.slice(i).join(' ')}`);
    if (cut) throw new UsageError(`${flag} takes one argument: quote a time with a space in it, like ${flag} '${cut.time}'`);
  }
}

/** The since:/until: terms the flags add to the filter (none without flags). */
export function timeFlagTerms(flags: TimeFlags, filterWords: string[]): FilterAst[] {
  if (flags.last !== undefined && flags.since !== undefined) throw new UsageError('--last and --since both say where the range starts: use one');
  const terms: FilterAst[] = [];
  for (const [flag, bound, text] of [
    ['--since', 'since', flags.since],
    ['--last', 'since', flags.last],
    ['--until', 'until', flags.until],
  ] as const) {
    if (text === undefined) continue;
    refuseCutTime(flag, text, filterWords);
    const term = flagTerm(flag, bound, text);
    if (flag === '--last' && !(term.type === 'time' && term.at.kind === 'ago'))
      throw new UsageError(`bad --last '${text}': use a duration, like 30m, 2h, 7d or 1w (for a moment, use --since)`);
    terms.push(term);
  }
  return terms;
}
