import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { genrep, genrepKilledAt } from "../helpers/cli.js";

const dir = await mkdtemp(join(tmpdir(), "genrep-train-cli-"));
afterAll(() => rm(dir, { recursive: true, force: true }));
const flags = ["--method", "simclr", "--data", "fashion-mnist", "--limit", "64", "--batch-size", "8", "--seed", "2"];
const steps = ["--steps", "40", "--log-every", "5"];

describe("genrep train", () => {
	it("killed with SIGKILL right after its 4th checkpoint, resumes there to the same encoder as an uninterrupted run", {
		timeout: 600_000,
	}, async () => {
		const killed = join(dir, "killed");
		// 64 images at batch 8: a checkpoint at the end of every 8-step epoch.
		const crash = genrepKilledAt("train-checkpoint", 4, "train", ...flags, ...steps, "--out", killed);
		expect(crash.signal).toBe("SIGKILL");
		const card = JSON.parse(await readFile(join(killed, "encoder.json"), "utf8"));
		expect(card).toMatchObject({ complete: false, steps: 32, totalSteps: 40 });
		expect(card.cpuSeconds).toBeGreaterThan(0);
		const unfinished = genrep("eval", "--encoder", killed, "--out", join(dir, "unfinished.json"));
		expect(unfinished.status).not.toBe(0);
		expect(unfinished.stderr.trim()).toMatch(
			/^error: the encoder in .+ is unfinished \(trained 32 of 40 steps\); .*--resume/,
		);
		expect(existsSync(join(dir, "unfinished.json"))).toBe(false);
		const resumed = genrep("train", ...flags, ...steps, "--out", killed, "--resume");
		expect(resumed.stderr.split("\n").filter((l) => l.startsWith("error:"))).toEqual([]);
		expect(resumed.status).toBe(0);
		expect(resumed.stdout).toMatch(/trained 40 steps \(resumed at step 32\)/);
		// The resumed card's times count both sittings: the checkpoint's figures (the same reading
		// as the killed run's card) plus the last sitting's 8 steps, so strictly more than the card's
		// whatever the machine's load; a count of the last sitting alone would not reach them.
		const resumedCard = JSON.parse(await readFile(join(killed, "encoder.json"), "utf8"));
		expect(resumedCard.cpuSeconds).toBeGreaterThan(card.cpuSeconds);
		expect(resumedCard.seconds).toBeGreaterThan(card.seconds);
		const whole = join(dir, "whole");
		expect(genrep("train", ...flags, ...steps, "--out", whole).status).toBe(0);
		const [a, b] = await Promise.all([
			readFile(join(killed, "encoder.safetensors")),
			readFile(join(whole, "encoder.safetensors")),
		]);
		expect(a.equals(b)).toBe(true);

		// genrep eval killed after its linear probe leaves no metrics; run again, it measures
		// what an uninterrupted eval of the same weights measures.
		const evalFlags = ["--dataset", "fashion-mnist", "--train-limit", "200", "--test-limit", "100", "--seed", "1"];
		const metricsKilled = join(dir, "killed-metrics.json");
		const evalCrash = genrepKilledAt(
			"eval-probe",
			1,
			"eval",
			"--encoder",
			killed,
			...evalFlags,
			"--out",
			metricsKilled,
		);
		expect(evalCrash.signal).toBe("SIGKILL");
		expect(existsSync(metricsKilled)).toBe(false);
		expect(genrep("eval", "--encoder", killed, ...evalFlags, "--out", metricsKilled).status).toBe(0);
		const metricsWhole = join(dir, "whole-metrics.json");
		expect(genrep("eval", "--encoder", whole, ...evalFlags, "--out", metricsWhole).status).toBe(0);
		const figures = async (path: string) => {
			const m = JSON.parse(await readFile(path, "utf8"));
			return { linear: m.dataset.linearProbe.top1, knn: m.dataset.knn.top1, sha: m.encoder.weightsSha256 };
		};
		expect(await figures(metricsKilled)).toEqual(await figures(metricsWhole));
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
