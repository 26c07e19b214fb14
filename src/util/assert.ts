// Invariant checks for simulator and checker bugs (the kernel's VM_BUG_ON), never for user input.

/** A broken internal invariant: a bug in ptlab, carrying the state needed to debug it. */
export class InvariantError extends Error {
  override readonly name = 'InvariantError';
  constructor(
    message: string,
    /** A small, printable dump of the state involved. */
    readonly context?: unknown,
  ) {
    super(message);
  }
}

/** Throws an {@link InvariantError} when `cond` is false. */
export function assert(cond: unknown, message: string, context?: unknown): asserts cond {
  if (!cond) throw new InvariantError(message, context);
}
