import { describe, expect, it } from 'vitest';

import type { DiffReport, Difference } from '../../src/diff/diff-sessions.js';
import { LEARNED_NOISE_RULE, MAX_NOISE_ENTRIES, NoiseFileError, noiseEntries, noiseFileText, parseNoiseFile, withoutNoise } from '../../src/diff/learned-noise.js';

const ex = { a: 1, b: 1 };
function report(differences: Difference[]): DiffReport {
  return { a: { exchanges: 3 }, b: { exchanges: 3 }, endpoints: [], differences, latencyThreshold: null, unreadable: 0, silenced: { 'header date': 3 }, differs: differences.length > 0 };
}
const visits: Difference = { endpoint: 'GET /count', kind: 'body-json', message: 'response', change: 'changed', path: '$.visits', a: 1, b: 2, pairs: 3, of: 3, example: ex };
const price: Difference = { endpoint: 'GET /price', kind: 'body-json', message: 'response', change: 'changed', path: '$.visits', a: 1, b: 2, pairs: 1, of: 1, example: ex };
const status: Difference = { endpoint: 'GET /count', kind: 'status', a: 200, b: 500, pairs: 1, of: 3, example: ex };
const gone: Difference = { endpoint: 'GET /old', kind: 'only-in-a', count: 2 };

describe('learned noise', () => {
  it('what two runs differ in is left out of the same endpoint only, and counted', () => {
    const noise = noiseEntries(report([visits, gone]));
    // an endpoint that is there in one run only is never noise
    expect(noise).toEqual([{ endpoint: 'GET /count', kind: 'body-json', at: 'response $.visits' }]);
    const r = withoutNoise(report([visits, price, status]), noise);
    expect(r.differences).toEqual([price, status]);
    expect(r.silenced).toEqual({ 'header date': 3, [LEARNED_NOISE_RULE]: 3 });
    expect(withoutNoise(report([visits]), noise).differs).toBe(false);
  });

  it('a noise file round-trips, and a hostile or foreign one is refused with what is wrong', () => {
    const entries = noiseEntries(report([visits, status]));
    expect(parseNoiseFile(noiseFileText(entries, 'a.tinytap'))).toEqual(entries);
    const bad: [string, RegExp][] = [
      ['not json', /not JSON/],
      ['{"format":"har"}', /not a noise file/],
      ['{"format":"tinytap-noise","version":2,"noise":[]}', /version 2/],
      ['{"format":"tinytap-noise","version":1,"noise":{}}', /not a list/],
      ['{"format":"tinytap-noise","version":1,"noise":[{"endpoint":1,"kind":"x","at":""}]}', /entry 1/],
      [`{"format":"tinytap-noise","version":1,"noise":[${Array(MAX_NOISE_ENTRIES + 1).fill('0').join(',')}]}`, /more than/],
    ];
    for (const [text, why] of bad) {
      expect(() => parseNoiseFile(text), text.slice(0, 40)).toThrow(NoiseFileError);
      expect(() => parseNoiseFile(text), text.slice(0, 40)).toThrow(why);
    }
  });
});
