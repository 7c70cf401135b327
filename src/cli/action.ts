import { GenrepError } from "../errors.js";

/** True when the user asked for stack traces (`--debug` anywhere on the command line). */
export const debugMode = (): boolean => process.argv.includes("--debug") || process.env.GENREP_DEBUG === "1";

/**
 * Wraps a command's action so that any failure becomes one line `error: ...` on stderr and
 * exit code 1 (2 for usage errors). A stack trace is printed only with `--debug`.
 */
export function action<A extends unknown[]>(fn: (...args: A) => Promise<void> | void): (...args: A) => Promise<void> {
	return async (...args: A) => {
		try {
			await fn(...args);
		} catch (err) {
			reportError(err);
			process.exitCode = 1;
		}
	};
}

export function reportError(err: unknown): void {
	if (debugMode() && err instanceof Error && err.stack) {
		process.stderr.write(`${err.stack}\n`);
		return;
	}
	const message = err instanceof GenrepError ? err.message : describeUnexpected(err);
	process.stderr.write(`error: ${message.split("\n")[0]}\n`);
}

function describeUnexpected(err: unknown): string {
	if (err instanceof RangeError || err instanceof TypeError) return err.message;
	if (err instanceof Error) return `${err.message} (unexpected; run again with --debug for the stack trace)`;
	return String(err);
}
