/**
 * The exchanges.flags bits the filter language reads (`is:`), as the reconstructor sets them
 * (src/reconstruct/exchange-row.ts, SPEC.md "Exchange flags").
 */
import { ExchangeFlag } from '../reconstruct/exchange-row.js';

export { ExchangeFlag };

/** `is:` values answered by exchanges.flags alone. */
export const IS_FLAGS = {
  incomplete: ExchangeFlag.INCOMPLETE | ExchangeFlag.NO_RESPONSE,
  truncated: ExchangeFlag.REQ_BODY_PARTIAL | ExchangeFlag.RESP_BODY_PARTIAL,
  sendfile: ExchangeFlag.ZEROCOPY,
  upgrade: ExchangeFlag.UPGRADE,
  'parse-error': ExchangeFlag.PARSE_ERROR,
} as const;
