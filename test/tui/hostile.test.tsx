// `tinytap open` on a hostile session (test/helpers/hostile-session.ts): the list, every tab of
// the detail, and the connections view show the escape sequences as text, never as such.
import chalk from 'chalk';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';

import { HOSTILE, terminalControls, writeHostileSession } from '../helpers/hostile-session.js';
import { tempDir } from '../helpers/session-files.js';
import { render } from 'ink-testing-library';

import { LineView } from '../../src/tui/components/LineView.js';
import { seg } from '../../src/tui/styled-text.js';
import { KEY, renderApp } from './render-app.js';

let file = '';
const level = chalk.level;

beforeAll(async () => {
  file = join(tempDir('tinytap-tui-hostile-'), `h${HOSTILE.title}.tinytap`);
  await writeHostileSession(file);
});
afterEach(() => {
  chalk.level = level;
});

/** A frame's controls, less ink's own colours (SGR), which are the UI's. */
function controls(frame: string): string[] {
  // eslint-disable-next-line no-control-regex
  return terminalControls(Buffer.from(frame.replace(/\x1b\[[0-9;]*m/g, ''), 'utf8'));
}

describe('the terminal UI on a hostile session', () => {
  it('escapes what it shows in every view and tab', async () => {
    chalk.level = 0;
    const app = renderApp(file, { columns: 160, rows: 40 });
    try {
      await app.waitFor((f) => f.includes('4 exchanges'));
      const frames: string[] = [app.frame()];
      await app.press(KEY.down, KEY.enter);
      frames.push(app.frame());
      for (let tab = 0; tab < 5; tab++) {
        await app.press(KEY.tab);
        frames.push(app.frame());
      }
      await app.press(KEY.esc, 'v');
      frames.push(app.frame());
      for (const f of frames) expect(controls(f)).toEqual([]);
      // the values are there, escaped
      expect(frames.join('\n')).toContain('\\x1b]52;c;aGFja2Vk\\x07');
      expect(frames.at(-1)).toContain('\\x1b]0;x\\x07\\x9b2K');
    } finally {
      app.close();
    }
  });
});

describe('LineView, where every text of the UI is drawn', () => {
  it('escapes a segment that a view left raw', () => {
    chalk.level = 0;
    const r = render(<LineView line={[seg('name '), seg(`${HOSTILE.clipboard}${HOSTILE.c1Csi}`, { bold: true })]} />);
    try {
      expect(r.lastFrame()).toBe('name \\x1b]52;c;aGFja2Vk\\x07\\x9b2J');
    } finally {
      r.unmount();
    }
  });
});
