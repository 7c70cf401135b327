import type { DataId, DataType, TensorInfo } from "@tensorflow/tfjs-core";

/** The parts of tfjs's BackendWasm the native kernels use. */
export interface WasmBackendLike {
	wasm: { HEAPU8: Uint8Array };
	dataIdMap: {
		get(dataId: DataId): { memoryOffset: number | null } | undefined;
		has(dataId: DataId): boolean;
	};
	makeOutput(shape: number[], dtype: DataType): TensorInfo;
	disposeData(dataId: DataId, force?: boolean): boolean;
	/** How many tensors hold dataId's data (tfjs-backend-wasm 4.x). */
	refCount?(dataId: DataId): number;
}

/** `backend` as a wasm backend, or null when it does not look like one. */
export function asWasmBackend(backend: unknown): WasmBackendLike | null {
	const b = backend as Partial<WasmBackendLike> | null;
	if (!b || typeof b.makeOutput !== "function" || typeof b.disposeData !== "function") return null;
	if (!b.dataIdMap || !(b.wasm?.HEAPU8 instanceof Uint8Array)) return null;
	return b as WasmBackendLike;
}

/** Byte offset of a tensor's data in the wasm heap. */
export function offsetOf(backend: WasmBackendLike, t: TensorInfo): number {
	const offset = backend.dataIdMap.get(t.dataId)?.memoryOffset;
	if (typeof offset !== "number") throw new Error("native kernel: tensor has no wasm memory");
	return offset;
}

/**
 * Makes a float32 output tensor of `shape` and lets `fill` write it through the heap (the
 * heap's ArrayBuffer is fetched after allocating, since growing memory replaces it). The
 * output is freed again when `fill` throws.
 */
export function makeOutputWith(
	backend: WasmBackendLike,
	shape: number[],
	fill: (memory: ArrayBuffer, outOffset: number) => void,
): TensorInfo {
	const out = backend.makeOutput(shape, "float32");
	try {
		fill(backend.wasm.HEAPU8.buffer as ArrayBuffer, offsetOf(backend, out));
	} catch (err) {
		backend.disposeData(out.dataId, true);
		throw err;
	}
	return out;
}

/** True when every value is a positive integer that an Int32Array holds exactly. */
export function allPositiveInt32(values: readonly number[]): boolean {
	return values.every((v) => Number.isInteger(v) && v >= 1 && v <= 0x7fffffff);
}

/**
 * makeOutputWith for several float32 outputs: `fill` gets their offsets in order. All are
 * freed again when `fill` throws.
 */
export function makeOutputsWith(
	backend: WasmBackendLike,
	shapes: number[][],
	fill: (memory: ArrayBuffer, outOffsets: number[]) => void,
): TensorInfo[] {
	const outs = shapes.map((shape) => backend.makeOutput(shape, "float32"));
	try {
		fill(
			backend.wasm.HEAPU8.buffer as ArrayBuffer,
			outs.map((o) => offsetOf(backend, o)),
		);
	} catch (err) {
		for (const o of outs) backend.disposeData(o.dataId, true);
		throw err;
	}
	return outs;
}
