/** tinytap reparse FILE: rebuild the exchanges from the raw records with the current parsers. */
import type { Command } from 'commander';

import { DERIVED_VERSION, buildExchanges } from '../session/build-exchanges.js';
import { openSessionDb } from '../session/open-session.js';
import { liveRecorder } from '../session/recorder-alive.js';
import { CliError } from './errors.js';
import { formatCount } from '../render/format.js';
import { term } from '../render/terminal-text.js';
import { progressBar, stdout, writeLine } from './terminal.js';

export function registerReparse(program: Command): void {
  program
    .command('reparse')
    .description('rebuild the exchanges of a session from its raw records with the current parsers')
    .argument('<file>', 'a .tinytap session')
    .action((file: string) => {
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
        const s = buildExchanges(db, { onProgress: (d, t) => bar.update(d, t) });
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
