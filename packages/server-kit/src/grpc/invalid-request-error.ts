/**
 * Thrown by a handler when the request as a whole cannot be interpreted (a field that is
 * not a number, a missing id). {@link unaryHandler} answers it with status INVALID_ARGUMENT
 * and INVALID_REQUEST in the `fjord-error-code` trailer instead of a per-item error.
 */
export class InvalidRequestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidRequestError';
  }
}
