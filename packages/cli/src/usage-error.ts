/** A mistake in the command line the parser could not catch (exit code 2, like commander's own). */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
