/**
 * A session that is still being recorded: each update of the follower (src/session/live.ts)
 * bumps the data version the views re-read on (keeping their selection), drops the counts, and
 * says whether the recorder is still running.
 */
import { useEffect, useState } from 'react';

import type { LiveUpdate } from '../../session/live.js';
import type { CountCache } from '../counter.js';

/** What a live session reports (followSession's onUpdate). */
export interface LiveUpdates {
  onUpdate(cb: (u: LiveUpdate) => void): () => void;
}

export function useLive(live: LiveUpdates | null, counts: CountCache, recordingAtStart: () => boolean): { version: number; recording: boolean } {
  const [version, setVersion] = useState(0);
  const [recording, setRecording] = useState(() => !!live && recordingAtStart());
  useEffect(() => {
    if (!live) return;
    const stop = live.onUpdate((u) => {
      counts.invalidate();
      setVersion((v) => v + 1);
      setRecording(u.recording);
    });
    return () => {
      stop();
    };
  }, [live, counts]);
  return { version, recording };
}
