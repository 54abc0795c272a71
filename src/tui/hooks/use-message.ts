/** A message in the status line ("wrote tinytap-42.curl.sh"), gone after a few seconds. */
import { useEffect, useRef, useState } from 'react';

const MESSAGE_MS = 5000;

export function useMessage(): [string | null, (text: string) => void] {
  const [message, setMessage] = useState<string | null>(null);
  const timer = useRef<NodeJS.Timeout | null>(null);
  useEffect(
    () => () => {
      if (timer.current) clearTimeout(timer.current);
    },
    [],
  );
  const say = (text: string) => {
    setMessage(text);
    if (timer.current) clearTimeout(timer.current);
    timer.current = setTimeout(() => setMessage(null), MESSAGE_MS);
  };
  return [message, say];
}
