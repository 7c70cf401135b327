/**
 * L-BFGS (Nocedal & Wright, algorithm 7.4: the two-loop recursion over the last `memory`
 * curvature pairs) with a backtracking Armijo line search, for smooth objectives of a few
 * thousand parameters whose value and gradient are expensive (the linear probe's softmax
 * regression over tens of thousands of feature rows). The bookkeeping runs on the host in
 * float64; the objective may compute in float32 on any backend. Deterministic.
 */
import { GenrepError } from "../../errors.js";

/** Value and gradient of the objective at x. */
export type Objective = (x: Float64Array) => Promise<{ value: number; gradient: Float64Array }>;

export interface LbfgsOptions {
	/** Iterations (accepted steps) at most. */
	maxIterations?: number;
	/** Curvature pairs kept. */
	memory?: number;
	/** Stop when max |gradient| falls to this (1e-4: scikit-learn's LogisticRegression tol on the same mean loss). */
	gradientTolerance?: number;
	/**
	 * Stop when the last `progressWindow` steps together lowered the value by less than this
	 * times max(|value|, 1) (a window, not one step: L-BFGS takes an occasional short step
	 * long before it has converged).
	 */
	relativeTolerance?: number;
	/** Steps the progress test looks back over. */
	progressWindow?: number;
}

/**
 * The cap is a safety net, not the stopping rule: the linear probe's fits on Fashion-MNIST
 * features stop on a tolerance long before it (metrics.json records iterations and stop).
 */
export const LBFGS_DEFAULTS = {
	maxIterations: 1000,
	memory: 10,
	gradientTolerance: 1e-4,
	relativeTolerance: 1e-9,
	progressWindow: 10,
} as const satisfies Required<LbfgsOptions>;

export interface LbfgsResult {
	x: Float64Array;
	value: number;
	/** Accepted steps. */
	iterations: number;
	/** Objective evaluations, the initial one included. */
	evaluations: number;
	/** max |gradient| at x (the quantity `gradientTolerance` bounds). */
	gradientNorm: number;
	/** Why it stopped. */
	stop: "gradient" | "progress" | "iterations" | "line search";
}

const ARMIJO = 1e-4;
const MAX_BACKTRACKS = 30;

/** Minimises `objective` from x0 (not modified). */
export async function minimizeLbfgs(
	objective: Objective,
	x0: Float64Array,
	options: LbfgsOptions = {},
): Promise<LbfgsResult> {
	const o = { ...LBFGS_DEFAULTS, ...definedOnly(options) };
	if (!Number.isInteger(o.maxIterations) || o.maxIterations < 0) {
		throw new GenrepError(`maxIterations must be a non-negative integer, got ${o.maxIterations}`);
	}
	if (!Number.isInteger(o.memory) || o.memory < 1) {
		throw new GenrepError(`L-BFGS memory must be a positive integer, got ${o.memory}`);
	}
	if (!Number.isInteger(o.progressWindow) || o.progressWindow < 1) {
		throw new GenrepError(`L-BFGS progressWindow must be a positive integer, got ${o.progressWindow}`);
	}
	for (const key of ["gradientTolerance", "relativeTolerance"] as const) {
		if (!(o[key] >= 0) || !Number.isFinite(o[key])) {
			throw new GenrepError(`L-BFGS ${key} must be a finite number >= 0, got ${o[key]}`);
		}
	}
	let x: Float64Array = Float64Array.from(x0);
	let { value, gradient } = await objective(x);
	let evaluations = 1;
	const history: { s: Float64Array; y: Float64Array; rho: number }[] = [];
	/** values[i]: the value after step i (values[0] the start), for the progress test. */
	const values = [value];
	const result = (iterations: number, stop: LbfgsResult["stop"]): LbfgsResult => ({
		x,
		value,
		iterations,
		evaluations,
		gradientNorm: maxAbs(gradient),
		stop,
	});
	if (maxAbs(gradient) <= o.gradientTolerance) return result(0, "gradient");
	for (let iteration = 1; iteration <= o.maxIterations; iteration++) {
		let direction = twoLoop(gradient, history);
		let slope = dot(gradient, direction);
		if (!(slope < 0)) {
			// Not a descent direction (numerical trouble): restart from steepest descent.
			history.length = 0;
			direction = scaled(gradient, -1);
			slope = -dot(gradient, gradient);
		}
		// The first step has no curvature to scale it: make it of length 1 at most.
		let step = history.length === 0 ? Math.min(1, 1 / Math.sqrt(-slope)) : 1;
		let accepted: { x: Float64Array; value: number; gradient: Float64Array } | null = null;
		for (let b = 0; b < MAX_BACKTRACKS; b++) {
			const trial = axpy(step, direction, x);
			const out = await objective(trial);
			evaluations++;
			if (Number.isFinite(out.value) && out.value <= value + ARMIJO * step * slope) {
				accepted = { x: trial, ...out };
				break;
			}
			step *= 0.5;
		}
		if (!accepted) return result(iteration - 1, "line search");
		const s = sub(accepted.x, x);
		const y = sub(accepted.gradient, gradient);
		const sy = dot(s, y);
		if (sy > 1e-12 * dot(y, y)) {
			history.push({ s, y, rho: 1 / sy });
			if (history.length > o.memory) history.shift();
		}
		x = accepted.x;
		value = accepted.value;
		gradient = accepted.gradient;
		values.push(value);
		if (maxAbs(gradient) <= o.gradientTolerance) return result(iteration, "gradient");
		if (iteration >= o.progressWindow) {
			const decrease = values[iteration - o.progressWindow] - value;
			if (decrease <= o.relativeTolerance * Math.max(Math.abs(value), 1)) return result(iteration, "progress");
		}
	}
	return result(o.maxIterations, "iterations");
}

/** -H g by the two-loop recursion (H: the L-BFGS inverse-Hessian estimate; identity without history). */
function twoLoop(gradient: Float64Array, history: { s: Float64Array; y: Float64Array; rho: number }[]): Float64Array {
	const q = Float64Array.from(gradient);
	const alphas = new Float64Array(history.length);
	for (let i = history.length - 1; i >= 0; i--) {
		const { s, y, rho } = history[i];
		alphas[i] = rho * dot(s, q);
		for (let j = 0; j < q.length; j++) q[j] -= alphas[i] * y[j];
	}
	if (history.length > 0) {
		const { s, y } = history[history.length - 1];
		const gamma = dot(s, y) / dot(y, y);
		for (let j = 0; j < q.length; j++) q[j] *= gamma;
	}
	for (let i = 0; i < history.length; i++) {
		const { s, y, rho } = history[i];
		const beta = rho * dot(y, q);
		for (let j = 0; j < q.length; j++) q[j] += s[j] * (alphas[i] - beta);
	}
	for (let j = 0; j < q.length; j++) q[j] = -q[j];
	return q;
}

function dot(a: Float64Array, b: Float64Array): number {
	let sum = 0;
	for (let i = 0; i < a.length; i++) sum += a[i] * b[i];
	return sum;
}

function maxAbs(a: Float64Array): number {
	let m = 0;
	for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
	return m;
}

/** x + step * d */
function axpy(step: number, d: Float64Array, x: Float64Array): Float64Array {
	const out = new Float64Array(x.length);
	for (let i = 0; i < x.length; i++) out[i] = x[i] + step * d[i];
	return out;
}

function sub(a: Float64Array, b: Float64Array): Float64Array {
	const out = new Float64Array(a.length);
	for (let i = 0; i < a.length; i++) out[i] = a[i] - b[i];
	return out;
}

function scaled(a: Float64Array, factor: number): Float64Array {
	return a.map((v) => v * factor);
}

function definedOnly<T extends object>(options: T): Partial<T> {
	return Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as Partial<T>;
}
