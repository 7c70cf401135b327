import os from "node:os";
import * as tf from "@tensorflow/tfjs-core";
// The gradient of every op and the chained tensor methods (tfjs-core alone registers neither).
import "./tfjsRegistrations.js";
import "@tensorflow/tfjs-backend-cpu";
import "@tensorflow/tfjs-backend-wasm";
import { GenrepError } from "../errors.js";
import { installBackwardMemoryRelease } from "./backwardMemory.js";
import { registerWasmKernels } from "./kernels/index.js";
import { nativeKernelsReason, registerNativeKernels } from "./native/kernels.js";
import { installReluGradient } from "./nn/reluGradient.js";

/** Backends genrep can run on, fastest first. A native backend plugs in here. */
export const BACKENDS = ["wasm", "cpu"] as const;
export type BackendName = (typeof BACKENDS)[number];

export interface EngineOptions {
	/** Backend to use; default: $GENREP_BACKEND, else wasm, else cpu. */
	backend?: string;
}

export interface EngineInfo {
	backend: BackendName;
	tfjsVersion: string;
	/** Kernels genrep registered on top of the backend's own. */
	customKernels: string[];
	/** Kernels that run natively (oneDNN, all cores); empty on the portable path. */
	nativeKernels: string[];
	/** Why the native kernels are not in use, when they are not. */
	nativeReason?: string;
	cpus: number;
	cpuModel: string;
	/** Why a faster backend was not used, when it was not. */
	fallbackReason?: string;
}

let current: EngineInfo | null = null;

/**
 * Initialises TensorFlow.js once per process: picks the backend and registers genrep's
 * kernels. Later calls return the same info (asking for a different backend switches).
 */
export async function initEngine(options: EngineOptions = {}): Promise<EngineInfo> {
	const wanted = options.backend ?? process.env.GENREP_BACKEND ?? "wasm";
	if (!(BACKENDS as readonly string[]).includes(wanted)) {
		throw new GenrepError(`unknown backend '${wanted}'; choose one of: ${BACKENDS.join(", ")}`);
	}
	if (current && current.backend === wanted) return current;
	// Production mode: no "install tfjs-node" banner from the cpu backend, no debug checks.
	tf.env().set("PROD", true);
	// Free saved activations and gradients during backprop (src/engine/backwardMemory.ts).
	if (process.env.GENREP_KEEP_BACKWARD_MEMORY !== "1") installBackwardMemoryRelease();
	// ReLU's gradient in one native pass where the addon runs (the same bits as tfjs's).
	installReluGradient();
	// Composed wasm kernels first; native oneDNN kernels (when the addon built) override some.
	const customKernels = registerWasmKernels();
	const nativeKernels = registerNativeKernels();
	let backend = wanted as BackendName;
	let fallbackReason: string | undefined;
	const ok = await tf.setBackend(backend).catch(() => false);
	if (!ok) {
		fallbackReason = `backend '${backend}' failed to initialise; using cpu (slow)`;
		process.stderr.write(`warning: ${fallbackReason}\n`);
		backend = "cpu";
		await tf.setBackend("cpu");
	}
	await tf.ready();
	const cpus = os.cpus();
	current = {
		backend,
		tfjsVersion: tf.version_core,
		customKernels: backend === "wasm" ? customKernels : [],
		nativeKernels: backend === "wasm" ? nativeKernels : [],
		...(nativeKernels.length === 0 ? { nativeReason: nativeKernelsReason() ?? "native addon not loaded" } : {}),
		cpus: cpus.length,
		cpuModel: cpus[0]?.model ?? "unknown",
		...(fallbackReason ? { fallbackReason } : {}),
	};
	return current;
}

export { tf };
