import { spawnSync } from "node:child_process";
import { KILL_AT_ENV } from "../../src/engine/killPoint.js";

export interface CliResult {
	status: number | null;
	/** The signal that ended the process (SIGKILL for a kill point), else null. */
	signal: NodeJS.Signals | null;
	stdout: string;
	stderr: string;
}

/** Runs the CLI from source with tsx, as a user would run `genrep ...`. */
export function genrep(...args: string[]): CliResult {
	return runCli(args, {});
}

/**
 * Runs the CLI with a test kill point armed: the process SIGKILLs itself the `n`-th time it
 * reaches `point` (see src/engine/killPoint.ts), so a crash lands at the same place every time.
 */
export function genrepKilledAt(point: string, n: number, ...args: string[]): CliResult {
	return runCli(args, { [KILL_AT_ENV]: `${point}:${n}` });
}

function runCli(args: string[], env: Record<string, string>): CliResult {
	const result = spawnSync(process.execPath, ["--import", "tsx", "src/cli/main.ts", ...args], {
		encoding: "utf8",
		env: { ...process.env, GENREP_DATA_DIR: "", [KILL_AT_ENV]: "", ...env },
	});
	return { status: result.status, signal: result.signal, stdout: result.stdout, stderr: result.stderr };
}
