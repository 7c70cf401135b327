import { describe, expect, it } from "vitest";
import { summarize } from "../../src/experiments/results.js";
import { tableVerdict } from "../../src/experiments/verdict.js";

const metrics = [
	{ key: "linear", label: "linear probe", unit: "%" as const },
	{ key: "knn", label: "kNN (k=20)", unit: "%" as const },
];
const row = (label: string, linear: number[] | null, knn: number[] | null = null) => ({
	label,
	cells: { linear: linear && summarize(linear), knn: knn && summarize(knn) },
	runs: [],
});

describe("tableVerdict", () => {
	it("names the winner on the first column and its gaps to the runner-up and the last row", () => {
		const v = tableVerdict({
			metrics,
			rows: [row("real", [0.859]), row("generated", [0.8612]), row("pixels", [0.8475]), row("random", [0.834])],
		});
		expect(v).toBe(
			"Who wins (linear probe): generated with 86.1%, ahead of real at 85.9% by 0.2 points; pixels at 84.8% by 1.4; " +
				"random at 83.4% by 2.7. " +
				"One seed each: a gap smaller than the seeds' spread (about 0.3 points in the 3-seed tables) may be noise.",
		);
	});

	it("ranks on the metric asked for, over seeds, and skips rows without it", () => {
		const v = tableVerdict(
			{ metrics, rows: [row("a", [0.8, 0.82], [0.7, 0.72]), row("b", null, [0.75, 0.77]), row("c", [0.9, 0.9])] },
			"knn",
		);
		expect(v).toBe("Who wins (kNN (k=20)): b with 76.0%, ahead of a at 71.0% by 5.0 points. Means of 2 seeds.");
	});

	it("names the runner-up and the last of a long table", () => {
		const rows = [0.7, 0.75, 0.8, 0.85, 0.9, 0.95].map((v, i) => row(`r${i}`, [v]));
		expect(tableVerdict({ metrics, rows })).toMatch(
			/^Who wins \(linear probe\): r5 with 95\.0%, ahead of r4 at 90\.0% by 5\.0 points and r0 at 70\.0% by 25\.0\. One seed/,
		);
	});

	it("in a long table also names every baseline row, the bar a learned encoder must clear", () => {
		const rows = [0.7, 0.75, 0.8, 0.85, 0.9, 0.95].map((v, i) => ({ ...row(`r${i}`, [v]), baseline: i === 2 }));
		expect(tableVerdict({ metrics, rows })).toMatch(
			/ahead of r4 at 90\.0% by 5\.0 points; r2 at 80\.0% by 15\.0; r0 at 70\.0% by 25\.0\. One seed/,
		);
	});

	it("says nothing when fewer than two rows are measured, or for an unknown metric", () => {
		expect(tableVerdict({ metrics, rows: [row("a", [0.8]), row("b", null)] })).toBeNull();
		expect(tableVerdict({ metrics, rows: [row("a", [0.8]), row("b", [0.7])] }, "transfer")).toBeNull();
	});

	it("lower is better where the column says so", () => {
		const fid = [{ key: "fid", label: "FID", better: "lower" as const }];
		const rows = [
			{ label: "x", cells: { fid: summarize([12]) }, runs: [] },
			{ label: "y", cells: { fid: summarize([9.5]) }, runs: [] },
		];
		expect(tableVerdict({ metrics: fid, rows })).toBe(
			"Who wins (FID): y with 9.50, ahead of x at 12.0 by 2.5. One seed each.",
		);
	});
});
