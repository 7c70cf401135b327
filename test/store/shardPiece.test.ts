import { describe, expect, it } from "vitest";
import { GenrepError } from "../../src/errors.js";
import { parseShardPiece, shardPieceFromEnvironment } from "../../src/store/shardPiece.js";

const fails = (env: Record<string, string>, message: string) => {
	expect(() => shardPieceFromEnvironment(env)).toThrow(GenrepError);
	expect(() => shardPieceFromEnvironment(env)).toThrow(message);
};

describe("--shard i/n and auto", () => {
	it("i/n from the flag", () => {
		expect(parseShardPiece("2/5", {})).toEqual({ index: 2, count: 5, source: "flag" });
		for (const bad of ["5/5", "1/0", "-1/2", "a/b", "1", "auto2"]) {
			expect(() => parseShardPiece(bad, {})).toThrow(
				`--shard must be i/n with 0 <= i < n (e.g. 0/4) or auto, got "${bad}"`,
			);
		}
	});

	it("Kubernetes: JOB_COMPLETION_INDEX and JOB_COMPLETIONS", () => {
		expect(parseShardPiece("auto", { JOB_COMPLETION_INDEX: "3", JOB_COMPLETIONS: "8" })).toEqual({
			index: 3,
			count: 8,
			source: "kubernetes",
		});
		fails({ JOB_COMPLETION_INDEX: "3" }, "JOB_COMPLETIONS is not; Kubernetes does not set it");
		fails({ JOB_COMPLETION_INDEX: "8", JOB_COMPLETIONS: "8" }, "give piece 8 of 8, outside 0..7");
		fails(
			{ JOB_COMPLETION_INDEX: "x", JOB_COMPLETIONS: "8" },
			'JOB_COMPLETION_INDEX must be a non-negative integer, got "x"',
		);
		fails({ JOB_COMPLETION_INDEX: "0", JOB_COMPLETIONS: "0" }, "outside");
	});

	it("Slurm: task id relative to MIN, in steps of STEP; one evenly stepped range only", () => {
		const slurm = (id: number, min: number, max: number, step: number, count: number) => ({
			SLURM_ARRAY_TASK_ID: String(id),
			SLURM_ARRAY_TASK_MIN: String(min),
			SLURM_ARRAY_TASK_MAX: String(max),
			SLURM_ARRAY_TASK_STEP: String(step),
			SLURM_ARRAY_TASK_COUNT: String(count),
		});
		expect(shardPieceFromEnvironment(slurm(0, 0, 7, 1, 8))).toMatchObject({ index: 0, count: 8, source: "slurm" });
		expect(shardPieceFromEnvironment(slurm(8, 1, 8, 1, 8))).toMatchObject({ index: 7, count: 8 });
		expect(shardPieceFromEnvironment(slurm(14, 0, 14, 2, 8))).toMatchObject({ index: 7, count: 8 });
		// Without MIN/MAX/STEP (older Slurm): ids from 0.
		expect(shardPieceFromEnvironment({ SLURM_ARRAY_TASK_ID: "2", SLURM_ARRAY_TASK_COUNT: "4" })).toMatchObject({
			index: 2,
			count: 4,
		});
		fails(slurm(9, 1, 9, 1, 3), "does not hold 3 evenly stepped tasks"); // --array=1,4,9
		fails(slurm(3, 0, 14, 2, 8), "is not on the array's range");
		fails({ SLURM_ARRAY_TASK_ID: "2" }, "SLURM_ARRAY_TASK_COUNT is not");
		fails({ SLURM_ARRAY_TASK_ID: "5", SLURM_ARRAY_TASK_COUNT: "4" }, "give piece 5 of 4");
	});

	it("neither or both engines: an error that says what to pass", () => {
		fails({}, "--shard auto found neither JOB_COMPLETION_INDEX (Kubernetes Indexed Job) nor SLURM_ARRAY_TASK_ID");
		fails(
			{ JOB_COMPLETION_INDEX: "0", JOB_COMPLETIONS: "2", SLURM_ARRAY_TASK_ID: "0", SLURM_ARRAY_TASK_COUNT: "2" },
			"both JOB_COMPLETION_INDEX (Kubernetes) and SLURM_ARRAY_TASK_ID (Slurm) are set",
		);
	});
});
