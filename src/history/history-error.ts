/** A history that cannot be read as asked: a one-line message for the user (cli/errors.ts prints it by its code). */
export class HistoryError extends Error {
  constructor(
    readonly code: 'EUSAGE' | 'ENOENT' | 'ENOTSESSION',
    message: string,
  ) {
    super(message);
  }
}

export const usageError = (message: string) => new HistoryError('EUSAGE', message);
