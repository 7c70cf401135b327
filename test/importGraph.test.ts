/**
 * The import graph of src/ against the layer order of the design notes (Layout): a module may
 * import its own layer and the layers below it, never one above. src/errors.ts sits under every
 * layer, src/index.ts (the public API) over all of them, and nothing imports it.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { describe, expect, it } from "vitest";

/** Bottom first: file formats, then the folders of the method in the order they build on each other. */
const LAYERS = [
	"formats",
	"engine",
	"data",
	"generators",
	"views",
	"store",
	"learners",
	"evaluation",
	"experiments",
	"ui",
	"cli",
] as const;

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), "../src");

/** Rank of a module path relative to src/: errors.ts -1, a layer's files its index, index.ts the top. */
function rank(path: string): number {
	if (path === "errors.ts") return -1;
	if (path === "index.ts") return LAYERS.length;
	const layer = path.split("/")[0];
	const at = (LAYERS as readonly string[]).indexOf(layer);
	if (at < 0) throw new Error(`src/${path} is in no layer; add its folder to LAYERS (and to DESIGN.md's order)`);
	return at;
}

/** Imports that run against the layering, as "from -> to" lines (paths relative to src/). */
function violations(edges: readonly [string, string][]): string[] {
	return edges
		.filter(([from, to]) => rank(to) > rank(from) || to === "index.ts")
		.map(([from, to]) => `${from} -> ${to}`);
}

function sourceFiles(dir: string): string[] {
	return readdirSync(dir).flatMap((name) => {
		const path = join(dir, name);
		if (statSync(path).isDirectory()) return sourceFiles(path);
		return /\.tsx?$/.test(name) && !name.endsWith(".d.ts") ? [path] : [];
	});
}

/** Every relative import (static, dynamic, type-only and re-exports) of src/, as [from, to] module paths. */
function importEdges(): [string, string][] {
	const edges: [string, string][] = [];
	for (const file of sourceFiles(SRC)) {
		const { importedFiles } = ts.preProcessFile(readFileSync(file, "utf8"), true, true);
		for (const { fileName } of importedFiles) {
			if (!fileName.startsWith(".")) continue; // packages and node: builtins
			const target = resolve(dirname(file), fileName).replace(/\.js$/, ".ts");
			edges.push([relative(SRC, file), relative(SRC, target)]);
		}
	}
	return edges;
}

describe("import graph of src/", () => {
	it("flags an import that runs up the layering (the check can fail)", () => {
		expect(
			violations([
				["generators/checkpoint.ts", "formats/safetensors.ts"],
				["formats/safetensors.ts", "errors.ts"],
				["generators/checkpoint.ts", "store/multiview.ts"],
				["cli/main.ts", "index.ts"],
			]),
		).toEqual(["generators/checkpoint.ts -> store/multiview.ts", "cli/main.ts -> index.ts"]);
		expect(() => rank("plugins/x.ts")).toThrow("src/plugins/x.ts is in no layer");
	});

	it("has no import against the layer order", () => {
		const edges = importEdges();
		// The parse found the graph: hundreds of edges, across layers and into the formats layer.
		expect(edges.length).toBeGreaterThan(300);
		expect(edges.some(([from, to]) => from.startsWith("generators/") && to.startsWith("formats/"))).toBe(true);
		expect(edges.some(([, to]) => !existsTs(to))).toBe(false);
		expect(violations(edges)).toEqual([]);
	});

	it("keeps every folder of src/ in a layer", () => {
		const folders = readdirSync(SRC).filter((name) => statSync(join(SRC, name)).isDirectory());
		expect(folders.sort()).toEqual([...LAYERS].sort());
	});
});

function existsTs(path: string): boolean {
	try {
		return statSync(join(SRC, path)).isFile();
	} catch {
		return false;
	}
}
