/**
 * One Ctrl-C handler for train and experiment (src/cli/interrupt.ts): the first SIGINT aborts
 * the signal and says so on stderr, a second exits at once with 130, and the listener is gone
 * when the work ends, however it ends. Then through the real CLI: `genrep train` stopped by
 * SIGINT checkpoints (the resume itself: trainer.test.ts, trainCli.test.ts) and exits 130.
 */
import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import { untilInterrupted } from "../../src/cli/interrupt.js";
import { KILL_AT_ENV } from "../../src/engine/killPoint.js";

const dir = await mkdtemp(join(tmpdir(), "genrep-interrupt-"));
afterAll(() => rm(dir, { recursive: true, force: true }));
afterEach(() => vi.restoreAllMocks());

describe("untilInterrupted", () => {
	it("Ctrl-C aborts the signal once, a second one quits with 130; the listener goes when the work ends", async () => {
		const before = process.listenerCount("SIGINT");
		const stderr = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
		const exit = vi.spyOn(process, "exit").mockImplementation((code) => {
			throw new Error(`exit ${code}`);
		});
		const result = await untilInterrupted("writing a checkpoint after this step", async (signal) => {
			expect(process.listenerCount("SIGINT")).toBe(before + 1);
			expect(signal.aborted).toBe(false);
			process.emit("SIGINT");
			expect(signal.aborted).toBe(true);
			expect(exit).not.toHaveBeenCalled();
			expect(() => process.emit("SIGINT")).toThrow("exit 130");
			expect(exit).toHaveBeenCalledTimes(1);
			return "stopped";
		});
		expect(result).toBe("stopped");
		expect(stderr.mock.calls.map((c) => c[0])).toEqual([
			"\ninterrupted: writing a checkpoint after this step (Ctrl-C again to quit now)\n",
		]);
		expect(process.listenerCount("SIGINT")).toBe(before);
	});

	it("a failing work leaves no listener behind and its error passes through", async () => {
		const before = process.listenerCount("SIGINT");
		await expect(
			untilInterrupted("stopping", async () => {
				throw new Error("boom");
			}),
		).rejects.toThrow("boom");
		expect(process.listenerCount("SIGINT")).toBe(before);
	});
});

describe("genrep train and Ctrl-C", () => {
	it("SIGINT checkpoints after the step and exits 130 with a note to --resume", { timeout: 300_000 }, async () => {
		const out = join(dir, "run");
		const flags = ["--method", "simclr", "--data", "fashion-mnist", "--limit", "64", "--batch-size", "8"];
		const steps = ["--steps", "16", "--log-every", "1", "--seed", "3"];
		const child = spawn(
			process.execPath,
			["--import", "tsx", "src/cli/main.ts", "train", ...flags, ...steps, "--out", out],
			{
				env: { ...process.env, GENREP_DATA_DIR: "", [KILL_AT_ENV]: "" },
			},
		);
		let stdout = "";
		let stderr = "";
		let sent = false;
		child.stdout.on("data", (d) => {
			stdout += d;
		});
		child.stderr.on("data", (d) => {
			stderr += d;
			// Progress is JSON lines off a terminal: interrupt at the first training step.
			if (!sent && /"step":\s*[1-9]/.test(stderr)) {
				sent = true;
				child.kill("SIGINT");
			}
		});
		const code = await new Promise<number | null>((resolve) => child.on("close", (c) => resolve(c)));
		expect(sent, stderr).toBe(true);
		expect(code, stderr).toBe(130);
		expect(stderr).toContain("interrupted: writing a checkpoint after this step (Ctrl-C again to quit now)");
		const stopped = /stopped at step (\d+)\/16; checkpoint in .+; continue with --resume/.exec(stdout);
		expect(stopped, stdout).not.toBeNull();
		const step = Number(stopped?.[1]);
		expect(step).toBeGreaterThan(0);
		expect(step).toBeLessThan(16);
		const card = JSON.parse(await readFile(join(out, "encoder.json"), "utf8"));
		expect(card).toMatchObject({ complete: false, steps: step, totalSteps: 16 });
	});
});
