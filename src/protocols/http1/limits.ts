import type { Http1Limits } from './types.js';

export const DEFAULT_HTTP1_LIMITS: Readonly<Http1Limits> = Object.freeze({
  // far above what servers accept (nginx 8 KiB per line, Node 16 KiB per head) yet small
  // enough that a non-HTTP stream without a blank line is given up on quickly
  maxHeadBytes: 256 * 1024,
  maxChunkLineBytes: 16 * 1024,
  maxPausedBytes: 1024 * 1024,
});
