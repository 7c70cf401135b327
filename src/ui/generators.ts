/**
 * The generators the explorer may load: the shipped ones (by name, from the generators
 * registry) and model folders (a model.json beside the weights, tfjs or ONNX) under the
 * `--models` roots. Loaded generators are kept in a small LRU cache and loaded with the
 * library's loadGenerator, the same call the CLI makes.
 */
import { existsSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import { join, relative } from "node:path";
import type { Generator } from "../generators/generator.js";
import { loadGenerator } from "../generators/load.js";
import { isShippedGenerator, modelsDir, SHIPPED_GENERATORS } from "../generators/registry.js";
import { SHIPPED_WALKS_FOLDER, SteeringWalks, WALKS_CARD } from "../views/steer/walks.js";
import { badRequest, HttpError } from "./httpError.js";
import { UI_LIMITS } from "./limits.js";
import { confinedPath, pickRoot, type Root } from "./paths.js";
import type { Params } from "./query.js";

/** Which generator a request means. */
export type GeneratorRef = { kind: "shipped"; name: string } | { kind: "folder"; root: number; dir: string };

export interface GeneratorEntry {
	/** What requests pass back: a shipped name, or `<root>:<dir>`. */
	key: string;
	label: string;
	shipped: boolean;
	root?: number;
	dir?: string;
}

/** A loaded generator with what the explorer shows about it. */
export interface LoadedGenerator {
	key: string;
	/** What `genrep ... --generator` takes for it: the shipped name, or the folder's absolute path. */
	cliName: string;
	generator: Generator;
	walks: SteeringWalks | null;
	/** What `--walks` takes for those walks. */
	walksCliName: string | null;
}

/** Reads `generator` (shipped name) or `root` + `dir` (a model folder under a --models root). */
export function generatorRef(params: Params): GeneratorRef {
	const name = params.generator;
	if (name !== undefined && name !== "") {
		if (!isShippedGenerator(name)) {
			throw badRequest(
				`unknown generator ${JSON.stringify(name.slice(0, 60))}: shipped ones are ${Object.keys(SHIPPED_GENERATORS).join(", ")}; name a folder with root and dir`,
			);
		}
		return { kind: "shipped", name };
	}
	if (params.dir === undefined)
		throw badRequest("name a generator: generator=<shipped name>, or root=<i>&dir=<folder>");
	return { kind: "folder", root: Number(params.root ?? "NaN"), dir: params.dir };
}

export class GeneratorCache {
	private readonly loaded = new Map<string, Promise<LoadedGenerator>>();

	constructor(readonly roots: readonly Root[]) {}

	/** Loads (or returns the cached) generator; the oldest one is disposed past the cache size. */
	async get(ref: GeneratorRef): Promise<LoadedGenerator> {
		const { key, spec } = this.locate(ref);
		let entry = this.loaded.get(key);
		if (entry) {
			this.loaded.delete(key);
			this.loaded.set(key, entry);
			return entry;
		}
		entry = this.load(key, spec, ref);
		this.loaded.set(key, entry);
		entry.catch(() => this.loaded.delete(key));
		while (this.loaded.size > UI_LIMITS.cachedGenerators) {
			const [oldKey, old] = this.loaded.entries().next().value as [string, Promise<LoadedGenerator>];
			this.loaded.delete(oldKey);
			old.then((g) => g.generator.dispose()).catch(() => {});
		}
		return entry;
	}

	/** Key and loadGenerator argument; a folder is confined to its root first. */
	private locate(ref: GeneratorRef): { key: string; spec: string } {
		if (ref.kind === "shipped") return { key: ref.name, spec: ref.name };
		const root = pickRoot(this.roots, String(ref.root), "models");
		const dir = confinedPath(root, ref.dir);
		if (!existsSync(join(dir, "model.json"))) {
			throw new HttpError(
				422,
				`${ref.dir}: no model.json in this folder (a generator folder holds model.json and its weights)`,
			);
		}
		return { key: dir, spec: dir };
	}

	private async load(key: string, spec: string, ref: GeneratorRef): Promise<LoadedGenerator> {
		const generator = await loadGenerator(spec);
		const [h, w, c] = generator.imageShape;
		if (h * w * c > UI_LIMITS.maxImageValues) {
			generator.dispose();
			throw new HttpError(
				413,
				`${spec}: images of ${h}x${w}x${c} are larger than the explorer draws (${UI_LIMITS.maxImageValues} values, e.g. 256x256x3)`,
			);
		}
		let walksSpec: string | null = null;
		if (ref.kind === "shipped") {
			if (existsSync(join(modelsDir(), ref.name, SHIPPED_WALKS_FOLDER, WALKS_CARD))) walksSpec = ref.name;
		} else if (existsSync(join(spec, SHIPPED_WALKS_FOLDER, WALKS_CARD))) {
			walksSpec = join(spec, SHIPPED_WALKS_FOLDER);
		}
		const walks = walksSpec !== null ? SteeringWalks.load(walksSpec) : null;
		return { key, cliName: spec, generator, walks, walksCliName: walks ? walksSpec : null };
	}

	dispose(): void {
		for (const entry of this.loaded.values()) entry.then((g) => g.generator.dispose()).catch(() => {});
		this.loaded.clear();
	}
}

/** The shipped generators and every model folder (holding model.json) under the --models roots. */
export async function listGenerators(roots: readonly Root[]): Promise<GeneratorEntry[]> {
	const out: GeneratorEntry[] = Object.entries(SHIPPED_GENERATORS).map(([name, g]) => ({
		key: name,
		label: `${name}: ${g.description}`,
		shipped: true,
	}));
	let seen = 0;
	const walk = async (root: Root, dir: string, depth: number): Promise<void> => {
		if (depth > UI_LIMITS.maxScanDepth || seen > UI_LIMITS.maxScanEntries) return;
		const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
		seen += entries.length;
		if (entries.some((e) => e.isFile() && e.name === "model.json")) {
			const rel = relative(root.real, dir).split("\\").join("/");
			const card = await readFile(join(dir, "model.json"), "utf8").catch(() => "");
			if (/"format"\s*:\s*"genrep-generator\/1"/.test(card)) {
				out.push({
					key: `${root.index}:${rel}`,
					label: `${root.given}/${rel || "."}`,
					shipped: false,
					root: root.index,
					dir: rel,
				});
			}
		}
		for (const e of entries) {
			if (e.isDirectory() && !e.name.startsWith(".") && e.name !== "node_modules")
				await walk(root, join(dir, e.name), depth + 1);
		}
	};
	for (const root of roots) await walk(root, root.real, 0);
	return out;
}
