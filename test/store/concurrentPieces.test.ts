/**
 * Pieces of one dataset running at the same time into one folder, as a Kubernetes Indexed Job
 * on a shared volume or a Slurm array on NFS runs them: 4 `genrep views generate --shard auto`
 * processes with the environment each engine sets. The folder must end byte-identical to a
 * single run (manifest included, no temporaries left) and pass `genrep views verify`.
 */
import { spawn } from "node:child_process";
import { mkdtemp, readdir, readFile, rm, unlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { initEngine } from "../../src/engine/backend.js";
import { generateMultiviewDataset, shardFileName } from "../../src/store/multiview.js";
import { verifyMultiviewDataset } from "../../src/store/verifyMultiview.js";
import { genrep } from "../helpers/cli.js";
import { makeTinyGenerator } from "../views/tinyGenerator.js";

const root = await mkdtemp(join(tmpdir(), "genrep-pieces-"));
afterAll(() => rm(root, { recursive: true, force: true }));
let cgan: string;
let single: string;
/** 22 anchors in shards of 2: 11 shards, so the 4 pieces make 3, 3, 3 and 2. */
const flags = { anchors: 22, neighbors: 2, seed: 4, shardSize: 2 };

beforeAll(async () => {
	await initEngine({ backend: "wasm" });
	cgan = await makeTinyGenerator(join(root, "cgan"), 3);
	single = join(root, "single");
	await generateMultiviewDataset({
		generator: cgan,
		view: "gaussian",
		viewOptions: { sigma: 0.5 },
		out: single,
		...flags,
	});
});

/** `genrep views generate ... --shard auto` in a child process with `env` added; resolves with its exit code and output. */
function piece(
	out: string,
	env: Record<string, string>,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
	const args = ["--import", "tsx", "src/cli/main.ts", "views", "generate", "--generator", cgan, "--view", "gaussian"];
	args.push("--sigma", "0.5", "--anchors", String(flags.anchors), "--neighbors", String(flags.neighbors));
	args.push("--seed", String(flags.seed), "--shard-size", String(flags.shardSize), "--out", out, "--shard", "auto");
	const clean = Object.fromEntries(
		Object.entries(process.env).filter(([k]) => !k.startsWith("SLURM_") && !k.startsWith("JOB_COMPLETION")),
	);
	const child = spawn(process.execPath, args, { env: { ...clean, GENREP_DATA_DIR: "", ...env } });
	let stdout = "";
	let stderr = "";
	child.stdout.on("data", (d) => {
		stdout += d;
	});
	child.stderr.on("data", (d) => {
		stderr += d;
	});
	return new Promise((resolve, reject) => {
		child.on("error", reject);
		child.on("close", (code) => resolve({ code, stdout, stderr }));
	});
}

async function folder(dir: string): Promise<Map<string, Buffer>> {
	const files = new Map<string, Buffer>();
	for (const name of (await readdir(dir)).sort()) files.set(name, await readFile(join(dir, name)));
	return files;
}

async function expectSameAsSingleRun(out: string, cli = false): Promise<void> {
	const want = await folder(single);
	const got = await folder(out);
	expect([...got.keys()]).toEqual([...want.keys()]); // no temporaries, nothing missing
	for (const [name, bytes] of want) expect(got.get(name)?.equals(bytes), name).toBe(true);
	const report = await verifyMultiviewDataset(out);
	expect(report).toMatchObject({ complete: true, problems: [], temporaries: [] });
	expect(report.verified).toHaveLength(11);
	if (cli) {
		const verify = genrep("views", "verify", "--data", out, "--pieces", "4");
		expect(verify.status, verify.stderr).toBe(0);
		expect(verify.stdout).toContain("complete, all 11 shards match the manifest");
	}
}

describe("4 pieces at once into one folder", () => {
	it("Kubernetes Indexed Job (JOB_COMPLETION_INDEX 0..3, JOB_COMPLETIONS 4): byte-identical to a single run", async () => {
		const out = join(root, "kubernetes");
		const runs = await Promise.all(
			[0, 1, 2, 3].map((i) =>
				piece(out, { JOB_COMPLETION_INDEX: String(i), JOB_COMPLETIONS: "4", HOSTNAME: `views-${i}` }),
			),
		);
		for (const [i, run] of runs.entries()) {
			expect(run.code, run.stderr).toBe(0);
			expect(run.stdout).toContain(`piece ${i}/4 (from kubernetes): wrote ${i < 3 ? 3 : 2} shards`);
		}
		await expectSameAsSingleRun(out, true);
	}, 120_000);

	it("Slurm array --array=1-4 (SLURM_ARRAY_TASK_ID 1..4, MIN 1, MAX 4, COUNT 4): byte-identical; verify names what is missing", async () => {
		const out = join(root, "slurm");
		const runs = await Promise.all(
			[1, 2, 3, 4].map((id) =>
				piece(out, {
					SLURM_ARRAY_TASK_ID: String(id),
					SLURM_ARRAY_TASK_MIN: "1",
					SLURM_ARRAY_TASK_MAX: "4",
					SLURM_ARRAY_TASK_STEP: "1",
					SLURM_ARRAY_TASK_COUNT: "4",
					SLURM_ARRAY_JOB_ID: "77",
				}),
			),
		);
		for (const [i, run] of runs.entries()) {
			expect(run.code, run.stderr).toBe(0);
			expect(run.stdout).toContain(`piece ${i}/4 (from slurm)`);
		}
		await expectSameAsSingleRun(out);

		// A lost shard and a corrupt one: verify lists both and the pieces that make them, and fails.
		await unlink(join(out, shardFileName(5)));
		const corrupt = join(out, shardFileName(2));
		const bytes = await readFile(corrupt);
		bytes[bytes.length - 3] ^= 0x10;
		await writeFile(corrupt, bytes);
		const verify = genrep("views", "verify", "--data", out, "--pieces", "4");
		expect(verify.status).toBe(1);
		expect(verify.stdout).toContain("shard 2: corrupt:");
		expect(verify.stdout).toContain("shard 5: missing:");
		const last = verify.stderr.trim().split("\n").at(-1);
		expect(last).toMatch(
			/^error: .*slurm: incomplete, 1 missing \(5\), 1 corrupt \(2\) of 11 shards; re-run pieces 1, 2 of 4 \(--shard i\/4\); /,
		);
		// Re-running the pieces it names repairs the folder.
		for (const shard of ["1/4", "2/4"]) {
			await generateMultiviewDataset({
				generator: cgan,
				view: "gaussian",
				viewOptions: { sigma: 0.5 },
				out,
				shard,
				...flags,
			});
		}
		await expectSameAsSingleRun(out);
	}, 120_000);
});
