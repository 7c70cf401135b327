/**
 * Where the trainer's step batches come from. `inlineFeed` prepares step s's batch on the
 * training thread when step s asks for it (generation, latent and pixel views one after
 * another with the step). `workerFeed` prepares them in a worker thread with its own engine
 * and its own copy of the source, one step ahead: while step s trains, the worker generates
 * and augments step s + 1, so the generator's work fills the cores the step leaves idle
 * (tfjs's bookkeeping between kernels, single-threaded ops) instead of adding to every step.
 *
 * Both feeds run the same function (stepBatch.ts) on the same (seed, step, config), so a run
 * gives the same batches, and so the same weights, with either one.
 */
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { Rng } from "../engine/rng.js";
import { GenrepError } from "../errors.js";
import type { PixelAugmentOptions, SimclrAugment } from "../views/pixel/simclrAugment.js";
import type { DataSourceOptions, TrainingSource } from "./sources/index.js";
import { type HostBatch, prepareStepBatch, type StepBatchPlan } from "./stepBatch.js";

export interface BatchFeed {
	/** Step `step`'s batch (steps are asked for in order: startStep, startStep + 1, ...). */
	batch(step: number): Promise<HostBatch>;
	/** Stops any work in progress and frees the feed. */
	close(): Promise<void>;
	/** Batches that were ready when asked for (prepared while the previous step trained). */
	preparedAhead(): number;
}

/** Prepares each batch on the calling thread when asked. */
export function inlineFeed(
	source: TrainingSource,
	augment: SimclrAugment | null,
	plan: StepBatchPlan,
	seed: number,
): BatchFeed {
	const rng = new Rng(seed);
	return {
		batch: (step) => prepareStepBatch(source, augment, plan, rng, step),
		close: async () => undefined,
		preparedAhead: () => 0,
	};
}

/** What a worker needs to open its own copy of the source and prepare batches (structured-cloneable). */
export interface BatchWorkerInit {
	data: DataSourceOptions;
	seed: number;
	plan: StepBatchPlan;
	/** SimCLR pixel view options, or null for none. */
	pixelViews: PixelAugmentOptions | null;
	/** The engine backend of the training thread (the worker uses the same). */
	backend: string;
	/**
	 * Threads of the worker's native (oneDNN) kernels; absent: OpenMP's default, one per core.
	 * The training step already keeps every core busy, so the worker's parallel regions only
	 * compete with the step's.
	 */
	threads?: number;
}

/** Messages from the worker. */
export type BatchWorkerReply =
	| { type: "ready" }
	| { type: "batch"; step: number; batch: HostBatch }
	| { type: "error"; step: number | null; message: string; genrep: boolean };

/**
 * The worker: the compiled batchWorker.js next to this module, or, running from the sources
 * (tests, benchmarks), batchWorker.ts through tsx's tsImport (Node 20 workers do not take a
 * loader from `--import`).
 */
function startWorker(init: BatchWorkerInit): Worker {
	const js = new URL("./batchWorker.js", import.meta.url);
	if (existsSync(fileURLToPath(js))) return new Worker(js, { workerData: init });
	const entry = new URL("./batchWorker.ts", import.meta.url).href;
	const api = import.meta.resolve("tsx/esm/api");
	const boot = `import(${JSON.stringify(api)}).then((m) => m.tsImport(${JSON.stringify(entry)}, ${JSON.stringify(entry)}));`;
	return new Worker(boot, { eval: true, workerData: init });
}

/**
 * A feed that prepares batches in a worker thread, one step before they are asked for, up
 * to `endStep` (exclusive). Resolves once the worker has opened its source.
 */
export async function workerFeed(init: BatchWorkerInit, endStep: number): Promise<BatchFeed> {
	const worker = startWorker(init);
	const waiting = new Map<number, { resolve: (b: HostBatch) => void; reject: (e: Error) => void }>();
	const done = new Map<number, HostBatch>();
	const failed = new Map<number, Error>();
	let fatal: Error | null = null;
	let closed = false;
	const toError = (message: string, genrep: boolean) =>
		genrep ? new GenrepError(message) : new Error(`batch worker: ${message}`);
	const failAll = (err: Error) => {
		fatal ??= err;
		for (const w of waiting.values()) w.reject(err);
		waiting.clear();
	};
	let onReady: ((err: Error | null) => void) | null = null;
	worker.on("message", (reply: BatchWorkerReply) => {
		if (reply.type === "ready") onReady?.(null);
		else if (reply.type === "batch") {
			const w = waiting.get(reply.step);
			waiting.delete(reply.step);
			if (w) w.resolve(reply.batch);
			else done.set(reply.step, reply.batch);
		} else {
			const err = toError(reply.message, reply.genrep);
			if (reply.step === null) {
				onReady?.(err);
				failAll(err);
				return;
			}
			const w = waiting.get(reply.step);
			waiting.delete(reply.step);
			if (w) w.reject(err);
			else failed.set(reply.step, err);
		}
	});
	worker.on("error", (err) => {
		onReady?.(err);
		failAll(err);
	});
	worker.on("exit", (code) => {
		if (closed) return;
		const err = new Error(`batch worker exited with code ${code}`);
		onReady?.(err);
		failAll(err);
	});
	await new Promise<void>((resolve, reject) => {
		onReady = (err) => {
			onReady = null;
			if (err) reject(err);
			else resolve();
		};
	}).catch(async (err) => {
		closed = true;
		await worker.terminate();
		throw err;
	});
	const requested = new Set<number>();
	const request = (step: number) => {
		if (step >= endStep || requested.has(step)) return;
		requested.add(step);
		worker.postMessage({ type: "batch", step });
	};
	let ahead = 0;
	return {
		batch(step) {
			if (closed) return Promise.reject(new Error("batch feed is closed"));
			if (step >= endStep) return Promise.reject(new Error(`step ${step} is past the feed's last step ${endStep - 1}`));
			request(step);
			request(step + 1); // the next one, while this step trains
			const ready = done.get(step);
			if (ready) {
				done.delete(step);
				ahead++;
				return Promise.resolve(ready);
			}
			const err = failed.get(step) ?? fatal;
			if (err) return Promise.reject(err);
			return new Promise((resolve, reject) => waiting.set(step, { resolve, reject }));
		},
		async close() {
			if (closed) return;
			closed = true;
			failAll(new Error("batch feed is closed"));
			await worker.terminate();
		},
		preparedAhead: () => ahead,
	};
}

/** Sources whose batches are worth a worker: the live generator stream (its generation is most of the cost). */
export const prefetchedKinds: readonly DataSourceOptions["kind"][] = ["live"];
