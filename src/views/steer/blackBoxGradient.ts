/**
 * The derivative-free gradient of the walk objective, for generators without gradients (ONNX):
 * only calls of G, batched. For latent i with latent step s_i and edit target T_i,
 *
 *     l_i(w) = sum over defined pixels of (G(z_i + s_i w) - T_i)^2,   L(w) = sum_i l_i(w) / W
 *
 * (W = defined pixels x channels, the masked MSE of walk training), and along unit directions
 * v_ij (j = 1..Q) of its own
 *
 *     grad L(w) ~ (d / Q) sum_i sum_j (l_i(w + c v_ij) - l_i(w - c v_ij)) / (2 c W) v_ij.
 *
 * fd: v_ij = the Q = d coordinate vectors, exact up to O(c^2). es: Q random orthonormal
 * directions per latent, unbiased (E[sum_j v v^T] = Q/d I) and exact when Q = d. Both sides of
 * a probe share z_i (common random numbers), so their difference holds no sampling noise.
 *
 * One step evaluates G on its whole population in as few calls as memory allows (one for small
 * images): the B latents (for the targets), the B latents moved by the walk (for L itself) and
 * 2 Q probes per latent, B (2 + 2 Q) images.
 */
import type { Rng } from "../../engine/rng.js";
import type { Generator } from "../../generators/generator.js";
import { generateOnHost } from "../../generators/sampling.js";
import { editImages, latentStep, type PixelEditName } from "./pixelEdits.js";
import { imagesPerStep, type ResolvedWalkGradient, type WalkGradient } from "./walkGradient.js";

/** Most image values (float32) one call of G returns: 256 MB. Larger populations take several calls. */
export const MAX_VALUES_PER_CALL = 1 << 26;

/** Images per call of G for this generator's image size. */
export function imagesPerCall(generator: Generator): number {
	const [h, w, c] = generator.imageShape;
	return Math.max(1, Math.floor(MAX_VALUES_PER_CALL / (h * w * c)));
}

/** Calls of G one derivative-free step makes for a batch of `batchSize` latents. */
export function blackBoxCallsPerStep(generator: Generator, gradient: ResolvedWalkGradient, batchSize: number): number {
	return Math.ceil(imagesPerStep(gradient, batchSize) / imagesPerCall(generator));
}

/**
 * `q` orthonormal directions in R^d for each of `b` latents (Gram-Schmidt on Gaussian draws):
 * [b, q, d], row-major.
 */
export function orthonormalDirections(rng: Rng, b: number, q: number, d: number): Float64Array {
	if (q > d) throw new RangeError(`orthonormalDirections: ${q} directions do not fit in ${d} dimensions`);
	const out = new Float64Array(b * q * d); // [b, q, d]
	for (let i = 0; i < b; i++) {
		for (let j = 0; j < q; j++) {
			const v = out.subarray((i * q + j) * d, (i * q + j + 1) * d);
			for (;;) {
				for (let k = 0; k < d; k++) v[k] = rng.normal();
				// Twice, for orthogonality to rounding error (modified Gram-Schmidt, reorthogonalised).
				for (let pass = 0; pass < 2; pass++) {
					for (let p = 0; p < j; p++) {
						const u = out.subarray((i * q + p) * d, (i * q + p + 1) * d);
						let dot = 0;
						for (let k = 0; k < d; k++) dot += u[k] * v[k];
						for (let k = 0; k < d; k++) v[k] -= dot * u[k];
					}
				}
				let norm = 0;
				for (let k = 0; k < d; k++) norm += v[k] * v[k];
				norm = Math.sqrt(norm);
				if (norm > 1e-6) {
					for (let k = 0; k < d; k++) v[k] /= norm;
					break;
				}
			}
		}
	}
	return out;
}

/**
 * The derivative-free WalkGradient (fd or es) of one walk; `rng` draws the es directions, so a
 * seeded rng makes the estimates reproducible.
 */
export function blackBoxWalkGradient(
	generator: Generator,
	name: PixelEditName,
	unit: number,
	gradient: ResolvedWalkGradient,
	rng: Rng,
): WalkGradient {
	if (gradient.method === "autodiff") throw new RangeError("blackBoxWalkGradient: autodiff is not derivative-free");
	const d = generator.latentDim;
	const [h, wd, c] = generator.imageShape;
	const size = h * wd * c;
	const pixels = h * wd;
	const q = gradient.probes;
	const scale = gradient.probeScale;
	const perCall = imagesPerCall(generator);
	return async ({ z, labels, alphas }, w) => {
		const b = alphas.length;
		const steps = alphas.map((a) => latentStep(name, a, unit)); // [B]
		const directions = gradient.method === "es" ? orthonormalDirections(rng, b, q, d) : null; // [B, Q, d]
		const rows = b * (2 + 2 * q);
		// Row r: [0, B) z_i; [B, 2B) z_i + s_i w; then for latent i, probe j: z_i + s_i (w + c v_ij), z_i + s_i (w - c v_ij).
		const owner = (r: number) => (r < b ? r : r < 2 * b ? r - b : Math.floor((r - 2 * b) / (2 * q)));
		const writeLatent = (r: number, out: Float32Array) => {
			const i = owner(r);
			const s = steps[i];
			for (let k = 0; k < d; k++) out[k] = z[i * d + k] + (r < b ? 0 : s * w[k]);
			if (r < 2 * b) return;
			const probe = r - 2 * b;
			const j = Math.floor((probe % (2 * q)) / 2);
			const step = (probe % 2 === 0 ? scale : -scale) * s;
			if (directions) {
				const v = directions.subarray((i * q + j) * d, (i * q + j + 1) * d);
				for (let k = 0; k < d; k++) out[k] += step * v[k];
			} else {
				out[j] += step; // fd: the j-th coordinate vector
			}
		};
		const base = new Float32Array(b * size); // [B, H, W, C] G(z_i)
		let targets: { target: Float32Array; mask: Float32Array } | null = null;
		const sse = new Float64Array(rows); // masked squared error of each row of 2B.. against its target
		for (let start = 0; start < rows; start += perCall) {
			const n = Math.min(perCall, rows - start);
			const zRows = new Float32Array(n * d); // [n, d]
			for (let r = 0; r < n; r++) writeLatent(start + r, zRows.subarray(r * d, (r + 1) * d));
			const rowLabels = labels ? Int32Array.from({ length: n }, (_, r) => labels[owner(start + r)]) : null; // [n]
			const images = await generateOnHost(generator, zRows, rowLabels, n); // [n, H, W, C], one call
			for (let r = 0; r < n; r++) {
				const row = start + r;
				const image = images.subarray(r * size, (r + 1) * size); // [H, W, C]
				if (row < b) {
					base.set(image, row * size);
					if (row === b - 1) targets = editImages(name, base, [h, wd, c], alphas);
					continue;
				}
				const i = owner(row);
				const t = targets as { target: Float32Array; mask: Float32Array };
				let sum = 0;
				for (let p = 0; p < pixels; p++) {
					const mk = t.mask[i * pixels + p];
					if (mk === 0) continue;
					for (let k = 0; k < c; k++) {
						const diff = image[p * c + k] - t.target[i * size + p * c + k];
						sum += mk * diff * diff;
					}
				}
				sse[row] = sum;
			}
		}
		const t = targets as unknown as { target: Float32Array; mask: Float32Array };
		let weight = 0;
		for (let p = 0; p < t.mask.length; p++) weight += t.mask[p];
		weight = Math.max(weight * c, 1);
		let loss = 0;
		for (let i = 0; i < b; i++) loss += sse[b + i];
		const grad = new Float64Array(d); // [d]
		const factor = d / q / (2 * scale * weight);
		for (let i = 0; i < b; i++) {
			for (let j = 0; j < q; j++) {
				const at = 2 * b + (i * q + j) * 2;
				const slope = (sse[at] - sse[at + 1]) * factor;
				if (directions) {
					const v = directions.subarray((i * q + j) * d, (i * q + j + 1) * d);
					for (let k = 0; k < d; k++) grad[k] += slope * v[k];
				} else {
					grad[j] += slope;
				}
			}
		}
		return { loss: loss / weight, grad: Float32Array.from(grad) };
	};
}
