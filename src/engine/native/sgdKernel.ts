import type { TensorInfo } from "@tensorflow/tfjs-core";
import type { NativeAddon } from "./addon.js";
import { offsetOf, type WasmBackendLike } from "./heap.js";
import { forgetAllCopies } from "./inputCopies.js";

/**
 * One SGD step over every parameter as one native call (src/engine/optim/sgd.ts): inputs
 * {p0, g0, v0, p1, g1, v1, ...} (parameter, gradient, momentum buffer; float32, equal sizes),
 * attrs {lr, momentum, weightDecay, nesterov, decays: 0/1 per parameter}. p and v are updated
 * in place and the kernel has no outputs, so every p and v must be the only tensor holding its
 * data (the caller gives a shared one its own copy first; the kernel refuses otherwise).
 */
export const SGD_KERNEL = "GenrepSgdStep";

export interface SgdAttrs {
	lr: number;
	momentum: number;
	weightDecay: number;
	nesterov: boolean;
	decays: number[];
}

/** Input names of parameter k. */
export function sgdInputNames(k: number): { p: string; g: string; v: string } {
	return { p: `p${k}`, g: `g${k}`, v: `v${k}` };
}

/** Table rows [pOffset, gOffset, vOffset, n, decay] for the addon, or null when inputs do not fit. */
export function runSgdStep(
	addon: NativeAddon,
	backend: WasmBackendLike,
	inputs: Record<string, TensorInfo>,
	attrs: SgdAttrs,
): TensorInfo[] | null {
	const count = attrs.decays.length;
	if (count < 1 || Object.keys(inputs).length !== 3 * count) return null;
	const table = new Float64Array(5 * count);
	for (let k = 0; k < count; k++) {
		const names = sgdInputNames(k);
		const [p, g, v] = [inputs[names.p], inputs[names.g], inputs[names.v]];
		if (!p || !g || !v || [p, g, v].some((t) => t.dtype !== "float32")) return null;
		const n = sizeOf(p);
		if (n < 1 || sizeOf(g) !== n || sizeOf(v) !== n) return null;
		for (const [t, what] of [
			[p, "parameter"],
			[v, "momentum buffer"],
		] as const) {
			const refs = backend.refCount?.(t.dataId);
			if (refs !== 1) {
				throw new Error(`${SGD_KERNEL}: ${what} ${k} shares its data (${refs ?? "unknown"} references); copy it first`);
			}
		}
		table.set([offsetOf(backend, p), offsetOf(backend, g), offsetOf(backend, v), n, attrs.decays[k] ? 1 : 0], 5 * k);
	}
	forgetAllCopies(addon); // the step rewrites parameters, which kept copies may hold
	addon.sgdStep(
		backend.wasm.HEAPU8.buffer as ArrayBuffer,
		table,
		attrs.lr,
		attrs.momentum,
		attrs.weightDecay,
		attrs.nesterov,
	);
	return [];
}

function sizeOf(t: TensorInfo): number {
	return t.shape.reduce((a, b) => a * b, 1);
}
