/**
 * A user-facing error: its message is one line that says what was wrong and what to do.
 * The CLI prints it as `error: <message>` and exits non-zero, without a stack trace.
 */
export class GenrepError extends Error {
	override readonly name = "GenrepError";
}

/** An error about one file: `<file>: <what is wrong>`. */
export function fileError(file: string, what: string): GenrepError {
	return new GenrepError(`${file}: ${what}`);
}
