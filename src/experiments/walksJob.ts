/**
 * The walks job of an experiment: trains the steering walks a steered views set needs
 * (`genrep steer train`, one walk per pixel edit) for a generator that has none, into
 * `<out>/walks/<id>/`, ahead of the views job that reads them. The folder appears only when
 * complete (trainSteeringWalks builds it beside its final name and renames it), so a folder
 * with a card is a finished job; a sitting killed mid-training leaves at most a temporary
 * beside it, which the next sitting removes before it trains again.
 *
 * The report names the walks: generator, how the gradient was had (autodiff or derivative-free)
 * and each walk's masked error against no walk on held-out latents, as the card measured it.
 */
import { existsSync } from "node:fs";
import { mkdir, readdir, readFile, rm } from "node:fs/promises";
import { basename, dirname, join, relative } from "node:path";
import { killPoint } from "../engine/killPoint.js";
import { GenrepError } from "../errors.js";
import type { Job, JobContext } from "./jobs.js";
import type { PresetSpec, WalksSpec } from "./preset.js";

export const walksDir = (out: string, id: string) => join(out, "walks", id);
export const walksJobId = (id: string) => `walks <${id}>`;

/**
 * Rough costs in training steps of resnet-tiny at batch 256 (0.15 s), for the ETA only: the
 * shipped walks took 887 s for 6 walks x 400 steps x 32 latents (11.5 ms per latent-step,
 * autodiff); measuring a walk generates images as views do (1500 per step).
 */
const LATENT_STEPS_PER_TRAIN_STEP = 13;
const VIEWS_IMAGES_PER_STEP = 1500;
/** trainSteeringWalks' default: all six pixel edits, each measured at 8 alphas. */
const EDITS = 6;
const EVAL_ALPHAS = 8;

/** What the experiment reads of a walks card (walks.json). */
interface WalksCardView {
	generator: { id: string };
	walks: { edit: string; maskedError: { withoutWalk: number; withWalk: number; reduction: number } }[];
	training: {
		stepsPerWalk: number;
		batchSize: number;
		seed: number;
		gradient?: { method?: string; description?: string };
	};
	evaluation: { samples: number };
}

export function makeWalksJob(id: string, spec: WalksSpec, out: string, context: JobContext): Job {
	const dir = walksDir(out, id);
	return {
		id: walksJobId(id),
		kind: "walks",
		needs: [],
		weight:
			EDITS *
			((spec.steps * spec.batchSize) / LATENT_STEPS_PER_TRAIN_STEP +
				(spec.evalSamples * EVAL_ALPHAS * 2) / VIEWS_IMAGES_PER_STEP),
		done: async () => {
			const card = await readWalksCard(dir);
			return card !== null && mismatch(card, spec) === null;
		},
		run: async () => {
			await removeTemporaries(dir);
			const card = await readWalksCard(dir);
			const differs = card && mismatch(card, spec);
			if (differs) {
				throw new GenrepError(
					`${dir} holds walks trained with ${differs}; use a new --out, or delete ${dir} and the views made from it`,
				);
			}
			await mkdir(dirname(dir), { recursive: true });
			const { trainSteeringWalks } = await import("../views/steer/trainSteeringWalks.js");
			await trainSteeringWalks({
				generator: spec.generator,
				out: dir,
				steps: spec.steps,
				batchSize: spec.batchSize,
				evalSamples: spec.evalSamples,
				gradient: spec.gradient,
				seed: spec.seed,
				command: context.command,
				progressEvery: 1,
				onProgress: () => {
					killPoint("experiment-walks-step");
					if (context.signal?.aborted) throw new GenrepError("interrupted; run the same command again to continue");
				},
			});
		},
	};
}

/** The walks card in `dir`, or null when the folder holds no finished walks. */
async function readWalksCard(dir: string): Promise<WalksCardView | null> {
	if (!existsSync(join(dir, "walks.safetensors"))) return null;
	try {
		const card = JSON.parse(await readFile(join(dir, "walks.json"), "utf8")) as WalksCardView;
		return Array.isArray(card?.walks) && typeof card.training?.stepsPerWalk === "number" ? card : null;
	} catch {
		return null;
	}
}

/** The first setting the card was trained with that the spec does not ask for (in words), or null. */
function mismatch(card: WalksCardView, spec: WalksSpec): string | null {
	const method = card.training.gradient?.method;
	const checks: [string, unknown, unknown][] = [
		["steps per walk", card.training.stepsPerWalk, spec.steps],
		["batch", card.training.batchSize, spec.batchSize],
		["seed", card.training.seed, spec.seed],
		["held-out latents", card.evaluation?.samples, spec.evalSamples],
		["gradient", method, spec.gradient === "auto" ? method : spec.gradient],
	];
	for (const [what, had, wanted] of checks) {
		if (had !== wanted) return `${what} ${String(had)}, but this run asks for ${String(wanted)}`;
	}
	return null;
}

/** Removes what a sitting killed while writing the walks left beside their folder (`<id>.tmp-<pid>`). */
async function removeTemporaries(dir: string): Promise<void> {
	const parent = dirname(dir);
	const names = await readdir(parent).catch(() => [] as string[]);
	for (const name of names) {
		if (name.startsWith(`${basename(dir)}.tmp-`)) await rm(join(parent, name), { recursive: true, force: true });
	}
}

/** One report note per walks set the preset trains: generator, gradient, each walk's measured error. */
export async function walksNotes(preset: PresetSpec, out: string): Promise<string[]> {
	const notes: string[] = [];
	for (const [id, spec] of Object.entries(preset.walks ?? {})) {
		const dir = walksDir(out, id);
		const card = await readWalksCard(dir);
		if (card === null || mismatch(card, spec) !== null) {
			notes.push(`Steering walks '${id}' for ${spec.generator} are not trained yet (job ${walksJobId(id)}).`);
			continue;
		}
		const g = card.training.gradient;
		const errors = card.walks.map(({ edit, maskedError: e }) => {
			const change = `${(100 * Math.abs(e.reduction)).toFixed(1)}% ${e.reduction >= 0 ? "lower" : "higher: no help"}`;
			return `${edit} ${significant(e.withoutWalk)} → ${significant(e.withWalk)} (${change})`;
		});
		notes.push(
			`Steering walks trained here for ${card.generator.id} (${relative(out, dir)}/walks.json, walks.png): gradient ` +
				`${g?.method ?? "?"}${g?.description ? ` (${g.description})` : ""}, ${card.training.stepsPerWalk} Adam steps per ` +
				`walk at batch ${card.training.batchSize}. Masked error without → with the walk on ` +
				`${card.evaluation.samples} held-out latents: ${errors.join(", ")}.`,
		);
	}
	return notes;
}

/** Three significant digits: masked errors of a near-flat generator are far below 0.001. */
const significant = (v: number) => String(Number(v.toPrecision(3)));
