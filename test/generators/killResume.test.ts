import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { genrep } from "../helpers/cli.js";

const tiny = ["--dataset", "fashion-mnist", "--limit", "64", "--width", "4", "--latent-dim", "8"];
const flags = [...tiny, "--batch-size", "8", "--seed", "5", "--sample-every", "1000", "--log-every", "5"];

let dir: string;
beforeAll(async () => {
	dir = await mkdtemp(join(tmpdir(), "genrep-kill-"));
});
afterAll(async () => {
	await rm(dir, { recursive: true, force: true });
});

/** Starts `gan train` and SIGKILLs it once its first checkpoint is on disk. */
async function trainUntilFirstCheckpointThenKill(out: string, steps: number): Promise<void> {
	const child = spawn(
		process.execPath,
		[
			"--import",
			"tsx",
			"src/cli/main.ts",
			"gan",
			"train",
			...flags,
			"--steps",
			String(steps),
			"--out",
			out,
			"--checkpoint-every",
			"0.001",
		],
		{ stdio: "ignore" },
	);
	const exited = new Promise<void>((resolve) => child.on("exit", () => resolve()));
	const checkpoint = join(out, "checkpoint.safetensors");
	while (!existsSync(checkpoint) && child.exitCode === null) await new Promise((r) => setTimeout(r, 20));
	child.kill("SIGKILL");
	await exited;
}

describe("gan train after a kill", () => {
	it("resumes from the last checkpoint and ends with the same generator as an uninterrupted run", async () => {
		const steps = 150;
		const killed = join(dir, "killed");
		await trainUntilFirstCheckpointThenKill(killed, steps);
		expect(existsSync(join(killed, "checkpoint.safetensors"))).toBe(true);
		expect(existsSync(join(killed, "generator.safetensors")), "killed before the end").toBe(false);
		const resumed = genrep("gan", "train", ...flags, "--steps", String(steps), "--out", killed, "--resume");
		expect(resumed.stderr.split("\n").filter((l) => l.startsWith("error:"))).toEqual([]);
		expect(resumed.status).toBe(0);
		const whole = join(dir, "whole");
		expect(genrep("gan", "train", ...flags, "--steps", String(steps), "--out", whole).status).toBe(0);
		const [a, b] = await Promise.all([
			readFile(join(killed, "generator.safetensors")),
			readFile(join(whole, "generator.safetensors")),
		]);
		expect(a.equals(b)).toBe(true);
	});
});
