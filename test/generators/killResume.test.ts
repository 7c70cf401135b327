import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { genrep, genrepKilledAt } from "../helpers/cli.js";

const tiny = ["--dataset", "fashion-mnist", "--limit", "64", "--width", "4", "--latent-dim", "8"];
const flags = [...tiny, "--batch-size", "8", "--seed", "5", "--sample-every", "1000", "--log-every", "5"];

let dir: string;
beforeAll(async () => {
	dir = await mkdtemp(join(tmpdir(), "genrep-kill-"));
});
afterAll(async () => {
	await rm(dir, { recursive: true, force: true });
});

describe("gan train after a kill", () => {
	it("resumes from the last checkpoint and ends with the same generator as an uninterrupted run", async () => {
		const steps = 150;
		const killed = join(dir, "killed");
		// A checkpoint after every step (any step outlasts 1 ns); the 40th lands after step 40.
		const crash = genrepKilledAt(
			"gan-checkpoint",
			40,
			"gan",
			"train",
			...flags,
			"--steps",
			String(steps),
			"--out",
			killed,
			"--checkpoint-every",
			"1e-9",
		);
		expect(crash.signal).toBe("SIGKILL");
		expect(existsSync(join(killed, "checkpoint.safetensors"))).toBe(true);
		expect(existsSync(join(killed, "generator.safetensors")), "killed before the end").toBe(false);
		const resumed = genrep("gan", "train", ...flags, "--steps", String(steps), "--out", killed, "--resume");
		expect(resumed.stderr.split("\n").filter((l) => l.startsWith("error:"))).toEqual([]);
		expect(resumed.status).toBe(0);
		expect(resumed.stderr + resumed.stdout).toMatch(/resum\w* (at|from) step 40\b/);
		const whole = join(dir, "whole");
		expect(genrep("gan", "train", ...flags, "--steps", String(steps), "--out", whole).status).toBe(0);
		const [a, b] = await Promise.all([
			readFile(join(killed, "generator.safetensors")),
			readFile(join(whole, "generator.safetensors")),
		]);
		expect(a.equals(b)).toBe(true);
	});
});
