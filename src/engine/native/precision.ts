/**
 * Mixed precision of the native kernels: "bf16" makes every oneDNN convolution (forward,
 * backward data, backward filter) and matrix product read bfloat16 copies of its inputs and
 * write float32; the tensors themselves (activations, gradients, the fp32 master weights)
 * stay float32, and batch norm (statistics included) and the pointwise kernels stay fp32.
 * Only where the CPU has bf16 instructions (oneDNN ISA avx512_core_bf16 or newer).
 * The precision is the calling thread's: a worker thread (the batch feed) runs fp32 whatever
 * the training thread set, and the trainer sets bf16 only around each step (withNativePrecision),
 * so a generator's samples are the same under every training precision.
 */
import { setInputCopies } from "./inputCopies.js";
import { nativeKernelsActive } from "./kernels.js";
import { loadNativeAddon } from "./load.js";

export const PRECISIONS = ["fp32", "bf16"] as const;
export type Precision = (typeof PRECISIONS)[number];

export const isPrecision = (value: string): value is Precision => (PRECISIONS as readonly string[]).includes(value);

export interface PrecisionChoice {
	/** What the kernels now run. */
	precision: Precision;
	/** Why it is not what was asked for, when it is not. */
	reason?: string;
}

let current: Precision = "fp32";

/** Whether the native kernels can run bf16 here (addon loaded, built with bf16, CPU has it). */
export function bf16Available(): { ok: boolean; reason?: string } {
	const { addon, reason } = loadNativeAddon();
	if (!addon) return { ok: false, reason: `the native oneDNN kernels are not loaded (${reason})` };
	if (!addon.bf16Supported || !addon.setPrecision)
		return { ok: false, reason: "the native addon predates bf16: rebuild it with node scripts/build-native.mjs" };
	if (!addon.bf16Supported())
		return { ok: false, reason: `this CPU has no bf16 instructions for oneDNN (${addon.info().library})` };
	if (!nativeKernelsActive())
		return { ok: false, reason: "the native kernels are not registered (backend is not wasm)" };
	return { ok: true };
}

/** What a training run asks for: a precision, or "auto" (bf16 where the kernels run it, else fp32). */
export type PrecisionRequest = Precision | "auto";

/** The precision "auto" stands for here (bf16 where bf16Available(), else fp32); a precision as it is. */
export function resolvePrecision(wanted: PrecisionRequest): Precision {
	if (wanted !== "auto") return wanted;
	return bf16Available().ok ? "bf16" : "fp32";
}

/** The precision that asking for `wanted` gets here: "bf16" falls back to "fp32" (with the reason) where unavailable. */
export function choosePrecision(wanted: Precision): PrecisionChoice {
	if (wanted === "bf16") {
		const available = bf16Available();
		if (!available.ok) return { precision: "fp32", reason: available.reason };
	}
	return { precision: wanted };
}

/** Sets this thread's native kernels' precision to choosePrecision(wanted), which it returns. */
export function setNativePrecision(wanted: Precision): PrecisionChoice {
	const choice = choosePrecision(wanted);
	const addon = loadNativeAddon().addon;
	addon?.setPrecision?.(choice.precision === "bf16" ? 1 : 0);
	setInputCopies(addon, choice.precision === "bf16");
	current = choice.precision;
	return choice;
}

/**
 * Runs `fn` (synchronous: nothing else may run kernels meanwhile) with the native kernels at
 * `precision`, a choosePrecision() result, and restores the precision before, also on a throw.
 */
export function withNativePrecision<T>(precision: Precision, fn: () => T): T {
	const before = current;
	if (setNativePrecision(precision).precision !== precision) {
		setNativePrecision(before);
		throw new Error(`withNativePrecision: ${precision} is not available here; pass choosePrecision()'s result`);
	}
	try {
		return fn();
	} finally {
		setNativePrecision(before);
	}
}

export function nativePrecision(): Precision {
	return current;
}
