/**
 * Which piece of a sharded job this process is: `--shard i/n` makes the shards whose
 * index % n == i. `--shard auto` reads i and n from the job engine's environment:
 *
 * - Kubernetes Indexed Job: `JOB_COMPLETION_INDEX` (set by Kubernetes in every pod) and
 *   `JOB_COMPLETIONS`, which Kubernetes does not set: the Job's manifest sets it to its
 *   `spec.completions` (deploy/kubernetes/views-job.yaml).
 * - Slurm job array: `SLURM_ARRAY_TASK_ID`, `SLURM_ARRAY_TASK_COUNT`, and `SLURM_ARRAY_TASK_MIN`
 *   / `SLURM_ARRAY_TASK_MAX` / `SLURM_ARRAY_TASK_STEP`, so `--array=1-8` and `--array=0-14:2`
 *   give pieces 0..7 of 8. The array must be one evenly stepped range (no lists like 1,4,9).
 */
import { GenrepError } from "../errors.js";

export interface ShardPiece {
	index: number;
	count: number;
}

/** A piece and where it came from (for progress lines). */
export interface ResolvedShardPiece extends ShardPiece {
	/** "flag" for --shard i/n, else the engine whose environment named it. */
	source: "flag" | "kubernetes" | "slurm";
}

type Env = Record<string, string | undefined>;

/** `i/n` with 0 <= i < n, or `auto` (read from `env`, default process.env). */
export function parseShardPiece(spec: string, env: Env = process.env): ResolvedShardPiece {
	if (spec.trim() === "auto") return shardPieceFromEnvironment(env);
	const m = /^(\d+)\/(\d+)$/.exec(spec.trim());
	const piece = m ? { index: Number(m[1]), count: Number(m[2]) } : null;
	if (!piece || piece.count < 1 || piece.index >= piece.count) {
		throw new GenrepError(`--shard must be i/n with 0 <= i < n (e.g. 0/4) or auto, got "${spec}"`);
	}
	return { ...piece, source: "flag" };
}

/** The piece a Kubernetes Indexed Job or a Slurm array names in the environment. */
export function shardPieceFromEnvironment(env: Env = process.env): ResolvedShardPiece {
	const kubernetes = env.JOB_COMPLETION_INDEX !== undefined && env.JOB_COMPLETION_INDEX !== "";
	const slurm = env.SLURM_ARRAY_TASK_ID !== undefined && env.SLURM_ARRAY_TASK_ID !== "";
	if (kubernetes && slurm) {
		throw new GenrepError(
			"--shard auto: both JOB_COMPLETION_INDEX (Kubernetes) and SLURM_ARRAY_TASK_ID (Slurm) are set; pass --shard i/n",
		);
	}
	if (kubernetes) {
		const index = integer(env, "JOB_COMPLETION_INDEX", "Kubernetes sets it in the pods of an Indexed Job");
		if (env.JOB_COMPLETIONS === undefined || env.JOB_COMPLETIONS === "") {
			throw new GenrepError(
				"--shard auto: JOB_COMPLETION_INDEX is set but JOB_COMPLETIONS is not; Kubernetes does not set it, " +
					"so add it to the container's env with the Job's spec.completions (see deploy/kubernetes/)",
			);
		}
		const count = integer(env, "JOB_COMPLETIONS", "set it to the Job's spec.completions");
		return checked({ index, count, source: "kubernetes" }, `JOB_COMPLETION_INDEX ${index}, JOB_COMPLETIONS ${count}`);
	}
	if (slurm) {
		const id = integer(env, "SLURM_ARRAY_TASK_ID", "Slurm sets it in the tasks of a job array");
		if (env.SLURM_ARRAY_TASK_COUNT === undefined || env.SLURM_ARRAY_TASK_COUNT === "") {
			throw new GenrepError(
				"--shard auto: SLURM_ARRAY_TASK_ID is set but SLURM_ARRAY_TASK_COUNT is not; pass --shard i/n",
			);
		}
		const count = integer(env, "SLURM_ARRAY_TASK_COUNT", "Slurm sets it in the tasks of a job array");
		const min = env.SLURM_ARRAY_TASK_MIN ? integer(env, "SLURM_ARRAY_TASK_MIN", "") : 0;
		const step = env.SLURM_ARRAY_TASK_STEP ? integer(env, "SLURM_ARRAY_TASK_STEP", "") : 1;
		const what = `SLURM_ARRAY_TASK_ID ${id}, MIN ${min}, STEP ${step}, COUNT ${count}`;
		if (env.SLURM_ARRAY_TASK_MAX) {
			const max = integer(env, "SLURM_ARRAY_TASK_MAX", "");
			if (step < 1 || (max - min) % step !== 0 || (max - min) / step + 1 !== count) {
				throw new GenrepError(
					`--shard auto: the Slurm array (MIN ${min}, MAX ${max}, STEP ${step}) does not hold ${count} evenly stepped tasks; ` +
						"submit one range such as --array=0-7 (lists like --array=1,4,9 cannot be split evenly)",
				);
			}
		}
		if (step < 1 || (id - min) % step !== 0) {
			throw new GenrepError(`--shard auto: ${what} is not on the array's range; submit one range such as --array=0-7`);
		}
		return checked({ index: (id - min) / step, count, source: "slurm" }, what);
	}
	throw new GenrepError(
		"--shard auto found neither JOB_COMPLETION_INDEX (Kubernetes Indexed Job) nor SLURM_ARRAY_TASK_ID (Slurm array); " +
			"run it inside one (see deploy/) or pass --shard i/n",
	);
}

function integer(env: Env, name: string, hint: string): number {
	const text = env[name] ?? "";
	if (!/^\d+$/.test(text.trim())) {
		throw new GenrepError(
			`--shard auto: ${name} must be a non-negative integer, got ${JSON.stringify(text)}${hint ? ` (${hint})` : ""}`,
		);
	}
	return Number(text.trim());
}

function checked(piece: ResolvedShardPiece, what: string): ResolvedShardPiece {
	if (piece.count < 1 || piece.index >= piece.count) {
		throw new GenrepError(
			`--shard auto: ${what} give piece ${piece.index} of ${piece.count}, outside 0..${piece.count - 1}`,
		);
	}
	return piece;
}
