/**
 * Error classes of the compiler. Every error the user can cause (bad input file, bad options)
 * is a WancoError: the CLI catches it and prints its message as one line, without a stack trace.
 */

export class WancoError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** A malformed Wasm binary. Message: `<file>:0x<hex offset>: <reason>`. */
export class WasmDecodeError extends WancoError {
  constructor(
    readonly file: string,
    readonly offset: number,
    readonly reason: string,
  ) {
    super(`${file}:0x${offset.toString(16)}: ${reason}`);
  }
}

/** A syntax error in a .wat/.wast file. Message: `<file>:<line>:<col>: <reason>`. */
export class WatParseError extends WancoError {
  constructor(
    readonly file: string,
    readonly line: number | undefined,
    readonly column: number | undefined,
    readonly reason: string,
  ) {
    super(line !== undefined ? `${file}:${line}:${column ?? 1}: ${reason}` : `${file}: ${reason}`);
  }
}

/**
 * A module that is well-formed but does not validate (type errors etc.): found by our validator
 * (validate/, with the byte offset: `<file>:0x<offset>: invalid module: <reason>`) or, for text
 * input, by binaryen's (`<file>: invalid module: <first validator message>`).
 */
export class WasmValidationError extends WancoError {
  constructor(
    readonly file: string,
    readonly reason: string,
    readonly offset?: number,
  ) {
    super(`${file}${offset !== undefined ? ':0x' + offset.toString(16) : ''}: invalid module: ${reason}`);
  }
}

/** An input file the compiler cannot read (missing, unknown extension). */
export class InputFileError extends WancoError {
  constructor(
    readonly file: string,
    readonly reason: string,
  ) {
    super(`${file}: ${reason}`);
  }
}
