/**
 * The text of the filter bar or the search bar: what is typed (the draft), and what the list
 * shows (the applied text), applied once typing pauses. A text with a problem is not applied:
 * the list keeps the last good one and the bar shows where the problem is.
 */
import { useEffect, useRef, useState } from 'react';

import type { FilterProblem } from '../list-query.js';

export interface QueryText {
  draft: string;
  applied: string;
  problem: FilterProblem | null;
  /** Editing starts: what to go back to on cancel. */
  begin(): void;
  /** Change the draft (given the draft as it is now: keys of one read arrive before a redraw). */
  edit(f: (draft: string) => string): void;
  /** Apply the draft now; false if it has a problem. */
  apply(): boolean;
  cancel(): void;
}

export function useQueryText(check: (text: string) => FilterProblem | null, debounceMs: number): QueryText {
  const [draft, setDraft] = useState('');
  const draftNow = useRef('');
  const [applied, setApplied] = useState('');
  const [problem, setProblem] = useState<FilterProblem | null>(null);
  const before = useRef('');
  const timer = useRef<NodeJS.Timeout | null>(null);

  const stopTimer = () => {
    if (timer.current) clearTimeout(timer.current);
    timer.current = null;
  };
  useEffect(() => stopTimer, []);

  const settle = (text: string): boolean => {
    const p = check(text);
    setProblem(p);
    if (!p) setApplied(text);
    return !p;
  };

  return {
    draft,
    applied,
    problem,
    begin() {
      before.current = applied;
      draftNow.current = applied;
      setDraft(applied);
      setProblem(null);
    },
    edit(f) {
      const text = f(draftNow.current);
      draftNow.current = text;
      setDraft(text);
      stopTimer();
      timer.current = setTimeout(() => settle(text), debounceMs);
    },
    apply() {
      stopTimer();
      return settle(draftNow.current);
    },
    cancel() {
      stopTimer();
      draftNow.current = before.current;
      setDraft(before.current);
      settle(before.current);
    },
  };
}
