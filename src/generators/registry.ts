/**
 * The generators that ship with genrep, found by name under `<package root>/models/<name>`,
 * and the rule that turns `--generator <name|dir>` into a model directory.
 */
import { existsSync, statSync } from "node:fs";
import { isAbsolute, join, resolve } from "node:path";
import { packageRoot } from "../engine/packageRoot.js";
import { GenrepError } from "../errors.js";

/** Shipped generators by name (each is a directory under models/ with a model card). */
export const SHIPPED_GENERATORS = {
	"fashion-mnist-cgan": {
		description: "class-conditional DCGAN trained on Fashion-MNIST (10 classes, 32x32x1)",
	},
	"fashion-mnist-gan": {
		description: "unconditional DCGAN trained on Fashion-MNIST (32x32x1)",
	},
	// The generator-quality ladder (scripts/train-generator-ladder.sh): the same two trainings stopped early.
	"fashion-mnist-cgan-step500": { description: "fashion-mnist-cgan's training stopped after 500 of 8000 steps" },
	"fashion-mnist-cgan-step1000": { description: "fashion-mnist-cgan's training stopped after 1000 of 8000 steps" },
	"fashion-mnist-cgan-step2000": { description: "fashion-mnist-cgan's training stopped after 2000 of 8000 steps" },
	"fashion-mnist-gan-step500": { description: "fashion-mnist-gan's training stopped after 500 of 8000 steps" },
	"fashion-mnist-gan-step1000": { description: "fashion-mnist-gan's training stopped after 1000 of 8000 steps" },
	"fashion-mnist-gan-step2000": { description: "fashion-mnist-gan's training stopped after 2000 of 8000 steps" },
} as const satisfies Record<string, { description: string }>;

export type ShippedGeneratorName = keyof typeof SHIPPED_GENERATORS;

/** Folder of the shipped models. */
export const modelsDir = (): string => join(packageRoot(), "models");

export const isShippedGenerator = (name: string): name is ShippedGeneratorName =>
	Object.hasOwn(SHIPPED_GENERATORS, name);

/** Where a generator lives: a shipped model's name resolves to models/<name>; anything else is a directory path. */
export interface ResolvedGeneratorLocation {
	/** The name for a shipped model, else the path as given. */
	id: string;
	dir: string;
	shipped: boolean;
}

/**
 * Resolves `--generator <name|dir>`: a shipped name (that is not also a path the user means,
 * e.g. "./fashion-mnist-cgan") to models/<name>, anything else to that directory.
 */
export function resolveGenerator(nameOrDir: string): ResolvedGeneratorLocation {
	if (nameOrDir === "") throw new GenrepError("no generator given: pass a shipped model name or a model directory");
	const looksLikePath = isAbsolute(nameOrDir) || /[\\/]/.test(nameOrDir) || nameOrDir.startsWith(".");
	if (!looksLikePath && isShippedGenerator(nameOrDir)) {
		const dir = join(modelsDir(), nameOrDir);
		if (!existsSync(join(dir, "model.json"))) {
			throw new GenrepError(
				`shipped generator '${nameOrDir}' is not installed: ${join(dir, "model.json")} does not exist (reinstall genrep, or pass a model directory)`,
			);
		}
		return { id: nameOrDir, dir, shipped: true };
	}
	const dir = resolve(nameOrDir);
	if (!existsSync(dir)) {
		const names = Object.keys(SHIPPED_GENERATORS).join(", ");
		throw new GenrepError(
			looksLikePath
				? `${nameOrDir}: no such model directory`
				: `unknown generator '${nameOrDir}': not a shipped model (${names}) and no such directory`,
		);
	}
	if (!statSync(dir).isDirectory()) {
		throw new GenrepError(`${nameOrDir}: not a directory (pass the folder that holds model.json)`);
	}
	return { id: nameOrDir, dir, shipped: false };
}
