import { spawnSync } from "node:child_process";

/** Runs the CLI from source with tsx, as a user would run `genrep ...`. */
export function genrep(...args: string[]): { status: number | null; stdout: string; stderr: string } {
	const result = spawnSync(process.execPath, ["--import", "tsx", "src/cli/main.ts", ...args], {
		encoding: "utf8",
		env: { ...process.env, GENREP_DATA_DIR: "" },
	});
	return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}
