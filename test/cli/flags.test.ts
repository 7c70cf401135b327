/**
 * Flags built from the library's option schemas (src/cli/flags.ts), through the real CLI: in
 * each converted command a bad flag is one `error:` line that names the flag and the value as
 * typed, the exit status is non-zero, and nothing is written; the help shows the schema's
 * defaults.
 */
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { genrep } from "../helpers/cli.js";

describe("flags from the option schemas", () => {
	let dir: string;
	beforeAll(async () => {
		dir = await mkdtemp(join(tmpdir(), "genrep-flags-"));
	});
	afterAll(async () => {
		await rm(dir, { recursive: true, force: true });
	});

	it("a bad flag in each command: one error line naming the flag and the value, exit != 0, nothing written", () => {
		const out = join(dir, "out");
		const cases: [string[], string, string][] = [
			[["train", "--method", "simclr", "--data", "fashion-mnist", "--batch-size", "1.5"], "--batch-size <n>", "1.5"],
			[["eval", "--encoder", "pixels", "--shots", "10,-1"], "--shots <list>", "10,-1"],
			[
				[
					"views",
					"generate",
					"--generator",
					"fashion-mnist-gan",
					"--view",
					"none",
					"--neighbors",
					"1",
					"--anchors",
					"-3",
				],
				"--anchors <n>",
				"-3",
			],
			[["gan", "train", "--dataset", "fashion-mnist", "--steps", "10", "--ema-decay", "1"], "--ema-decay <decay>", "1"],
			[["experiment", "demo", "--steps", "NaN"], "--steps <n>", "NaN"],
			// steer train's flags check the kind; the library says the range (steerCli.test.ts)
			[["steer", "train", "--generator", "fashion-mnist-gan", "--steps", "1.5"], "--steps <n>", "1.5"],
		];
		for (const [args, flag, value] of cases) {
			const r = genrep(...args, "--out", out);
			expect(r.status, args.join(" ")).not.toBe(0);
			const errors = r.stderr.split("\n").filter((line) => line.startsWith("error:"));
			expect(errors, r.stderr).toHaveLength(1);
			expect(errors[0]).toContain(`'${flag}'`);
			expect(errors[0]).toContain(`'${value}' is invalid`);
			expect(r.stderr).not.toMatch(/\n\s+at /);
		}
		expect(existsSync(out)).toBe(false);
	});

	it("the help shows the schema's defaults and keeps the examples", () => {
		// The help wraps to the terminal's width: compare with the spaces collapsed.
		const help = (...args: string[]) => {
			const r = genrep(...args, "--help");
			expect(r.status).toBe(0);
			return r.stdout.replace(/\s+/g, " ");
		};
		const train = help("train");
		expect(train).toContain(
			"--batch-size <n> anchors per step; simclr and supcon see two views of each, multipos all K + 1 (default 256)",
		);
		expect(train).toContain("--warmup-fraction <f> fraction of the steps spent warming up (default 0.05)");
		expect(help("gan", "train")).toContain("--sample-every <steps> steps between sample grids (default 500)");
		expect(help("eval")).toContain("--shots <list> low-shot images per class, comma-separated (default 10,100)");
		const steer = help("steer", "train");
		expect(steer).toContain("--steps <n> Adam steps per walk (default 300)");
		expect(steer).toContain("--lr <lr> Adam learning rate, decayed along a cosine (default 0.05)");
		expect(steer).toContain("--probe-scale <c> fd, es: length of a probe's step in w (default 0.05)");
		expect(steer).toContain("es for ONNX --probes <n>");
		const experiment = genrep("experiment", "--help");
		expect(experiment.stdout).toContain("List the presets with `genrep experiment list`.");
	});
});
