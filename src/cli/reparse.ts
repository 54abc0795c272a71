/** tinytap reparse FILE: rebuild the exchanges from the raw records with the current parsers. */
import type { Command } from 'commander';

import { DERIVED_VERSION, buildExchanges } from '../session/build-exchanges.js';
import { openSessionDb } from '../session/open-session.js';
import { liveRecorder } from '../session/recorder-alive.js';
import { CliError } from './errors.js';
import { formatCount } from '../render/format.js';
import { term } from '../render/terminal-text.js';
import { progressBar, stdout, writeLine } from './terminal.js';
import { N_PLUS_ONE_DEFAULT } from '../reconstruct/call-links.js';
import { UsageError, parseCount } from './units.js';

export function registerReparse(program: Command): void {
  program
    .command('reparse')
    .description('rebuild the exchanges of a session from its raw records with the current parsers')
    .argument('<file>', 'a .tinytap session')
    .option('--n-plus-one <n>', 'flag a query shape run this many times in one HTTP request (with different parameters) as N+1', String(N_PLUS_ONE_DEFAULT))
    .action((file: string, flags: { nPlusOne: string }) => {
      const nPlusOne = parseCount(flags.nPlusOne, '--n-plus-one');
      if (nPlusOne < 2) throw new UsageError(`bad --n-plus-one '${flags.nPlusOne}': it must be at least 2 (a query run twice can be N+1)`);
      const db = openSessionDb(file);
      if (db.readonly) {
        db.close();
        throw new CliError(`${file} is read-only: reparse writes the rebuilt exchanges into it`);
      }
      const recorder = liveRecorder(db);
      if (recorder) {
        db.close();
        throw new CliError(`${file} is still being recorded (tinytap pid ${recorder.pid}): reparse it once the recording stops`);
      }
      const bar = progressBar('reparsing');
      try {
        const s = buildExchanges(db, { onProgress: (d, t) => bar.update(d, t), onStage: (what) => bar.stage(what), nPlusOne });
        bar.done();
        writeLine(
          stdout,
          term`${formatCount(s.exchanges)} exchanges in ${formatCount(s.flows)} connections (${DERIVED_VERSION}): ${formatCount(s.added)} new, ${formatCount(s.changed)} changed, ${formatCount(s.removed)} gone, ${formatCount(s.unchanged)} unchanged`,
        );
      } finally {
        bar.done();
        db.close();
      }
    });
}
