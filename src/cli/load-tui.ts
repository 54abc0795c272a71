/**
 * The terminal UI's code, loaded only by the commands that draw it. `npm run build` also bundles
 * it into one file (dist/tui/run-tui.bundle.js, see build:tui): Node.js resolves and compiles
 * ink, React and their few hundred modules in about 0.45 s, the bundle in about 0.15 s, and that
 * difference is most of the wait for the first screen. Without the bundle (tests, tsx), the
 * modules themselves.
 */
import { existsSync } from 'node:fs';

type TuiModule = typeof import('../tui/run-tui.js');

export async function loadTui(): Promise<TuiModule> {
  // React's production build loads and renders faster; its development checks are for us
  process.env.NODE_ENV ??= 'production';
  const bundle = new URL('../tui/run-tui.bundle.js', import.meta.url);
  if (existsSync(bundle)) return (await import(bundle.href)) as TuiModule;
  return import('../tui/run-tui.js');
}
