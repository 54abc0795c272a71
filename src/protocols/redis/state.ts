/** What a Redis connection's earlier calls changed, that later calls depend on. */
import type { RedisTransactionEntry } from './types.js';

export interface ConnectionState {
  /** The protocol replies are read as: 3 after HELLO 3 or once a RESP3-only type was seen. */
  resp: 2 | 3;
  /** SELECT's database ('0', Redis's default, until one is seen). */
  database: string;
  /** The user AUTH or HELLO AUTH logged in as. */
  user?: string;
  /** CLIENT REPLY: 'skip' silences the next command only. */
  replyMode: 'on' | 'off' | 'skip';
  /** At least one subscription is open (RESP2: only pub/sub replies and messages come). */
  subscribed: boolean;
  /** MONITOR was answered: status lines stream in. */
  monitoring: boolean;
  /** Inside MULTI: the commands queued so far. */
  transaction?: RedisTransactionEntry[];
}

export function initialState(): ConnectionState {
  return { resp: 2, database: '0', replyMode: 'on', subscribed: false, monitoring: false };
}

/** RESET: what a new connection has (Redis: RESET also logs back in as the default user). */
export function resetState(state: ConnectionState): void {
  Object.assign(state, initialState(), { user: state.user === undefined ? undefined : 'default' });
}
