import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { genrep } from "../helpers/cli.js";

const dir = await mkdtemp(join(tmpdir(), "genrep-train-cli-"));
afterAll(() => rm(dir, { recursive: true, force: true }));
const flags = ["--method", "simclr", "--data", "fashion-mnist", "--limit", "64", "--batch-size", "8", "--seed", "2"];
const steps = ["--steps", "40", "--log-every", "5"];

/** Starts `genrep train` and SIGKILLs it once a checkpoint is on disk (before the end). */
async function killAfterFirstCheckpoint(out: string): Promise<void> {
	const child = spawn(
		process.execPath,
		["--import", "tsx", "src/cli/main.ts", "train", ...flags, ...steps, "--out", out, "--checkpoint-every", "0.001"],
		{ stdio: "ignore" },
	);
	const exited = new Promise<void>((resolve) => child.on("exit", () => resolve()));
	while (!existsSync(join(out, "checkpoint.safetensors")) && child.exitCode === null) {
		await new Promise((r) => setTimeout(r, 20));
	}
	child.kill("SIGKILL");
	await exited;
}

describe("genrep train", () => {
	it("killed with SIGKILL, resumes from its last checkpoint to the same encoder as an uninterrupted run", async () => {
		const killed = join(dir, "killed");
		await killAfterFirstCheckpoint(killed);
		const card = JSON.parse(await readFile(join(killed, "encoder.json"), "utf8"));
		expect(card.complete, "killed before the end").toBe(false);
		const resumed = genrep("train", ...flags, ...steps, "--out", killed, "--resume");
		expect(resumed.stderr.split("\n").filter((l) => l.startsWith("error:"))).toEqual([]);
		expect(resumed.status).toBe(0);
		expect(resumed.stdout).toMatch(/trained 40 steps \(resumed at step \d+\)/);
		const whole = join(dir, "whole");
		expect(genrep("train", ...flags, ...steps, "--out", whole).status).toBe(0);
		const [a, b] = await Promise.all([
			readFile(join(killed, "encoder.safetensors")),
			readFile(join(whole, "encoder.safetensors")),
		]);
		expect(a.equals(b)).toBe(true);
	});

	it("takes options from a config file, flags winning, and rejects unknown keys", async () => {
		const config = join(dir, "train.yaml");
		await writeFile(
			config,
			"method: simclr\nbatchSize: 8\nsteps: 1\ndata: { kind: real, dataset: fashion-mnist, limit: 16 }\n",
		);
		const out = join(dir, "from-config");
		const r = genrep("train", "--config", config, "--steps", "2", "--out", out);
		expect(r.stderr).not.toMatch(/error:/);
		expect(JSON.parse(await readFile(join(out, "config.json"), "utf8"))).toMatchObject({ steps: 2, batchSize: 8 });
		await writeFile(config, "method: simclr\nbatchsize: 8\n");
		const bad = genrep("train", "--config", config, "--data", "fashion-mnist", "--out", join(dir, "bad"));
		expect(bad.status).not.toBe(0);
		expect(bad.stderr.trim()).toBe("error: unknown training option 'batchsize'");
	});

	it("bad input: one line that says what is wrong, non-zero exit, nothing written", () => {
		const cases: [string[], RegExp][] = [
			[["--method", "supcon", "--data", "live:fashion-mnist-gan", "--view", "none"], /supcon needs class labels/],
			[["--method", "simclr", "--data", "live:fashion-mnist-gan"], /needs --view/],
			[["--method", "simclr", "--data", "fashion-mnist", "--encoder", "vit"], /unknown encoder 'vit'/],
			[["--method", "simclr", "--data", "fashion-mnist", "--mix-fraction", "0.5"], /--mix-fraction applies only/],
			[["--method", "simclr", "--data", join(dir, "nowhere")], /nowhere/],
		];
		for (const [args, message] of cases) {
			const out = join(dir, `bad-${Math.random().toString(36).slice(2)}`);
			const r = genrep("train", ...args, "--out", out, "--steps", "1");
			expect(r.status, args.join(" ")).not.toBe(0);
			const lines = r.stderr.trim().split("\n");
			expect(lines.at(-1)).toMatch(/^error: /);
			expect(lines.at(-1)).toMatch(message);
			expect(existsSync(out), `${args.join(" ")} left ${out}`).toBe(false);
		}
	});
});
