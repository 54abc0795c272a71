/**
 * Real third-party HTTP clients, each run to its end: wget, ApacheBench and Python's urllib
 * (curl is in harness.ts). Their own reports are a second witness besides the pcap.
 */
import { join } from 'node:path';

import { TESTDATA } from '../harness.js';
import { type Finished, failed, runProgram } from '../programs.js';

/** wget, quiet, no proxy, no HSTS file written into $HOME; the caller adds -O and the URL. */
export function wget(...args: string[]): Promise<Finished<string>> {
  return runProgram('wget', ['-q', '--no-proxy', '--no-hsts', ...args]);
}

export interface AbReport {
  complete: number;
  failed: number;
  /** Responses with a status other than 2xx ("Non-2xx responses", absent when 0). */
  non2xx: number;
  /** Requests sent on a kept-alive connection ("Keep-Alive requests", with -k only). */
  keepAlive: number;
  output: string;
}

/**
 * ApacheBench: `requests` GETs of `url`, `concurrency` at a time, with HTTP/1.0 keep-alive when
 * `keepAlive` (-k). Resolves with the counts ab itself reports.
 */
export async function ab(url: string, { requests, concurrency = 1, keepAlive = false }: { requests: number; concurrency?: number; keepAlive?: boolean }): Promise<AbReport> {
  const args = ['-q', '-n', String(requests), '-c', String(concurrency), ...(keepAlive ? ['-k'] : []), url];
  const r = await runProgram('ab', args);
  if (r.code !== 0) throw failed('ab', args, r);
  const count = (label: string) => Number(new RegExp(`^${label}:\\s+(\\d+)`, 'm').exec(r.stdout)?.[1] ?? 0);
  return {
    complete: count('Complete requests'),
    failed: count('Failed requests'),
    non2xx: count('Non-2xx responses'),
    keepAlive: count('Keep-Alive requests'),
    output: r.stdout,
  };
}

/**
 * POST `size` bytes (0, 1, 2 ... 255, 0, 1 ...) with Python's urllib; resolves with the status
 * it got, including error statuses (urllib raises them, the script prints their code).
 */
export async function urllibPost(url: string, size: number): Promise<number> {
  const args = [join(TESTDATA, 'clients/urllib-post.py'), url, String(size)];
  const r = await runProgram('python3', args);
  const status = Number(r.stdout.trim());
  if (r.code !== 0 || !Number.isInteger(status)) throw failed('python3', args, r);
  return status;
}

/** The body urllibPost sends: the same bytes as urllib-post.py's. */
export function urllibPostBody(size: number): Buffer {
  const body = Buffer.alloc(size);
  for (let i = 0; i < size; i++) body[i] = i & 0xff;
  return body;
}

/**
 * Send `requests` ("METHOD:TARGET") in one write on one connection before reading anything
 * (testdata/clients/pipeline.py); resolves with the number of bytes the answers took.
 */
export async function pipeline(port: number, requests: string[]): Promise<number> {
  const args = [join(TESTDATA, 'clients/pipeline.py'), String(port), ...requests];
  const r = await runProgram('python3', args);
  if (r.code !== 0) throw failed('python3', args, r);
  return Number(r.stdout.trim());
}
