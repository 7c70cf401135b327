/**
 * k-nearest-neighbour classification on frozen features (k = 20 by default), cosine
 * similarity: both splits' feature rows are L2-normalised and each test row's neighbours are
 * the k training rows of highest dot product (equal similarities: the lower training row
 * first). Vote: majority; a tie between classes goes to the class whose tied neighbours have
 * the higher summed similarity, then to the lower class index.
 */
import * as tf from "@tensorflow/tfjs-core";
import { GenrepError } from "../../errors.js";
import { checkSameFeatureDim, type FeatureSet } from "./features.js";

export interface KnnOptions {
	/** Neighbours that vote. */
	k?: number;
	/** Test rows per similarity block ([batch, train count] floats on the device at a time). */
	batchSize?: number;
}

export const KNN_DEFAULTS = { k: 20, batchSize: 256 } as const satisfies Required<KnnOptions>;

export interface KnnResult {
	/** Top-1 accuracy on the test split. */
	top1: number;
	k: number;
	similarity: "cosine";
	vote: "majority";
	predictions: Int32Array;
}

/** Rows scaled to unit L2 norm (all-zero rows stay zero). */
export function l2NormalizeRows(set: FeatureSet): Float32Array {
	const out = new Float32Array(set.features.length);
	for (let i = 0; i < set.count; i++) {
		const row = set.features.subarray(i * set.dim, (i + 1) * set.dim);
		let sum = 0;
		for (let d = 0; d < set.dim; d++) sum += row[d] * row[d];
		const inv = sum > 0 ? 1 / Math.sqrt(sum) : 0;
		for (let d = 0; d < set.dim; d++) out[i * set.dim + d] = row[d] * inv;
	}
	return out;
}

/**
 * The majority vote of one test row's neighbours (labels and similarities, best first);
 * ties as in the file comment.
 */
export function majorityVote(labels: ArrayLike<number>, similarities: ArrayLike<number>, numClasses: number): number {
	const votes = new Float64Array(numClasses);
	const weight = new Float64Array(numClasses);
	for (let j = 0; j < labels.length; j++) {
		votes[labels[j]]++;
		weight[labels[j]] += similarities[j];
	}
	let best = 0;
	for (let c = 1; c < numClasses; c++) {
		if (votes[c] > votes[best] || (votes[c] === votes[best] && weight[c] > weight[best])) best = c;
	}
	return best;
}

/** Classifies every test row by its k nearest training rows; see the file comment. */
export async function knnClassify(
	train: FeatureSet,
	test: FeatureSet,
	numClasses: number,
	options: KnnOptions = {},
): Promise<KnnResult> {
	const k = options.k ?? KNN_DEFAULTS.k;
	const batchSize = options.batchSize ?? KNN_DEFAULTS.batchSize;
	if (!Number.isInteger(k) || k < 1) throw new GenrepError(`k must be a positive integer, got ${k}`);
	if (!Number.isInteger(batchSize) || batchSize < 1) {
		throw new GenrepError(`kNN batch size must be a positive integer, got ${batchSize}`);
	}
	if (k > train.count) throw new GenrepError(`k (${k}) is larger than the ${train.count} training images`);
	checkSameFeatureDim(train, test);
	const bank = tf.tensor2d(l2NormalizeRows(train), [train.count, train.dim]); // [Ntrain, D]
	const queries = l2NormalizeRows(test);
	const predictions = new Int32Array(test.count);
	try {
		for (let start = 0; start < test.count; start += batchSize) {
			const b = Math.min(batchSize, test.count - start);
			const [values, indices] = tf.tidy(() => {
				const q = tf.tensor2d(queries.subarray(start * test.dim, (start + b) * test.dim), [b, test.dim]); // [b, D]
				const similarity = tf.matMul(q, bank, false, true); // [b, Ntrain]
				const top = tf.topk(similarity, k, true); // [b, k] each
				return [top.values, top.indices];
			});
			try {
				const [sims, rows] = await Promise.all([values.data(), indices.data()]);
				const labels = new Int32Array(k);
				for (let i = 0; i < b; i++) {
					for (let j = 0; j < k; j++) labels[j] = train.labels[rows[i * k + j]];
					predictions[start + i] = majorityVote(labels, sims.subarray(i * k, (i + 1) * k), numClasses);
				}
			} finally {
				tf.dispose([values, indices]);
			}
		}
	} finally {
		bank.dispose();
	}
	let correct = 0;
	for (let i = 0; i < test.count; i++) if (predictions[i] === test.labels[i]) correct++;
	return { top1: test.count > 0 ? correct / test.count : 0, k, similarity: "cosine", vote: "majority", predictions };
}
