import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { initEngine } from "../../src/engine/backend.js";
import { readSafetensors } from "../../src/formats/safetensors.js";
import { SteeringWalks } from "../../src/views/steer/walks.js";
import { genrep } from "../helpers/cli.js";
import { makeTinyGenerator } from "./tinyGenerator.js";
import { unit, writeWalksFolder } from "./walksFixture.js";

const ONNX = "test/fixtures/onnx/tiny-cgan";
const root = await mkdtemp(join(tmpdir(), "genrep-steer-cli-"));
afterAll(() => rm(root, { recursive: true, force: true }));
let cgan: string;
let walks: string;

beforeAll(async () => {
	await initEngine({ backend: "wasm" });
	cgan = await makeTinyGenerator(join(root, "cgan"), 3);
	const weights = createHash("sha256")
		.update(await readFile(join(cgan, "generator.safetensors")))
		.digest("hex");
	walks = await writeWalksFolder(
		join(root, "walks"),
		{ id: cgan, latentDim: 8, numClasses: 3, weightsSha256: weights },
		{ shiftX: unit(8, 0), rotate: unit(8, 1), contrast: unit(8, 2) },
	);
});

const generate = (out: string, ...extra: string[]) =>
	genrep(
		"views",
		"generate",
		"--generator",
		cgan,
		"--anchors",
		"5",
		"--neighbors",
		"2",
		"--seed",
		"4",
		"--out",
		out,
		...extra,
	);

describe("genrep steer train", () => {
	it("learns walks for a shipped generator: walks.safetensors, a card with the error reductions, the figure", async () => {
		const out = join(root, "trained");
		const r = genrep(
			"steer",
			"train",
			"--generator",
			"fashion-mnist-gan",
			"--out",
			out,
			"--edits",
			"zoom,brightness",
			"--alpha-range",
			"zoom=0.7:1.5",
			"--steps",
			"4",
			"--batch-size",
			"4",
			"--eval-samples",
			"8",
		);
		expect(r.status).toBe(0);
		// Progress on stderr (JSON lines off a terminal); stdout holds only the results.
		const progress = r.stderr.trim().split("\n");
		expect(progress.every((l) => JSON.parse(l).event === "step")).toBe(true);
		expect(JSON.parse(progress[0])).toMatchObject({ event: "step", walk: "zoom", step: 4, steps: 4, walks: 2 });
		const lines = r.stdout.trim().split("\n");
		expect(lines.some((l) => l.startsWith("{"))).toBe(false);
		expect(lines.at(-3)).toMatch(/^zoom: masked error \d\.\d{4} -> \d\.\d{4} \(-?\d+\.\d% lower\)/);
		expect(lines.at(-1)).toMatch(/^wrote 2 walks to .*trained \(walks.safetensors, walks.json, walks.png\) in/);
		expect((await readdir(out)).sort()).toEqual(["walks.json", "walks.png", "walks.safetensors"]);
		const loaded = SteeringWalks.load(out);
		expect(loaded.card.walks.map((w) => [w.edit, w.alphaRange])).toEqual([
			["zoom", [0.7, 1.5]],
			["brightness", [-0.5, 0.5]],
		]);
		expect(loaded.card.generator).toMatchObject({ id: "fashion-mnist-gan", latentDim: 64, numClasses: 0 });
		expect(loaded.card.training).toMatchObject({ stepsPerWalk: 4, batchSize: 4, seed: 0 });
		expect(loaded.card.training.command).toContain("genrep steer train --generator fashion-mnist-gan");
		const png = await sharp(join(out, "walks.png")).metadata();
		// 2 walks x 2 anchors x (target, walk) rows of 7 alphas, 32 px tiles + 2 px padding, x2.
		expect([png.width, png.height]).toEqual([2 * (7 * 34 + 2), 2 * (8 * 34 + 2)]);
	});

	it("bad input: one error line, exit 1, nothing written", () => {
		const out = join(root, "bad");
		const cases: [string[], string][] = [
			[["--alpha-range", "zoom=0:2"], "error: zoom: alpha range [0,2] must lie inside (0, 8) factor\n"],
			[
				["--alpha-range", "rotate=10:40"],
				"error: rotate: alpha range [10,40] must contain 0, the alpha that leaves the image as it is\n",
			],
			[
				["--alpha-range", "zoom"],
				"error: option '--alpha-range <edit=min:max>' argument 'zoom' is invalid. expected edit=min:max (e.g. zoom=0.5:2), got \"zoom\"\n",
			],
			[
				["--edits", "shear"],
				"error: unknown pixel edit 'shear'; known edits: shiftX, shiftY, zoom, rotate, brightness, contrast\n",
			],
			[["--steps", "0"], "error: steer train: steps must be an integer >= 1, got 0\n"],
			[["--lr", "-1"], "error: steer train: learningRate must be a positive number, got -1\n"],
			[
				["--generator", ONNX, "--gradient", "autodiff"],
				`error: steer train: gradient 'autodiff' needs a differentiable (tfjs) generator, but ${ONNX} is a black box (ONNX); use gradient 'es' or 'fd' (derivative-free), or leave it out to choose automatically\n`,
			],
		];
		for (const [args, message] of cases) {
			const r = genrep("steer", "train", "--generator", "fashion-mnist-gan", "--out", out, "--steps", "1", ...args);
			// Commander adds "(run with --help for usage)" after a flag it cannot parse.
			expect(r.stderr.replace("(run with --help for usage)\n", ""), args.join(" ")).toBe(message);
			expect(r.status).toBe(1);
			expect(existsSync(out)).toBe(false);
		}
		const taken = genrep("steer", "train", "--generator", "fashion-mnist-gan", "--out", walks);
		expect(taken.stderr).toBe(`error: --out ${walks} already exists and is not empty; choose a new folder\n`);
	});
});

describe("genrep views generate --view steer", () => {
	it("writes a dataset whose manifest records the walks; --shard pieces give the same shards", async () => {
		const whole = join(root, "whole");
		const r = generate(whole, "--view", "steer", "--walks", walks, "--alpha-scale", "0.5", "--shard-size", "2");
		expect(r.status).toBe(0);
		// Progress on stderr (JSON lines off a terminal), nothing else.
		const onlyProgress = (stderr: string) =>
			stderr
				.trim()
				.split("\n")
				.every((l) => JSON.parse(l).event === "shard");
		expect(onlyProgress(r.stderr)).toBe(true);
		const manifest = JSON.parse(await readFile(join(whole, "manifest.json"), "utf8"));
		const sha = createHash("sha256")
			.update(await readFile(join(walks, "walks.safetensors")))
			.digest("hex");
		expect(manifest.view).toEqual({ kind: "steer", walks, walksSha256: sha, alphaScale: 0.5 });
		const pieces = join(root, "pieces");
		for (const piece of ["1/2", "0/2"]) {
			const p = generate(
				pieces,
				"--view",
				"steer",
				"--walks",
				walks,
				"--alpha-scale",
				"0.5",
				"--shard-size",
				"2",
				"--shard",
				piece,
			);
			expect(onlyProgress(p.stderr)).toBe(true);
		}
		const again = JSON.parse(await readFile(join(pieces, "manifest.json"), "utf8"));
		expect(again.shards).toEqual(manifest.shards);
		// The views differ from their anchors only along the walks (dims 0, 1, 2).
		const show = genrep("views", "show", "--data", whole, "--out", join(root, "steer.png"));
		expect(show.stdout).toContain("5 anchors x 3 views (steer: walks");
	});

	it("without walks, on an ONNX generator, or with a bad alpha scale: one error line and no dataset", () => {
		const out = join(root, "bad-steer");
		const cases: [string[], string][] = [
			[
				["--view", "steer"],
				"error: steer view needs walks: pass --walks <dir> (a folder from `genrep steer train --generator <g> --out <dir>`)\n",
			],
			[
				["--view", "steer", "--walks", walks, "--generator", ONNX],
				`error: walks in ${walks} were trained for generator '${cgan}' (latent dim 8, 3 classes), not for ${ONNX} (latent dim 8, 10 classes); train walks for it with \`genrep steer train\`\n`,
			],
			[
				["--view", "steer", "--walks", walks, "--alpha-scale", "0"],
				"error: steer view: alphaScale must be a positive number, got 0\n",
			],
			[
				["--view", "steer", "--walks", walks, "--generator", "fashion-mnist-gan"],
				`error: walks in ${walks} were trained for generator '${cgan}' (latent dim 8, 3 classes), not for fashion-mnist-gan (latent dim 64, 0 classes); train walks for it with \`genrep steer train\`\n`,
			],
			[["--view", "gaussian", "--sigma", "1", "--walks", walks], "error: gaussian view: unknown option 'walks'"],
		];
		for (const [args, message] of cases) {
			const r = generate(out, ...args);
			expect(r.stderr, args.join(" ")).toContain(message);
			expect(r.status).toBe(1);
			expect(existsSync(out)).toBe(false);
		}
	});
});

describe("genrep steer train on an ONNX generator (derivative-free)", () => {
	it("learns walks with es from batched onnxruntime calls; views generate --view steer then uses them", async () => {
		const out = join(root, "onnx-walks");
		const r = genrep(
			"steer",
			"train",
			"--generator",
			ONNX,
			"--out",
			out,
			"--edits",
			"brightness,shiftX",
			"--alpha-range",
			"shiftX=-3:3",
			"--steps",
			"30",
			"--batch-size",
			"4",
			"--eval-samples",
			"16",
		);
		expect(
			r.stderr
				.trim()
				.split("\n")
				.every((l) => JSON.parse(l).event === "step"),
		).toBe(true);
		expect(r.status).toBe(0);
		const lines = r.stdout.trim().split("\n");
		// auto: ONNX has no gradients, so es with min(8, latent dim 8) probes: 4 x (2 + 16) images in one call per step.
		expect(lines[0]).toBe("gradient: es (72 images in 1 call of G per step)");
		expect(lines.at(-1)).toMatch(/^wrote 2 walks to .*onnx-walks \(walks.safetensors, walks.json, walks.png\) in/);
		const trained = SteeringWalks.load(out);
		const modelSha = createHash("sha256")
			.update(await readFile(join(ONNX, "model.onnx")))
			.digest("hex");
		expect(trained.card.generator).toEqual({
			id: ONNX,
			latentDim: 8,
			numClasses: 10,
			imageShape: [16, 16, 3],
			weightsSha256: modelSha,
		});
		expect(trained.card.training.gradient).toMatchObject({
			method: "es",
			probesPerLatent: 8,
			probeScale: 0.05,
			imagesPerStep: 72,
			generatorCallsPerStep: 1,
		});
		expect(trained.card.training.command).toContain("--generator test/fixtures/onnx/tiny-cgan");
		// Brightness is within reach of any generator with a bias: the walk lowers its error.
		const brightness = trained.card.walks.find((w) => w.edit === "brightness");
		expect(brightness?.maskedError.withWalk).toBeLessThan(brightness?.maskedError.withoutWalk ?? 0);
		expect(brightness?.norm).toBeGreaterThan(0);
		const png = await sharp(join(out, "walks.png")).metadata();
		// 2 walks x 2 anchors x (target, walk) rows of 7 alphas, 16 px tiles + 2 px padding, x2.
		expect([png.width, png.height]).toEqual([2 * (7 * 18 + 2), 2 * (8 * 18 + 2)]);

		const data = join(root, "onnx-steer");
		const g = genrep(
			"views",
			"generate",
			"--generator",
			ONNX,
			"--view",
			"steer",
			"--walks",
			out,
			"--anchors",
			"3",
			"--neighbors",
			"2",
			"--seed",
			"1",
			"--out",
			data,
		);
		expect(
			g.stderr
				.trim()
				.split("\n")
				.every((l) => JSON.parse(l).event === "shard"),
		).toBe(true);
		expect(g.status).toBe(0);
		const manifest = JSON.parse(await readFile(join(data, "manifest.json"), "utf8"));
		expect(manifest.view).toMatchObject({ kind: "steer", walks: out, walksSha256: trained.sha256 });
		// Every view's latent is its anchor's plus a combination of the two walks.
		const shard = await readSafetensors(join(data, "shard-00000.safetensors"));
		const z = shard.tensors.get("z");
		expect(z?.shape).toEqual([3, 3, 8]);
		const [w1, w2] = ["brightness", "shiftX"].map((e) => trained.vectors.get(e as "brightness") as Float32Array);
		const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from(a).reduce((s, v, i) => s + v * b[i], 0);
		const values = z?.data as Float32Array;
		for (let i = 0; i < 3; i++) {
			for (let k = 1; k < 3; k++) {
				const offset = Array.from({ length: 8 }, (_, c) => values[(i * 3 + k) * 8 + c] - values[i * 3 * 8 + c]);
				// Least squares onto span(w1, w2): the residual is rounding only.
				const [a11, a12, a22, b1, b2] = [dot(w1, w1), dot(w1, w2), dot(w2, w2), dot(w1, offset), dot(w2, offset)];
				const det = a11 * a22 - a12 * a12;
				const c1 = (a22 * b1 - a12 * b2) / det;
				const c2 = (a11 * b2 - a12 * b1) / det;
				const residual = Math.hypot(...offset.map((v, c) => v - c1 * w1[c] - c2 * w2[c]));
				expect(residual).toBeLessThan(1e-4);
				expect(Math.hypot(...offset)).toBeGreaterThan(0);
			}
		}
	});
});
