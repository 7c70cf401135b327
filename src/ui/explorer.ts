/**
 * The latent explorer's server side: anchors beside their views as a PNG, the measured pixel
 * distances, and the `genrep views generate` command for the same settings. Everything is
 * drawn by the library: the multiview sampler (sampleMultiviewBlock) with a latent view from
 * the registry (createLatentView), steering walks (SteeringWalks.offset), the SimCLR pixel
 * views (SimclrAugment) and the grid writer (gridToPng). Block 0 of the sampler with `anchors`
 * anchors is exactly shard 0 of `genrep views generate` with the same flags.
 */

import { Rng } from "../engine/rng.js";
import { gridToPng } from "../formats/grid.js";
import { generateOnHost } from "../generators/sampling.js";
import { createLatentView } from "../views/latent/registry.js";
import { sampleMultiviewBlock, toUint8 } from "../views/multiviewSampler.js";
import { SimclrAugment } from "../views/pixel/simclrAugment.js";
import type { LoadedGenerator } from "./generators.js";
import { badRequest, HttpError } from "./httpError.js";
import { UI_LIMITS } from "./limits.js";
import { booleanParam, choiceParam, intParam, numberParam, type Params } from "./query.js";

export const EXPLORER_VIEWS = ["none", "gaussian", "steer", "independent"] as const;
export type ExplorerViewKind = (typeof EXPLORER_VIEWS)[number];

/** One explorer request, validated against the generator. */
export interface ResolvedViewsRequest {
	view: ExplorerViewKind;
	seed: number;
	truncation: number;
	/** The anchors' class (conditional generators), or null for all classes as the sampler draws them. */
	classIndex: number | null;
	sigma: number;
	alphaScale: number;
	/** Steer: one alpha per walk for the slider column, or null for none. */
	alphas: Record<string, number> | null;
	anchors: number;
	neighbors: number;
	pixelViews: boolean;
}

/** Reads and checks an explorer request (errors name the parameter and the bad value). */
export function resolveViewsRequest(params: Params, g: LoadedGenerator): ResolvedViewsRequest {
	const { generator, walks } = g;
	const view = choiceParam(params, "view", EXPLORER_VIEWS, "gaussian");
	if (view === "independent" && generator.numClasses === 0) {
		throw badRequest(`view independent needs a class-conditional generator; ${g.key} is unconditional`);
	}
	if (view === "steer" && !walks) {
		throw badRequest(`view steer needs steering walks: ${g.key} has none (train them with genrep steer train)`);
	}
	const anchors = intParam(params, "anchors", 1, UI_LIMITS.maxAnchors, 4);
	const neighbors = intParam(params, "neighbors", 1, UI_LIMITS.maxNeighbors, 6);
	let classIndex: number | null = null;
	const cls = params.class;
	if (cls !== undefined && cls !== "" && cls !== "all") {
		if (generator.numClasses === 0) throw badRequest(`class: ${g.key} is unconditional; leave the class out`);
		classIndex = intParam(params, "class", 0, generator.numClasses - 1);
	}
	let alphas: Record<string, number> | null = null;
	if (view === "steer" && walks) {
		alphas = {};
		for (const w of walks.card.walks) {
			const [lo, hi] = w.alphaRange;
			alphas[w.edit] = numberParam(params, `alpha.${w.edit}`, lo, hi, w.identity);
		}
	}
	const unknown = Object.keys(params).find(
		(k) => k.startsWith("alpha.") && !(alphas && Object.hasOwn(alphas, k.slice("alpha.".length))),
	);
	if (unknown)
		throw badRequest(
			`${unknown}: no such walk${walks ? ` (walks: ${walks.card.walks.map((w) => w.edit).join(", ")})` : ""}`,
		);
	const request: ResolvedViewsRequest = {
		view,
		seed: intParam(params, "seed", 0, 0xffffffff, 0),
		truncation: numberParam(params, "truncation", 0.05, 4, generator.defaultTruncation),
		classIndex,
		sigma: numberParam(params, "sigma", 0.001, 8, 0.5),
		alphaScale: numberParam(params, "alphaScale", 0.01, 1, 1),
		alphas,
		anchors,
		neighbors,
		pixelViews: booleanParam(params, "tx", false),
	};
	if (imagesOf(request) > UI_LIMITS.maxImages) {
		throw new HttpError(
			413,
			`anchors x views = ${imagesOf(request)} images, more than ${UI_LIMITS.maxImages} per request`,
		);
	}
	return request;
}

const imagesOf = (r: ResolvedViewsRequest) => r.anchors * (r.neighbors + 1 + (r.alphas ? 1 : 0));

function latentView(r: ResolvedViewsRequest, g: LoadedGenerator) {
	switch (r.view) {
		case "gaussian":
			return createLatentView("gaussian", { sigma: r.sigma });
		case "steer":
			return createLatentView("steer", { walks: g.walksCliName ?? undefined, alphaScale: r.alphaScale });
		default:
			return createLatentView(r.view);
	}
}

const samplerOptions = (r: ResolvedViewsRequest, neighbors: number) => ({
	neighbors,
	seed: r.seed,
	truncation: r.truncation,
	classes: r.classIndex === null ? undefined : [r.classIndex],
});

export interface ViewsImage {
	png: Buffer;
	width: number;
	height: number;
	/** Column titles, left to right. */
	columns: string[];
	/** Each row's class name, or null. */
	rowClasses: (string | null)[];
	command: string;
}

/** Anchors (column 0), the steer sliders' view when steering, and K views of each, as one PNG grid. */
export async function renderViews(g: LoadedGenerator, r: ResolvedViewsRequest): Promise<ViewsImage> {
	const generator = g.generator;
	const [h, w, c] = generator.imageShape;
	const size = h * w * c;
	const batch = await sampleMultiviewBlock(generator, latentView(r, g), 0, r.anchors, samplerOptions(r, r.neighbors));
	let slider: Uint8Array | null = null; // [N, H, W, C]
	if (r.alphas && g.walks) {
		const d = generator.latentDim;
		const offset = g.walks.offset(r.alphas); // [d]
		const z = new Float32Array(r.anchors * d); // [N, d]
		for (let i = 0; i < r.anchors; i++) {
			for (let j = 0; j < d; j++) z[i * d + j] = batch.z[i * batch.views * d + j] + offset[j];
		}
		slider = toUint8(await generateOnHost(generator, z, batch.y));
	}
	const columns = slider ? batch.views + 1 : batch.views;
	const images = new Uint8Array(r.anchors * columns * size); // [N, columns, H, W, C]
	for (let i = 0; i < r.anchors; i++) {
		const row = i * columns * size;
		const views = batch.images.subarray(i * batch.views * size, (i + 1) * batch.views * size); // [K+1, H, W, C]
		images.set(views.subarray(0, size), row);
		if (slider) images.set(slider.subarray(i * size, (i + 1) * size), row + size);
		images.set(views.subarray(size), row + (slider ? 2 : 1) * size);
	}
	const shown = r.pixelViews ? pixelViews(images, r.anchors * columns, generator.imageShape, r.seed) : images;
	const { png, width, height } = await gridToPng(shown, {
		count: r.anchors * columns,
		height: h,
		width: w,
		channels: c,
		columns,
		scale: Math.max(h, w) < 64 ? 3 : 1,
		padValue: 96,
	});
	const names = generator.classNames;
	return {
		png,
		width,
		height,
		columns: [
			r.pixelViews ? "anchor + T_x" : "anchor",
			...(slider ? ["sliders"] : []),
			...Array.from({ length: r.neighbors }, (_, j) => `view ${j + 1}`),
		],
		rowClasses: Array.from(batch.y ?? [], (y) => names[y] ?? String(y)),
		command: viewsCommand(g, r),
	};
}

/** SimCLR pixel views of every image (anchor included, as training applies them), drawn from the seed. */
function pixelViews(images: Uint8Array, n: number, shape: readonly [number, number, number], seed: number): Uint8Array {
	const unit = new SimclrAugment().apply(images, [n, ...shape], new Rng(seed).fork("ui-pixel-views")); // [n, H, W, C] in [0, 1]
	return Uint8Array.from(unit, (v) => Math.min(255, Math.max(0, Math.round(v * 255))));
}

/** The `genrep views generate` (and `views show`) command whose shard 0 holds exactly these anchors and views. */
export function viewsCommand(g: LoadedGenerator, r: ResolvedViewsRequest): string {
	const arg = (s: string) => (/^[\w./:=,@+-]+$/.test(s) ? s : `'${s.replaceAll("'", "'\\''")}'`);
	const parts = ["genrep views generate", `--generator ${arg(g.cliName)}`, `--view ${r.view}`];
	if (r.view === "gaussian") parts.push(`--sigma ${r.sigma}`);
	if (r.view === "steer") {
		parts.push(`--walks ${arg(g.walksCliName ?? "")}`);
		if (r.alphaScale !== 1) parts.push(`--alpha-scale ${r.alphaScale}`);
	}
	parts.push(
		`--anchors ${r.anchors}`,
		`--neighbors ${r.neighbors}`,
		`--seed ${r.seed}`,
		`--truncation ${r.truncation}`,
	);
	if (r.classIndex !== null) parts.push(`--classes ${r.classIndex}`);
	parts.push("--out views");
	const lines = [`${parts.join(" ")} && genrep views show --data views --out views.png`];
	if (r.view === "steer")
		lines.push("# the views draw one random alpha per walk; the sliders column is a preview with the alphas set above");
	lines.push(
		r.pixelViews
			? "# pixel views (T_x) are drawn at training time: genrep train applies them by default"
			: "# training on these without pixel views: genrep train ... --no-pixel-views",
	);
	return lines.join("\n");
}

export interface ViewDistances {
	view: ExplorerViewKind;
	sigma: number | null;
	/** Mean absolute pixel difference (pixels in [0, 1]) between an anchor and its view. */
	anchorToView: number;
	/** Same class, fresh z (conditional only). */
	sameClass: number | null;
	/** Two anchors of different classes (conditional only). */
	differentClass: number | null;
	/** Two independent samples (unconditional). */
	twoSamples: number | null;
	pairs: { anchorToView: number; reference: number };
}

const DISTANCE_ANCHORS = 32;
const DISTANCE_VIEWS = 4;

const meanAbs = (a: Uint8Array, b: Uint8Array): number => {
	let s = 0;
	for (let i = 0; i < a.length; i++) s += Math.abs(a[i] - b[i]);
	return s / a.length / 255;
};

/** Pixel distances anchor -> view for the request's view, against sample-to-sample distances. */
export async function measureDistances(
	g: LoadedGenerator,
	r: ResolvedViewsRequest,
	reference: (key: string, make: () => Promise<Reference>) => Promise<Reference>,
): Promise<ViewDistances> {
	const generator = g.generator;
	const size = generator.imageShape.reduce((a, b) => a * b, 1);
	const image = (images: Uint8Array, i: number) => images.subarray(i * size, (i + 1) * size);
	const batch = await sampleMultiviewBlock(
		generator,
		latentView(r, g),
		0,
		DISTANCE_ANCHORS,
		samplerOptions(r, DISTANCE_VIEWS),
	);
	let sum = 0;
	for (let i = 0; i < batch.count; i++) {
		for (let k = 1; k < batch.views; k++)
			sum += meanAbs(image(batch.images, i * batch.views), image(batch.images, i * batch.views + k));
	}
	const ref = await reference(`${g.key}|${r.truncation}|${r.seed}`, () => measureReference(g, r));
	return {
		view: r.view,
		sigma: r.view === "gaussian" ? r.sigma : null,
		anchorToView: sum / (batch.count * (batch.views - 1)),
		...ref.distances,
		pairs: { anchorToView: batch.count * (batch.views - 1), reference: ref.pairs },
	};
}

export interface Reference {
	distances: Pick<ViewDistances, "sameClass" | "differentClass" | "twoSamples">;
	pairs: number;
}

/** Sample-to-sample distances over all classes: same class (independent view), different classes, or any two. */
async function measureReference(g: LoadedGenerator, r: ResolvedViewsRequest): Promise<Reference> {
	const generator = g.generator;
	const size = generator.imageShape.reduce((a, b) => a * b, 1);
	const image = (images: Uint8Array, i: number) => images.subarray(i * size, (i + 1) * size);
	const options = { neighbors: DISTANCE_VIEWS, seed: r.seed, truncation: r.truncation };
	if (generator.numClasses === 0) {
		const batch = await sampleMultiviewBlock(generator, createLatentView("none"), 0, DISTANCE_ANCHORS, {
			...options,
			neighbors: 1,
		});
		let sum = 0;
		let pairs = 0;
		for (let i = 0; i < batch.count; i++) {
			for (let j = i + 1; j < batch.count; j++, pairs++)
				sum += meanAbs(image(batch.images, i * 2), image(batch.images, j * 2));
		}
		return { distances: { sameClass: null, differentClass: null, twoSamples: sum / pairs }, pairs };
	}
	const batch = await sampleMultiviewBlock(generator, createLatentView("independent"), 0, DISTANCE_ANCHORS, options);
	const v = batch.views;
	let same = 0;
	let sameCount = 0;
	for (let i = 0; i < batch.count; i++) {
		for (let k = 1; k < v; k++, sameCount++)
			same += meanAbs(image(batch.images, i * v), image(batch.images, i * v + k));
	}
	let diff = 0;
	let diffCount = 0;
	const y = batch.y as Int32Array;
	for (let i = 0; i < batch.count; i++) {
		for (let j = i + 1; j < batch.count; j++) {
			if (y[i] === y[j]) continue;
			diff += meanAbs(image(batch.images, i * v), image(batch.images, j * v));
			diffCount++;
		}
	}
	return {
		distances: {
			sameClass: same / sameCount,
			differentClass: diffCount > 0 ? diff / diffCount : null,
			twoSamples: null,
		},
		pairs: sameCount + diffCount,
	};
}
