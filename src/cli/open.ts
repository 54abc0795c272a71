/** tinytap open FILE: the session in a terminal UI, like the DevTools Network tab. */
import type { Command } from 'commander';

import { CliError } from './errors.js';
import { loadTui } from './load-tui.js';
import { openHistory } from './open-session.js';
import { stderr, writeLine } from './terminal.js';
import { term } from '../render/terminal-text.js';

/**
 * The file to open: FILE, or the newest session of a directory (the one a running recorder
 * writes, for --follow). The UI shows one file at a time: the others are read with ls, search
 * and show on the directory.
 */
function newestSession(path: string): string {
  const history = openHistory([path]);
  try {
    if (!history.tagged) return path;
    const newest = history.files.at(-1);
    if (!newest) throw new CliError(`${path} holds no tinytap sessions`);
    if (history.files.length > 1)
      writeLine(stderr, term`tinytap: opening the newest of ${history.files.length} files, ${newest.path} (tinytap ls ${path} lists the exchanges of them all)`);
    return newest.path;
  } finally {
    history.close();
  }
}

export function registerOpen(program: Command): void {
  program
    .command('open')
    .description('browse a session in a terminal UI: exchanges, filters, search, headers, bodies, timings')
    .argument('<file>', 'a .tinytap session, or a directory of them (its newest file is opened)')
    .option('--follow', 'follow a session another tinytap is still recording: exchanges appear as they complete')
    .action(async (file: string, flags: { follow?: boolean }) => {
      // the UI draws on a terminal and reads its keys: anything else gets the plain commands
      if (!process.stdout.isTTY || !process.stdin.isTTY)
        throw new CliError(`open needs a terminal; to list the exchanges in a pipe or a script, use: tinytap ls ${file}`);
      const path = newestSession(file);
      // loaded here: no other command should pay for loading ink and React
      const { runTui } = await loadTui();
      await runTui({ file: path, follow: !!flags.follow });
    });
}
