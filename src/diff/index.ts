/** Comparing two recordings: see diff-sessions.ts for the whole, the other files for each part. */
export { type DiffOptions, type DiffReport, type DiffSource, type Difference, type EndpointReport, diffSessions } from './diff-sessions.js';
export { DEFAULT_IGNORED_HEADERS, DEFAULT_IGNORED_JSON_FIELDS, IgnoreRules, type IgnoreOptions } from './ignore-rules.js';
export { type LatencyThreshold, parseLatencyRatio } from './latency.js';
export { diffReportJson } from './report-json.js';
export { endpointOf, templatePath } from './route-template.js';
export { DIFF_MESSAGE_LIMIT } from './ws-diff.js';
export { type TimeWindow, timeWindow } from './noise-values.js';
export { LEARNED_NOISE_RULE, type NoiseEntry, NoiseFileError, noiseEntries, noiseFileText, parseNoiseFile, withoutNoise } from './learned-noise.js';
