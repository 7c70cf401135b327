import type { DataId, TensorInfo } from "@tensorflow/tfjs-core";
import type { NativeAddon } from "./addon.js";
import type { WasmBackendLike } from "./heap.js";

/**
 * Tensor keys for the addon's kept input copies (native/src/copies.h). Under bf16 every
 * convolution reads bf16 copies of its inputs, and a training step reads each activation x
 * twice (forward, backward filter) and each gradient dy twice (backward data, backward
 * filter): with a key, the second reader finds the first one's copy instead of converting the
 * fp32 tensor again. Sound because tfjs data is never written in place, with one exception
 * handled here: the optimizer's in-place step (sgdKernel.ts) calls forgetAllCopies(). Copies
 * of disposed tensors are dropped before each keyed call, so they live no longer than their
 * tensors. Off (key 0 for everything) unless setInputCopies(true): fp32 needs no copies.
 */

let enabled = false;
let nextKey = 1;
const keys = new WeakMap<DataId, number>();
/** Keys with a copy (possibly) held natively, and the tensor data each belongs to. */
const live = new Map<number, DataId>();

/** Turns keyed copies on or off (on with bf16); either way drops every copy held. */
export function setInputCopies(addon: NativeAddon | null | undefined, on: boolean): void {
	forgetAllCopies(addon);
	enabled = on;
}

/** The key for tensor `t`'s copy, or 0 (no copy kept) while copies are off. */
export function copyKey(t: TensorInfo): number {
	if (!enabled) return 0;
	let key = keys.get(t.dataId);
	if (key === undefined) {
		key = nextKey++;
		keys.set(t.dataId, key);
	}
	live.set(key, t.dataId);
	return key;
}

/** Drops the copies of tensors the backend no longer holds; call before a keyed call. */
export function dropDisposedCopies(addon: NativeAddon, backend: WasmBackendLike): void {
	if (live.size === 0) return;
	const gone: number[] = [];
	for (const [key, dataId] of live) {
		if (!backend.dataIdMap.has(dataId)) gone.push(key);
	}
	if (gone.length === 0) return;
	for (const key of gone) live.delete(key);
	addon.dropCopies?.(gone);
}

/** Drops every kept copy (an in-place write may have changed any tensor). */
export function forgetAllCopies(addon: NativeAddon | null | undefined): void {
	if (live.size === 0) return;
	live.clear();
	addon?.dropCopies?.();
}

/** Keys currently tracked (for tests). */
export function liveCopyKeys(): number {
	return live.size;
}
