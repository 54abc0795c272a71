import { describe, expect, it } from 'vitest';

import { expandTabs, findAll, fitLine, lineText, lineWidth, markMatches, seg, wrapLine } from '../../src/tui/styled-text.js';
import { waterfallBar } from '../../src/tui/waterfall.js';
import { statusLine } from '../../src/tui/status-line.js';

describe('styled lines', () => {
  it('cut to a width with an ellipsis, padded on request, styles kept', () => {
    const line = [seg('GET ', { bold: true }), seg('/a/long/path', { color: 'cyan' })];
    expect(fitLine(line, 10)).toEqual([seg('GET ', { bold: true }), seg('/a/lo', { color: 'cyan' }), seg('…', { dim: true })]);
    expect(lineText(fitLine(line, 20, true))).toBe('GET /a/long/path    ');
    expect(lineWidth(fitLine([seg('日本語のテキスト')], 7))).toBe(7);
  });

  it('wrap into rows of a width, continuation rows indented', () => {
    const rows = wrapLine([seg('Name:', { color: 'cyan' }), seg(' 0123456789abcdef')], 10, 2);
    expect(rows.map(lineText)).toEqual(['Name: 0123', '  456789ab', '  cdef']);
    expect(rows[0][0]).toEqual(seg('Name:', { color: 'cyan' }));
    expect(wrapLine([seg('short')], 10)).toEqual([[seg('short')]]);
    // a character wider than what is left of a row moves to the next one
    expect(wrapLine([seg('abc日本')], 4).map(lineText)).toEqual(['abc', '日本']);
  });

  it('mark every occurrence of a text, any case, across segments', () => {
    const line = [seg('say Nee'), seg('dle and needle', { bold: true })];
    const marked = markMatches(line, 'needle');
    expect(marked).toEqual([seg('say '), seg('Nee', { mark: true }), seg('dle', { bold: true, mark: true }), seg(' and ', { bold: true }), seg('needle', { bold: true, mark: true })]);
    expect(findAll('aaaa', 'aa')).toEqual([[0, 2], [2, 4]]);
    expect(markMatches(line, 'absent')).toBe(line);
  });

  it('expand tabs to the next multiple of four', () => {
    expect(expandTabs('a\tbc\td')).toBe('a   bc  d');
  });
});

describe('the waterfall bar', () => {
  const span = { startNs: 1_000_000_000n, endNs: 2_000_000_000n };
  it('places waiting and receiving on the session timeline, in exactly its width', () => {
    const bar = waterfallBar(span, { start: 1_200_000_000n, firstByte: 1_500_000_000n, end: 1_700_000_000n }, 10);
    expect(lineText(bar)).toBe('  ░░░██   ');
    expect(lineText(waterfallBar(span, { start: 1_990_000_000n, firstByte: null, end: null }, 10))).toBe('         ░');
    expect(lineText(waterfallBar(span, { start: 1_000_000_000n, firstByte: 1_000_000_001n, end: 1_000_000_002n }, 10))).toBe('█         ');
    expect(lineText(waterfallBar(null, { start: 0n, firstByte: null, end: null }, 4))).toBe('    ');
  });
});

describe('the status line', () => {
  const base = { file: 'api.tinytap', view: 'exchanges' as const, shown: 20078, total: 1_000_000, filter: 'status:500', search: '', sort: 'time ↑', drops: 0, recording: false, message: null };
  it('says what is shown of what, the filter, the sort, drops and recording', () => {
    expect(lineText(statusLine(base, 200))).toBe('api.tinytap │ 20,078 / 1,000,000 exchanges │ filter status:500 │ sort time ↑ │ ? help');
    expect(lineText(statusLine({ ...base, filter: '', shown: 1_000_000, drops: 12, recording: true }, 200))).toBe(
      'api.tinytap │ 1,000,000 exchanges │ sort time ↑ │ drops: 12 records lost │ ● recording │ ? help',
    );
    expect(lineText(statusLine({ ...base, shown: null, search: 'x\x1b[2J' }, 200))).toBe(
      'api.tinytap │ … / 1,000,000 exchanges │ filter status:500 │ search "x\\x1b[2J" │ sort time ↑ │ ? help',
    );
  });
  it('leaves out the least useful parts to fit the width', () => {
    expect(lineText(statusLine({ ...base, recording: true }, 80))).toBe('api.tinytap │ 20,078 / 1,000,000 exchanges │ filter status:500 │ ● recording');
    expect(lineText(statusLine({ ...base, recording: true }, 70))).toBe('20,078 / 1,000,000 exchanges │ filter status:500 │ ● recording');
    expect(lineWidth(statusLine({ ...base, filter: 'x'.repeat(300) }, 80))).toBe(80);
  });
});
