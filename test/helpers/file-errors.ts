/** What a file-creating call refuses with: the FileError it throws (a test fails if it does not). */
import { expect } from 'vitest';

import { FileError } from '../../src/files/private-file.js';

export function refusal(fn: () => unknown): FileError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(FileError);
    return err as FileError;
  }
  throw new Error('it did not refuse');
}
