import type { KernelConfig, KernelFunc } from "@tensorflow/tfjs-core";
import * as tf from "@tensorflow/tfjs-core";
import { conv2dBackpropFilterConfig } from "./conv2dBackpropFilter.js";
import { conv2dBackpropInputConfig } from "./conv2dBackpropInput.js";
import { oneHotConfig } from "./oneHot.js";
import { castConfig, identityConfig } from "./sharedIdentity.js";
import { unsortedSegmentSumConfig } from "./unsortedSegmentSum.js";

type KernelEntry = Omit<KernelConfig, "backendName">;

/**
 * Kernels genrep adds to the wasm backend: ones it lacks that a training step needs, ones it
 * has but runs far slower than a composition of its fast forward convolution, and fixes.
 * An entry given as a function receives the backend's own kernel, to wrap it.
 */
interface KernelWrapper {
	kernelName: string;
	wrap: (original: KernelFunc) => KernelEntry;
}

export const WASM_KERNELS: (KernelEntry | KernelWrapper)[] = [
	conv2dBackpropFilterConfig,
	conv2dBackpropInputConfig,
	unsortedSegmentSumConfig,
	{ kernelName: tf.OneHot, wrap: oneHotConfig },
	{ kernelName: tf.Identity, wrap: identityConfig },
	{ kernelName: tf.Cast, wrap: castConfig },
];

let registered: string[] | null = null;

/** Registers WASM_KERNELS for the wasm backend (replacing its own where it has one). */
export function registerWasmKernels(): string[] {
	if (registered) return registered;
	registered = [];
	for (const entry of WASM_KERNELS) {
		const name = entry.kernelName;
		const original = tf.getKernel(name, "wasm");
		let config: KernelEntry;
		if ("wrap" in entry) {
			if (!original) throw new Error(`wasm backend has no ${name} kernel to wrap`);
			// Keep the original's setup (it binds the wasm function the kernel calls).
			config = { ...entry.wrap(original.kernelFunc), setupFunc: original.setupFunc, disposeFunc: original.disposeFunc };
		} else {
			config = entry;
		}
		if (original) tf.unregisterKernel(name, "wasm");
		tf.registerKernel({ ...config, backendName: "wasm" });
		registered.push(name);
	}
	return registered;
}
