/**
 * The jobs of an experiment: train the steering walks the preset trains itself (walksJob.ts);
 * generate each views dataset; per cell and seed, train, then evaluate. Each job knows what it
 * needs, its rough cost (for the ETA), whether an earlier sitting finished it, and how to run it.
 */
import { existsSync } from "node:fs";
import { mkdir, readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { GenrepError } from "../errors.js";
import { ENCODER_WEIGHTS, encoderWeightsSha256 } from "../learners/encoderFile.js";
import type { DataSourceOptions } from "../learners/sources/types.js";
import type { CellSpec, PresetSpec } from "./preset.js";
import { makeWalksJob, walksDir, walksJobId } from "./walksJob.js";

export interface Job {
	id: string;
	kind: "walks" | "views" | "train" | "eval";
	/** Ids of the jobs whose output this one reads: a failure there blocks it. */
	needs: string[];
	/** Cost in training-step equivalents (the ETA weighs jobs by it). */
	weight: number;
	done: () => Promise<boolean>;
	/** Runs the job; a job that resumed earlier work returns its whole CPU time (all sittings). */
	// biome-ignore lint/suspicious/noConfusingVoidType: the other jobs are plain async closures that return nothing
	run: () => Promise<void | { cpuSeconds: number }>;
}

/** Rough costs in training steps of resnet-tiny at batch 256, for the ETA only (measured once). */
const EVAL_WEIGHT = 40;
const VIEWS_IMAGES_PER_STEP = 1500;

export const runDir = (out: string, cell: string, seed: number) => join(out, "runs", cell, `seed-${seed}`);

/** The ids of a cell's jobs for one seed (the views a cell reads are named in them). */
export function cellJobIds(cell: CellSpec, seed: number): { train: string; eval: string } {
	const viewsTag = "views" in cell.data ? ` <${cell.data.views}>` : "";
	return { train: `train ${cell.id} seed ${seed}${viewsTag}`, eval: `eval ${cell.id} seed ${seed}${viewsTag}` };
}

/** What a job needs of the run: where the data is, and the command and abort signal to pass on. */
export interface JobContext {
	dataDir?: string;
	command?: string;
	signal?: AbortSignal;
}

export function makeJobs(preset: PresetSpec, seeds: number[], out: string, options: JobContext): Job[] {
	const jobs: Job[] = [];
	const usedViews = new Set(
		preset.cells.flatMap((c) => ("views" in c.data ? [c.data.views] : [])).concat(preset.grids.map((g) => g.views)),
	);
	const viewsJob = (id: string) => `views <${id}>`;
	const usedWalks = new Set([...usedViews].flatMap((id) => preset.views[id].trainedWalks ?? []));
	for (const id of usedWalks) {
		const spec = preset.walks?.[id];
		if (!spec) throw new GenrepError(`preset ${preset.name}: views use walks '${id}', which the preset does not train`);
		jobs.push(makeWalksJob(id, spec, out, options));
	}
	for (const id of usedViews) {
		const spec = preset.views[id];
		const dir = join(out, "views", id);
		const walks = spec.trainedWalks;
		jobs.push({
			id: viewsJob(id),
			kind: "views",
			needs: walks !== undefined ? [walksJobId(walks)] : [],
			weight: (spec.anchors * (spec.neighbors + 1)) / VIEWS_IMAGES_PER_STEP,
			done: async () => isCompleteViews(dir),
			run: async () => {
				const { generateMultiviewDataset } = await import("../store/multiview.js");
				await generateMultiviewDataset({
					generator: spec.generator,
					view: spec.view,
					viewOptions: walks !== undefined ? { ...spec.viewOptions, walks: walksDir(out, walks) } : spec.viewOptions,
					anchors: spec.anchors,
					neighbors: spec.neighbors,
					seed: spec.seed,
					out: dir,
				});
			},
		});
	}
	for (const cell of preset.cells) {
		for (const seed of seeds) {
			const dir = runDir(out, cell.id, seed);
			const metrics = join(dir, "metrics.json");
			const views = "views" in cell.data ? cell.data.views : null;
			const { train: trainId, eval: evalId } = cellJobIds(cell, seed);
			const encoderName = cell.encoder ?? preset.encoder;
			const trained = cell.data.kind !== "baseline";
			if (trained) {
				const steps = cell.steps ?? preset.steps;
				jobs.push({
					id: trainId,
					kind: "train",
					needs: views !== null ? [viewsJob(views)] : [],
					weight: steps,
					done: async () =>
						isCompleteRun(dir, {
							method: cell.method ?? "simclr",
							encoder: encoderName,
							batchSize: cell.batchSize ?? preset.batchSize,
							steps,
							seed,
							...cellRecipe(preset, cell),
						}),
					run: () => trainCell(preset, cell, seed, dir, out, options),
				});
			}
			jobs.push({
				id: evalId,
				kind: "eval",
				needs: trained ? [trainId] : [],
				weight: EVAL_WEIGHT,
				done: async () => isCurrentEval(metrics, trained ? dir : null),
				run: async () => {
					const { evaluateRepresentation } = await import("../evaluation/representation/evaluate.js");
					const encoder =
						cell.data.kind === "baseline"
							? cell.data.baseline === "pixels"
								? "pixels"
								: `random:${encoderName}`
							: dir;
					await mkdir(dir, { recursive: true });
					await evaluateRepresentation({
						encoder,
						dataset: preset.dataset,
						transfer: preset.transfer,
						dataDir: options.dataDir,
						seed,
						trainLimit: preset.evalTrainLimit,
						testLimit: preset.evalTestLimit,
						out: metrics,
					});
				},
			});
		}
	}
	return jobs;
}

export async function isCompleteViews(dir: string): Promise<boolean> {
	try {
		const manifest = JSON.parse(await readFile(join(dir, "manifest.json"), "utf8"));
		return manifest.shards.every((s: { sha256: string | null }) => s.sha256 !== null);
	} catch {
		return false;
	}
}

/**
 * A metrics.json counts as done while it measured what is on disk now: for a trained cell, the
 * encoder weights whose sha256 it recorded (a resumed or retrained run changes them). A finished
 * run without its weights file is a published one (scripts/publish-results.sh keeps the card,
 * config and metrics, not the weights): nothing on disk can have changed since it was measured,
 * so its metrics stand, and a later session continues a preset from the published folder.
 */
async function isCurrentEval(metricsPath: string, runDir: string | null): Promise<boolean> {
	if (!existsSync(metricsPath)) return false;
	if (runDir === null) return true;
	try {
		const recorded = JSON.parse(await readFile(metricsPath, "utf8"))?.encoder?.weightsSha256;
		if (typeof recorded !== "string") return false;
		if (!existsSync(join(runDir, ENCODER_WEIGHTS)))
			return JSON.parse(await readFile(join(runDir, "encoder.json"), "utf8")).complete === true;
		return recorded === (await encoderWeightsSha256(runDir));
	} catch {
		return false;
	}
}

/**
 * A training run counts as done when its encoder is complete (with its weights, or measured
 * and published without them) and its config is the one the preset asks for now; a run made
 * for other settings is not skipped (its resume then refuses the changed config, and the job
 * fails with the trainer's message instead of reporting it).
 */
async function isCompleteRun(dir: string, expected: Record<string, unknown>): Promise<boolean> {
	try {
		if (JSON.parse(await readFile(join(dir, "encoder.json"), "utf8")).complete !== true) return false;
		// A published run (no weights) stands only with its measurement; without one it is trained again.
		if (!existsSync(join(dir, ENCODER_WEIGHTS)) && !existsSync(join(dir, "metrics.json"))) return false;
		const config = JSON.parse(await readFile(join(dir, "config.json"), "utf8"));
		return Object.entries(expected).every(([key, value]) => config[key] === value);
	} catch {
		return false;
	}
}

/** A cell's learning rate and temperature: its own, else the preset's protocol; absent keys mean the trainer's defaults. */
export function cellRecipe(preset: PresetSpec, cell: CellSpec): { lr?: number; temperature?: number } {
	const lr = cell.lr ?? preset.lr;
	const temperature = cell.temperature ?? preset.temperature;
	return { ...(lr !== undefined ? { lr } : {}), ...(temperature !== undefined ? { temperature } : {}) };
}

async function trainCell(
	preset: PresetSpec,
	cell: CellSpec,
	seed: number,
	dir: string,
	out: string,
	options: JobContext,
): Promise<{ cpuSeconds: number }> {
	const { trainRepresentation } = await import("../learners/trainer.js");
	const resume = existsSync(join(dir, "checkpoint.safetensors"));
	if (!resume) await rm(dir, { recursive: true, force: true }); // a run killed before its first checkpoint
	const result = await trainRepresentation({
		method: cell.method ?? "simclr",
		encoder: cell.encoder ?? preset.encoder,
		...cellRecipe(preset, cell),
		data: cellSource(preset, cell, out, options.dataDir),
		pixelViews: cell.pixelViews ?? true,
		steps: cell.steps ?? preset.steps,
		batchSize: cell.batchSize ?? preset.batchSize,
		precision: preset.precision ?? "fp32",
		seed,
		out: dir,
		resume,
		progress: "none",
		signal: options.signal,
		command: options.command,
	});
	if (options.signal?.aborted) throw new GenrepError("interrupted; run the same command again to continue");
	return { cpuSeconds: result.cpuSeconds };
}

function cellSource(preset: PresetSpec, cell: CellSpec, out: string, dataDir?: string): DataSourceOptions {
	const d = cell.data;
	switch (d.kind) {
		case "real":
			return { kind: "real", dataset: preset.dataset, dataDir, limit: preset.realLimit };
		case "views":
			return { kind: "stored", dir: join(out, "views", d.views), latentViews: d.latentViews, neighbors: d.neighbors };
		case "live":
			return { kind: "live", generator: d.generator, view: d.view, neighbors: d.neighbors };
		case "mixed":
			return {
				kind: "mixed",
				dataset: preset.dataset,
				dataDir,
				limit: preset.realLimit,
				generated: join(out, "views", d.views),
				fraction: d.fraction,
			};
		case "baseline":
			throw new Error("baselines are not trained");
	}
}
