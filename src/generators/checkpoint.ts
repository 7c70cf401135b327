/**
 * Checkpoints: named ParamStores saved to one safetensors file. Each store's parameters are
 * written under `<group>/<parameter name>` (or the bare name for the group ""), float32;
 * the training position (step, seed, elapsed seconds, anything else) goes into the
 * string metadata. Loading is strict: every parameter of every store must be in the file
 * with the same shape, and the file may hold nothing else, so a checkpoint never loads
 * silently empty or half-applied.
 */

import type { ParamStore } from "../engine/nn/params.js";
import { fileError } from "../errors.js";
import { truncateJsonLines } from "../formats/runFiles.js";
import {
	readSafetensors,
	type SafetensorsContents,
	type TensorToWrite,
	writeSafetensors,
} from "../formats/safetensors.js";

/** Format tag written to the metadata of every checkpoint. */
export const CHECKPOINT_FORMAT = "genrep-checkpoint/1";

export interface CheckpointInfo {
	/** Optimizer steps taken. */
	step: number;
	/** Seed of the run's Rng; with the step it fixes every later random draw. */
	seed: number;
	/** Further string metadata (config, elapsed seconds, ...). */
	metadata?: Record<string, string>;
}

const tensorName = (group: string, name: string) => (group === "" ? name : `${group}/${name}`);

/** Saves the stores (by group name) and the training position, atomically. */
export async function saveCheckpoint(
	path: string,
	stores: Record<string, ParamStore>,
	info: CheckpointInfo,
): Promise<void> {
	const tensors = new Map<string, TensorToWrite>();
	for (const [group, store] of Object.entries(stores)) {
		for (const [name, value] of await store.snapshot()) tensors.set(tensorName(group, name), value);
	}
	await writeSafetensors(path, tensors, {
		...info.metadata,
		format: CHECKPOINT_FORMAT,
		step: String(info.step),
		seed: String(info.seed),
	});
}

/**
 * Loads a checkpoint into the stores. Validates everything before assigning anything:
 * a missing, misshaped or unexpected parameter is an error naming it and the file.
 */
export async function loadCheckpoint(path: string, stores: Record<string, ParamStore>): Promise<CheckpointInfo> {
	const { tensors, metadata } = await readSafetensors(path);
	const step = Number(metadata.step);
	const seed = Number(metadata.seed);
	if (!Number.isInteger(step) || step < 0 || !Number.isInteger(seed)) {
		throw fileError(path, "not a genrep checkpoint: metadata lacks an integer 'step' and 'seed'");
	}
	const values = validate(path, tensors, stores);
	for (const [group, store] of Object.entries(stores)) store.assign(values.get(group) ?? new Map());
	const { step: _s, seed: _seed, ...rest } = metadata;
	return { step, seed, metadata: rest };
}

/**
 * Loads a run's checkpoint to resume it: the seed must be the run's, and lines of the run's
 * JSON-lines log past the checkpoint's step (written before a kill) are dropped.
 * Returns the step to continue from and the training seconds spent so far.
 */
export async function resumeFromCheckpoint(
	path: string,
	stores: Record<string, ParamStore>,
	seed: number,
	logPath: string,
): Promise<{ step: number; seconds: number; cpuSeconds: number }> {
	const info = await loadCheckpoint(path, stores);
	if (info.seed !== seed) throw fileError(path, `was written with seed ${info.seed}, not ${seed}`);
	await truncateJsonLines(logPath, info.step);
	const number = (value: string | undefined) => Number(value ?? 0) || 0;
	return { step: info.step, seconds: number(info.metadata?.seconds), cpuSeconds: number(info.metadata?.cpuSeconds) };
}

/** Saves one store with bare parameter names (e.g. a generator's weights for shipping). */
export async function saveParams(
	path: string,
	store: ParamStore,
	metadata: Record<string, string> = {},
): Promise<void> {
	const tensors = new Map<string, TensorToWrite>(await store.snapshot());
	await writeSafetensors(path, tensors, metadata);
}

/** Loads a file written by saveParams into a store (strict, like loadCheckpoint); returns its metadata. */
export async function loadParams(path: string, store: ParamStore): Promise<Record<string, string>> {
	return assignParams(path, await readSafetensors(path), store);
}

/** Assigns the contents of a file written by saveParams (already read from `path`) to a store, strictly. */
export function assignParams(path: string, contents: SafetensorsContents, store: ParamStore): Record<string, string> {
	const values = validate(path, contents.tensors, { "": store });
	store.assign(values.get("") ?? new Map());
	return contents.metadata;
}

type HostValues = Map<string, { shape: number[]; data: Float32Array }>;

function validate(
	path: string,
	tensors: Map<string, { dtype: string; shape: number[]; data: ArrayLike<number> }>,
	stores: Record<string, ParamStore>,
): Map<string, HostValues> {
	const used = new Set<string>();
	const out = new Map<string, HostValues>();
	for (const [group, store] of Object.entries(stores)) {
		const values: HostValues = new Map();
		for (const [name, variable] of store.all()) {
			const key = tensorName(group, name);
			const t = tensors.get(key);
			if (!t) throw fileError(path, `missing parameter '${key}' (the checkpoint does not match this model)`);
			if (t.dtype !== "F32") throw fileError(path, `parameter '${key}' has dtype ${t.dtype}, expected F32`);
			if (t.shape.join(",") !== variable.shape.join(",")) {
				throw fileError(path, `parameter '${key}' has shape [${t.shape}], expected [${variable.shape}]`);
			}
			const bad = (t.data as Float32Array).findIndex((v) => !Number.isFinite(v));
			if (bad >= 0)
				throw fileError(path, `parameter '${key}' holds ${t.data[bad]} at value ${bad}; the file is corrupt`);
			values.set(name, { shape: t.shape, data: t.data as Float32Array });
			used.add(key);
		}
		out.set(group, values);
	}
	for (const key of tensors.keys()) {
		if (!used.has(key))
			throw fileError(path, `unexpected parameter '${key}' (the checkpoint does not match this model)`);
	}
	return out;
}
