/** tinytap open FILE: the session in a terminal UI, like the DevTools Network tab. */
import type { Command } from 'commander';

import { CliError } from './errors.js';
import { loadTui } from './load-tui.js';

export function registerOpen(program: Command): void {
  program
    .command('open')
    .description('browse a session in a terminal UI: exchanges, filters, search, headers, bodies, timings')
    .argument('<file>', 'a .tinytap session')
    .option('--follow', 'follow a session another tinytap is still recording: exchanges appear as they complete')
    .action(async (file: string, flags: { follow?: boolean }) => {
      // the UI draws on a terminal and reads its keys: anything else gets the plain commands
      if (!process.stdout.isTTY || !process.stdin.isTTY)
        throw new CliError(`open needs a terminal; to list the exchanges in a pipe or a script, use: tinytap ls ${file}`);
      // loaded here: no other command should pay for loading ink and React
      const { runTui } = await loadTui();
      await runTui({ file, follow: !!flags.follow });
    });
}
