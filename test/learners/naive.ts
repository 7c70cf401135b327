/**
 * Loop-by-loop float64 implementations of the objectives' formulas, written from the papers
 * and independent of the tensor code: the reference the tests compare against.
 */

type Matrix = number[][];

const dot = (a: number[], b: number[]) => a.reduce((s, v, i) => s + v * b[i], 0);
const normalize = (a: number[]) => {
	const norm = Math.sqrt(dot(a, a));
	return a.map((v) => v / norm);
};
const cosine = (a: number[], b: number[]) => dot(normalize(a), normalize(b));

/** Rows of a flat array with `cols` columns. */
export function rows(values: ArrayLike<number>, cols: number): Matrix {
	const out: Matrix = [];
	for (let i = 0; i < values.length; i += cols) out.push(Array.from(values).slice(i, i + cols));
	return out;
}

/**
 * SimCLR's NT-Xent: views 2k-1 and 2k of the paper are z1[k] and z2[k];
 * l(i, j) = -log( exp(s_ij / tau) / sum_{k != i} exp(s_ik / tau) ); L = 1/2N sum_k [l(2k-1, 2k) + l(2k, 2k-1)].
 */
export function naiveNtXent(z1: Matrix, z2: Matrix, tau: number): number {
	const views: Matrix = [];
	for (let k = 0; k < z1.length; k++) views.push(z1[k], z2[k]);
	const l = (i: number, j: number) => {
		let denominator = 0;
		for (let k = 0; k < views.length; k++) if (k !== i) denominator += Math.exp(cosine(views[i], views[k]) / tau);
		return -Math.log(Math.exp(cosine(views[i], views[j]) / tau) / denominator);
	};
	let total = 0;
	for (let k = 0; k < z1.length; k++) total += l(2 * k, 2 * k + 1) + l(2 * k + 1, 2 * k);
	return total / (2 * z1.length);
}

/**
 * Khosla et al.'s L_out over features[n][v] (a vector); labels null = each sample its own class.
 * Anchors without positives are skipped; the mean is over the anchors that have one.
 */
export function naiveSupCon(features: Matrix[], labels: number[] | null, tau: number): number {
	const anchors: { vector: number[]; label: number }[] = [];
	features.forEach((viewsOfSample, n) => {
		for (const vector of viewsOfSample) anchors.push({ vector, label: labels ? labels[n] : n });
	});
	let total = 0;
	let counted = 0;
	for (let i = 0; i < anchors.length; i++) {
		let denominator = 0;
		for (let a = 0; a < anchors.length; a++) {
			if (a !== i) denominator += Math.exp(cosine(anchors[i].vector, anchors[a].vector) / tau);
		}
		let sum = 0;
		let positives = 0;
		for (let p = 0; p < anchors.length; p++) {
			if (p === i || anchors[p].label !== anchors[i].label) continue;
			sum += Math.log(Math.exp(cosine(anchors[i].vector, anchors[p].vector) / tau) / denominator);
			positives++;
		}
		if (positives === 0) continue;
		total += (-1 / positives) * sum;
		counted++;
	}
	return counted === 0 ? 0 : total / counted;
}

/**
 * The multi-positive loss (StableRep) as a cross-entropy between distributions: row i's target
 * p_i is uniform over the other rows of its group, q_i the softmax of s_ij / tau over j != i;
 * L = mean over rows with a positive of -sum_j p_ij log q_ij.
 */
export function naiveMultiPositive(embeddings: Matrix, groups: number[], tau: number): number {
	let total = 0;
	let counted = 0;
	for (let i = 0; i < embeddings.length; i++) {
		const others = embeddings.map((_, j) => j).filter((j) => j !== i);
		const positives = others.filter((j) => groups[j] === groups[i]);
		if (positives.length === 0) continue;
		const exps = others.map((j) => Math.exp(cosine(embeddings[i], embeddings[j]) / tau));
		const partition = exps.reduce((s, v) => s + v, 0);
		let crossEntropy = 0;
		others.forEach((j, k) => {
			const target = groups[j] === groups[i] ? 1 / positives.length : 0;
			const q = exps[k] / partition;
			if (target > 0) crossEntropy -= target * Math.log(q);
		});
		total += crossEntropy;
		counted++;
	}
	return counted === 0 ? 0 : total / counted;
}

/** Khosla et al.'s L_in (log outside the mean over positives), for the comparison with L_out. */
export function naiveSupConIn(features: Matrix[], labels: number[], tau: number): number {
	const rowsOf = features.flatMap((viewsOfSample, n) => viewsOfSample.map((vector) => ({ vector, label: labels[n] })));
	let total = 0;
	let counted = 0;
	rowsOf.forEach((row, i) => {
		let denominator = 0;
		let positive = 0;
		let positives = 0;
		rowsOf.forEach((other, a) => {
			if (a === i) return;
			const e = Math.exp(cosine(row.vector, other.vector) / tau);
			denominator += e;
			if (other.label === row.label) {
				positive += e;
				positives++;
			}
		});
		if (positives === 0) return;
		total += -Math.log(positive / positives / denominator);
		counted++;
	});
	return counted === 0 ? 0 : total / counted;
}

/** Mean over the batch of -log softmax(logits[n])[y[n]]. */
export function naiveCrossEntropy(logits: Matrix, y: number[]): number {
	let total = 0;
	for (let n = 0; n < logits.length; n++) {
		const sumExp = logits[n].reduce((s, v) => s + Math.exp(v), 0);
		total += -Math.log(Math.exp(logits[n][y[n]]) / sumExp);
	}
	return total / logits.length;
}

/** Mean squared error over every element, plus cross-entropy when logits and y are given. */
export function naiveInverter(predZ: Matrix, z: Matrix, logits?: Matrix, y?: number[]): number {
	let total = 0;
	let count = 0;
	for (let n = 0; n < z.length; n++) {
		for (let j = 0; j < z[n].length; j++) {
			total += (predZ[n][j] - z[n][j]) ** 2;
			count++;
		}
	}
	return total / count + (logits && y ? naiveCrossEntropy(logits, y) : 0);
}

/** Central finite differences of f at x (float64): df/dx_i for every i. */
export function finiteDifferences(f: (x: number[]) => number, x: number[], h = 1e-5): number[] {
	return x.map((_, i) => {
		const plus = x.slice();
		const minus = x.slice();
		plus[i] += h;
		minus[i] -= h;
		return (f(plus) - f(minus)) / (2 * h);
	});
}
