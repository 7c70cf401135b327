/**
 * Seeded, class-balanced choices of rows from a labelled split: subsets for quick runs
 * (`trainLimit`), the labelled draws of low-shot probes, and the validation split that
 * chooses a probe's weight decay. Every function returns row indices in ascending order and
 * depends only on (labels, sizes, the Rng's seed).
 */
import type { Rng } from "../../engine/rng.js";
import { GenrepError } from "../../errors.js";

/** Row indices of each class, in ascending order: [class][k] -> row. */
export function rowsByClass(labels: ArrayLike<number>, numClasses: number): number[][] {
	const rows: number[][] = Array.from({ length: numClasses }, () => []);
	for (let i = 0; i < labels.length; i++) {
		const c = labels[i];
		if (!(c >= 0 && c < numClasses)) throw new RangeError(`label ${c} at row ${i} is outside 0..${numClasses - 1}`);
		rows[c].push(i);
	}
	return rows;
}

/**
 * How many of `total` rows each class gets when they are spread as evenly as the class sizes
 * allow: every class gets the same share, classes with fewer rows give all they have, and the
 * remainder goes to the lowest class indices.
 */
export function balancedCounts(classSizes: number[], total: number): number[] {
	const counts = classSizes.map(() => 0);
	let left = Math.min(
		total,
		classSizes.reduce((a, b) => a + b, 0),
	);
	while (left > 0) {
		const open = classSizes.map((_, c) => c).filter((c) => counts[c] < classSizes[c]);
		const share = Math.max(1, Math.floor(left / open.length));
		for (const c of open) {
			const add = Math.min(share, classSizes[c] - counts[c], left);
			counts[c] += add;
			left -= add;
			if (left === 0) break;
		}
	}
	return counts;
}

/** `total` rows, balanced over classes (see balancedCounts), drawn without replacement. */
export function balancedSubset(labels: ArrayLike<number>, numClasses: number, total: number, rng: Rng): Int32Array {
	if (!Number.isInteger(total) || total < 1)
		throw new GenrepError(`subset size must be a positive integer, got ${total}`);
	const byClass = rowsByClass(labels, numClasses);
	const counts = balancedCounts(
		byClass.map((rows) => rows.length),
		total,
	);
	return pickPerClass(byClass, counts, rng);
}

/**
 * Exactly `perClass` rows of every class, drawn without replacement (low-shot probes). A class
 * with fewer rows is an error that names it.
 */
export function perClassSample(
	labels: ArrayLike<number>,
	numClasses: number,
	perClass: number,
	rng: Rng,
	classNames?: string[],
): Int32Array {
	if (!Number.isInteger(perClass) || perClass < 1) {
		throw new GenrepError(`images per class must be a positive integer, got ${perClass}`);
	}
	const byClass = rowsByClass(labels, numClasses);
	byClass.forEach((rows, c) => {
		if (rows.length < perClass) {
			throw new GenrepError(
				`class ${classNames?.[c] ?? c} has ${rows.length} training images, fewer than the ${perClass} per class asked for; raise the train limit or lower the shot count`,
			);
		}
	});
	return pickPerClass(
		byClass,
		byClass.map(() => perClass),
		rng,
	);
}

/**
 * Splits rows into a fitting part and a validation part holding `fraction` of each class
 * (rounded, at least one row of every class with two or more rows, never all of a class).
 */
export function stratifiedSplit(
	labels: ArrayLike<number>,
	numClasses: number,
	fraction: number,
	rng: Rng,
): { fit: Int32Array; validation: Int32Array } {
	if (!(fraction > 0 && fraction < 1)) throw new GenrepError(`validation fraction must be in (0, 1), got ${fraction}`);
	const byClass = rowsByClass(labels, numClasses);
	const counts = byClass.map((rows) =>
		rows.length < 2 ? 0 : Math.min(rows.length - 1, Math.max(1, Math.round(fraction * rows.length))),
	);
	const validation = pickPerClass(byClass, counts, rng);
	const held = new Uint8Array(labels.length);
	for (const row of validation) held[row] = 1;
	const fit = new Int32Array(labels.length - validation.length);
	let j = 0;
	for (let i = 0; i < labels.length; i++) if (!held[i]) fit[j++] = i;
	return { fit, validation };
}

/** counts[c] rows of class c, each class from its own fork of `rng`; ascending. */
function pickPerClass(byClass: number[][], counts: number[], rng: Rng): Int32Array {
	const picked: number[] = [];
	byClass.forEach((rows, c) => {
		if (counts[c] === 0) return;
		const order = rng.fork(`class-${c}`).permutation(rows.length);
		for (let k = 0; k < counts[c]; k++) picked.push(rows[order[k]]);
	});
	return Int32Array.from(picked).sort();
}
