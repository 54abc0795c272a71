/**
 * The servers' own account of what clients sent: PostgreSQL's statement log (log_statement=all
 * for role app, see db-servers.ts), MariaDB's general query log, and Redis's MONITOR feed. A
 * client's account is checked against these, so it cannot drift from what went on the wire,
 * and a capture test can compare what tinytap recorded with them too.
 *
 * The parsers are pure (text in, sessions out); only monitorRedis runs a process.
 */
import { spawn } from 'node:child_process';

import { requireProgram } from '../e2e/programs.js';
import type { DbServer } from './db-servers.js';

/** One connection's commands, in order, keyed by how the server names the connection. */
export interface LoggedSession<T> {
  id: string;
  commands: T[];
}

function bySession<T>(entries: [string, T][]): LoggedSession<T>[] {
  const sessions = new Map<string, T[]>();
  for (const [id, command] of entries) {
    if (!sessions.has(id)) sessions.set(id, []);
    sessions.get(id)!.push(command);
  }
  return [...sessions].map(([id, commands]) => ({ id, commands }));
}

export interface PostgresStatement {
  /** 'statement': a simple Query; 'execute': an extended-protocol Execute (of `name`); 'failed': an
   * extended-protocol message that failed before Execute (Parse or Bind), known from its error. */
  kind: 'statement' | 'execute' | 'failed';
  sql: string;
  name?: string;
}

/**
 * The statements of each backend in a PostgreSQL log (default log_line_prefix '%m [%p] ').
 * A simple Query that fails is logged twice (statement, then its ERROR's STATEMENT line): once
 * here. A statement of several lines continues on lines that start with a tab.
 */
export function postgresStatements(log: string): LoggedSession<PostgresStatement>[] {
  const entries: [string, PostgresStatement][] = [];
  /** The entry the next continuation line belongs to ('context': a DETAIL or ERROR line's). */
  type Last = { pid: string; entry: PostgresStatement; field: 'statement' | 'context' };
  let last = null as Last | null;
  for (const line of log.split('\n')) {
    if (line.startsWith('\t') && last) {
      if (last.field === 'statement') last.entry.sql += `\n${line.slice(1)}`;
      continue;
    }
    const m = /^\S+ \S+ \S+ \[(\d+)\] ([A-Z]+):  (.*)$/.exec(line);
    if (!m) continue;
    const [, pid, level, text] = m;
    const statement = level === 'LOG' ? /^statement: ([\s\S]*)$/.exec(text) : null;
    const execute = level === 'LOG' ? /^execute ([^:]+): ([\s\S]*)$/.exec(text) : null;
    if (statement) {
      const entry: PostgresStatement = { kind: 'statement', sql: statement[1] };
      entries.push([pid, entry]);
      last = { pid, entry, field: 'statement' };
    } else if (execute) {
      const entry: PostgresStatement = { kind: 'execute', sql: execute[2], name: execute[1] };
      entries.push([pid, entry]);
      last = { pid, entry, field: 'statement' };
    } else if (level === 'STATEMENT') {
      const previous: PostgresStatement | null = last?.pid === pid ? last.entry : null;
      if (previous?.kind === 'statement' && previous.sql === text) {
        last = { pid, entry: previous, field: 'context' };
        continue;
      }
      const entry: PostgresStatement = { kind: 'failed', sql: text };
      entries.push([pid, entry]);
      last = { pid, entry, field: 'statement' };
    } else {
      if (last) last = { ...last, field: 'context' };
    }
  }
  return bySession(entries);
}

export interface MariadbCommand {
  /** As the general log names it: Connect, Query, Prepare, Execute, Init DB, Quit, ... */
  command: string;
  argument: string;
}

/**
 * The commands of each connection in a MariaDB general query log. A line is
 * `[YYMMDD HH:MM:SS]\t<spaces>ID Command\tArgument` (two tabs when the time is left out); an argument of several lines continues
 * on lines that match nothing else.
 */
export function mariadbCommands(log: string): LoggedSession<MariadbCommand>[] {
  const entries: [string, MariadbCommand][] = [];
  let last: MariadbCommand | null = null;
  for (const line of log.split('\n')) {
    const m = /^(?:\d{6} +\d{1,2}:\d\d:\d\d)?\t+ *(\d+) ([A-Z][a-z]+(?: [A-Za-z]+)?)\t(.*)$/.exec(line);
    if (m) {
      last = { command: m[2], argument: m[3] };
      entries.push([m[1], last]);
    } else if (last && line !== '' && !/^(Time|Tcp port|\/usr)/.test(line)) {
      last.argument += `\n${line}`;
    }
  }
  return bySession(entries);
}

/** One command as MONITOR printed it: `1796302164.667463 [0 127.0.0.1:45148] "SET" "k" "v"`. */
export interface RedisCommand {
  db: number;
  args: string[];
}

/** MONITOR's quoted arguments, unescaped (\\ \" \n \r \t \a \b and \xHH, as sdscatrepr writes). */
function monitorArgs(text: string): string[] {
  const args: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    args.push(
      m[1].replace(/\\(x[0-9a-fA-F]{2}|.)/g, (_, e: string) => {
        if (e.startsWith('x')) return String.fromCharCode(parseInt(e.slice(1), 16));
        return ({ n: '\n', r: '\r', t: '\t', a: '\x07', b: '\b' } as Record<string, string>)[e] ?? e;
      }),
    );
  }
  return args;
}

/**
 * The commands of each client in MONITOR's output, keyed by the client's address. Every unix
 * socket client has the same address (the socket's path): they come out as one session.
 */
export function redisCommands(monitor: string): LoggedSession<RedisCommand>[] {
  const entries: [string, RedisCommand][] = [];
  for (const line of monitor.split('\n')) {
    const m = /^\d+\.\d+ \[(\d+) (\S+)\] (.*)$/.exec(line);
    if (m) entries.push([m[2], { db: Number(m[1]), args: monitorArgs(m[3]) }]);
  }
  return bySession(entries);
}

/**
 * Watch a Redis server with `redis-cli MONITOR` until stop(): then the commands every other
 * client sent meanwhile (MONITOR's own connection is not in it).
 */
export async function monitorRedis(redis: DbServer): Promise<{ stop(): Promise<LoggedSession<RedisCommand>[]> }> {
  const env = { ...process.env, ...(redis.password ? { REDISCLI_AUTH: redis.password } : {}) };
  const proc = spawn(requireProgram('redis-cli'), ['-h', redis.host, '-p', String(redis.port), 'MONITOR'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  // MONITOR answers OK once it watches; commands sent before that would be missed
  await new Promise<void>((resolve, reject) => {
    const check = () => (out.startsWith('OK') ? resolve() : undefined);
    proc.stdout.on('data', check);
    proc.once('exit', (code) => reject(new Error(`redis-cli MONITOR exited with ${code} before it watched`)));
  });
  return {
    async stop() {
      // one round trip from another client: everything sent before it has been fed to MONITOR
      const marker = spawn(requireProgram('redis-cli'), ['-h', redis.host, '-p', String(redis.port), 'ECHO', 'monitor-end'], { env, stdio: 'ignore' });
      await new Promise((resolve) => marker.once('exit', resolve));
      await new Promise<void>((resolve) => {
        const check = () => (out.includes('"monitor-end"') ? resolve() : undefined);
        check();
        proc.stdout.on('data', check);
      });
      proc.kill();
      const sessions = redisCommands(out);
      return sessions.filter((s) => !s.commands.some((c) => c.args[0] === 'ECHO' && c.args[1] === 'monitor-end'));
    },
  };
}
