/** An end of an exchange or call as `show` prints it: the process, its address, the others that held it. */
import type { Endpoint } from '../model/exchange.js';

export function who(e: Endpoint): string {
  if (e.pid === null && e.comm === null) return '(not captured: filtered out, or on another host)';
  const cmd = e.argv?.length ? `  ${e.argv.join(' ')}` : '';
  return `${e.comm ?? '?'} (${e.pid ?? '?'})${cmd}`;
}

/** "accepted by postgres (10719)": the other processes that held this end. */
export function otherHolders(e: Endpoint): string {
  return e.others.map((o) => `${o.how} by ${o.comm ?? '?'} (${o.pid})`).join(', ');
}

export function where(e: Endpoint): string {
  if (!e.addr) return '';
  return e.port ? `${e.addr.includes(':') ? `[${e.addr}]` : e.addr}:${e.port}` : e.addr;
}
