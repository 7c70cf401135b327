/**
 * Test-only kill points: deterministic crash tests without timing races.
 *
 * `GENREP_TEST_KILL_AT=<point>:<n>` makes the process SIGKILL itself the n-th time it reaches
 * `killPoint(<point>)` (n counts from 1 within the process). The points sit right after the
 * durable step that a crash test wants to land on, e.g. `train-checkpoint` after checkpoint
 * and encoder card are renamed into place. Unset (always, outside tests), a kill point is one
 * string comparison.
 *
 * Points: train-checkpoint, gan-checkpoint, eval-probe (after the linear probe's fit, before
 * metrics.json), experiment-job (after a job's ledger line).
 */
import { GenrepError } from "../errors.js";

export const KILL_AT_ENV = "GENREP_TEST_KILL_AT";

const reached = new Map<string, number>();

function parseKillAt(value: string): { point: string; count: number } {
	const match = /^([a-z][a-z-]*):([1-9]\d*)$/.exec(value);
	if (!match) throw new GenrepError(`${KILL_AT_ENV}='${value}' must be <point>:<n>, e.g. train-checkpoint:2`);
	return { point: match[1], count: Number(match[2]) };
}

/** SIGKILLs this process when `GENREP_TEST_KILL_AT` names this point and its count is reached. */
export function killPoint(point: string): void {
	const value = process.env[KILL_AT_ENV];
	if (!value) return;
	const target = parseKillAt(value);
	if (target.point !== point) return;
	const n = (reached.get(point) ?? 0) + 1;
	reached.set(point, n);
	if (n === target.count) process.kill(process.pid, "SIGKILL");
}
