/**
 * The exchanges.flags bits the filter language reads (`is:`), as the reconstructor sets them
 * (model/exchange-flags.ts, SPEC.md "Exchange flags").
 */
import { ExchangeFlag } from '../model/exchange-flags.js';

export { ExchangeFlag };

/** `is:` values answered by exchanges.flags alone. */
export const IS_FLAGS = {
  incomplete: ExchangeFlag.INCOMPLETE | ExchangeFlag.NO_RESPONSE,
  truncated: ExchangeFlag.REQ_BODY_PARTIAL | ExchangeFlag.RESP_BODY_PARTIAL,
  sendfile: ExchangeFlag.ZEROCOPY,
  upgrade: ExchangeFlag.UPGRADE,
  'parse-error': ExchangeFlag.PARSE_ERROR,
  'n+1': ExchangeFlag.N_PLUS_ONE,
  'one-way': ExchangeFlag.ONE_WAY,
  reset: ExchangeFlag.RESET,
  'unknown-fields': ExchangeFlag.FIELDS_UNKNOWN,
} as const;
