/**
 * Keys for one scope of the binding table, only while `active`: a view subscribes to its keys
 * while it has the focus and not otherwise (key-bindings.ts).
 */
import { type Key, useInput } from 'ink';

import { type CommandOf, type Scope, commandFor } from '../key-bindings.js';

export type Handlers<S extends Scope> = Partial<Record<CommandOf<S>, () => void>>;

const NO_KEY: Key = {
  upArrow: false,
  downArrow: false,
  leftArrow: false,
  rightArrow: false,
  pageDown: false,
  pageUp: false,
  home: false,
  end: false,
  return: false,
  escape: false,
  ctrl: false,
  shift: false,
  tab: false,
  backspace: false,
  delete: false,
  meta: false,
  super: false,
  hyper: false,
  capsLock: false,
  numLock: false,
};

/** One character of a run of typed keys, as ink would have described it alone. */
function pressOf(c: string): { input: string; key: Key } {
  if (c === '\r' || c === '\n') return { input: '', key: { ...NO_KEY, return: true } };
  if (c === '\t') return { input: '', key: { ...NO_KEY, tab: true } };
  if (c === '\x7f' || c === '\b') return { input: '', key: { ...NO_KEY, backspace: true } };
  if (c < ' ') return { input: String.fromCharCode(c.charCodeAt(0) + 96), key: { ...NO_KEY, ctrl: true } };
  return { input: c, key: { ...NO_KEY, shift: /[A-Z]/.test(c) } };
}

/**
 * Keys typed faster than they are read (a held key, a busy moment, tmux send-keys) arrive as
 * one string, which ink passes on whole: "jj\r" is j, j, Enter. Escape sequences (arrows) come
 * one per event already. Handlers must not rely on a redraw between two keys of one string.
 */
export function splitTyped(input: string, key: Key): { input: string; key: Key }[] {
  if (input.length <= 1 || key.meta || input.includes('\x1b')) return [{ input, key }];
  return [...input].map(pressOf);
}

export function useCommands<S extends Scope>(scope: S, handlers: Handlers<S>, active: boolean, other?: (input: string, key: Key) => void): void {
  useInput(
    (input, key) => {
      for (const press of splitTyped(input, key)) {
        const command = commandFor(scope, press.input, press.key);
        const run = command ? handlers[command] : undefined;
        if (run) run();
        else if (!command && other) other(press.input, press.key);
      }
    },
    { isActive: active },
  );
}
