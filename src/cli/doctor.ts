/** tinytap doctor: whether this machine can record, and what to do where it cannot; one line per check. */
import type { Command } from 'commander';

import { type CheckResult, type Status, doctorChecks } from '../record/doctor-checks.js';
import { readFacts, tryRecording } from '../record/doctor-probe.js';
import { paint, useColor } from '../render/format.js';
import { type TerminalText, escaped, joinText, json, term } from '../render/terminal-text.js';
import { CliError } from './errors.js';
import { stdout, writeLine } from './terminal.js';

const STATUS_WORDS: Record<Status, { word: string; sgr: string }> = {
  ok: { word: 'ok', sgr: '32' },
  warn: { word: 'warn', sgr: '33' },
  // upper case: what stops record stands out without colour too
  fail: { word: 'FAIL', sgr: '31;1' },
};

/** Every value in a result came from the system (file contents, paths, the kernel's errors): escaped by term. */
export function formatChecks(results: CheckResult[], color: boolean, verbose: boolean): TerminalText {
  const width = Math.max(...results.map((r) => r.check.length));
  return joinText(
    results.map((r) => {
      const { word, sgr } = STATUS_WORDS[r.status];
      const line = term`${paint(color, sgr, word.padEnd(4))}  ${r.check.padEnd(width)}  ${r.found}${r.fix ? term`; fix: ${r.fix}` : ''}`;
      return verbose && r.log ? term`${line}\n${escaped(r.log, true)}` : line;
    }),
  );
}

/** --json: {check, status, found, fix} each; libbpf's log too under --verbose. */
export function checksJson(results: CheckResult[], verbose: boolean): CheckResult[] {
  return results.map(({ log, ...r }) => (verbose && log ? { ...r, log } : r));
}

export function registerDoctor(program: Command): void {
  program
    .command('doctor')
    .description('check that this machine can record: kernel, BTF, tracefs, privileges, the addon, the eBPF programs, TLS libraries')
    .option('--json', 'print the checks as a JSON array of {check, status, found, fix}')
    .option('-v, --verbose', "libbpf's warnings, and its last lines when the programs do not load")
    .addHelpText(
      'after',
      '\nExits 1 when a check FAILs. Run it as root: it loads and attaches the eBPF programs and the TLS probes,\n' +
        'recording nothing, and detaches them (a few seconds: the kernel is slow to remove uprobes).',
    )
    .action(async (flags: { json?: boolean; verbose?: boolean }) => {
      if (process.platform !== 'linux') throw new CliError('tinytap records on Linux only');
      const verbose = !!flags.verbose;
      const facts = readFacts();
      const results = doctorChecks(facts, await tryRecording(facts, verbose));
      writeLine(stdout, flags.json ? json(checksJson(results, verbose)) : formatChecks(results, useColor(), verbose));
      if (results.some((r) => r.status === 'fail')) process.exitCode = 1;
    });
}
