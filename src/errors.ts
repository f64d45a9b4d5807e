// Every error dendrite throws on purpose is an instance of DendriteError; the subclasses say which
// kind of mistake it was so callers can branch on `instanceof` rather than on message text.
// Messages name what was expected and what was got.

/** Base class of every error dendrite throws on purpose. */
export class DendriteError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** An array, tensor or option had the wrong shape or length. */
export class ShapeError extends DendriteError {}

/** A value was out of range, of the wrong type, non-finite, or not one of the valid names. */
export class ValueError extends DendriteError {}

/** The model is not in a state that allows the call (not compiled, not built, disposed). */
export class StateError extends DendriteError {}

/** A model file is truncated, corrupt, foreign or of an unsupported version. */
export class ModelFileError extends DendriteError {}

/** A dataset could not be found or is malformed. */
export class DataError extends DendriteError {}

/** The WebAssembly memory needed is more than the engine can have. */
export class MemoryLimitError extends DendriteError {}

/** Training produced NaN or Infinity; the model keeps the weights of the last good step. */
export class NumericError extends DendriteError {}

/** `fit` was cancelled through its AbortSignal; `history` holds the epochs completed. */
export class AbortError extends DendriteError {
  constructor(
    message: string,
    readonly history?: unknown,
  ) {
    super(message);
  }
}
