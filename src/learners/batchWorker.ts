/**
 * The worker thread of batchFeed.ts's workerFeed: its own engine and its own copy of the
 * training source, preparing the step batches the training thread asks for (in the order
 * asked), each sent back with its buffers transferred, not copied.
 */
import { parentPort, workerData } from "node:worker_threads";
import { initEngine } from "../engine/backend.js";
import { loadNativeAddon } from "../engine/native/index.js";
import { Rng } from "../engine/rng.js";
import { GenrepError } from "../errors.js";
import { SimclrAugment } from "../views/pixel/simclrAugment.js";
import type { BatchWorkerInit, BatchWorkerReply } from "./batchFeed.js";
import { openSource, type TrainingSource } from "./sources/index.js";
import { type HostBatch, prepareStepBatch } from "./stepBatch.js";

const port = parentPort;
if (!port) throw new Error("batchWorker.ts runs as a worker thread (see batchFeed.ts)");
const init = workerData as BatchWorkerInit;

const send = (reply: BatchWorkerReply, transfer: ArrayBuffer[] = []) => port.postMessage(reply, transfer);
const errorReply = (step: number | null, err: unknown): BatchWorkerReply => ({
	type: "error",
	step,
	message: err instanceof Error ? err.message : String(err),
	genrep: err instanceof GenrepError,
});

/** Each array as its own whole buffer (a view into a larger one is copied), for the transfer list. */
function ownBuffers(batch: HostBatch): { batch: HostBatch; buffers: ArrayBuffer[] } {
	const own = <T extends Float32Array | Int32Array>(a: T): T =>
		a.byteOffset === 0 && a.byteLength === a.buffer.byteLength ? a : (a.slice() as T);
	const out: HostBatch = {
		...batch,
		a: own(batch.a),
		b: batch.b && own(batch.b),
		y: batch.y && own(batch.y),
		z: batch.z && own(batch.z),
	};
	const buffers = new Set<ArrayBuffer>();
	for (const a of [out.a, out.b, out.y, out.z]) if (a) buffers.add(a.buffer as ArrayBuffer);
	return { batch: out, buffers: [...buffers] };
}

/** Opens the engine and the source, then serves requests one at a time, in the order they came. */
async function main(): Promise<void> {
	let source: TrainingSource;
	try {
		await initEngine({ backend: init.backend });
		if (init.threads !== undefined) loadNativeAddon().addon?.setThreads(init.threads);
		source = await openSource(init.data, new Rng(init.seed).fork("data"));
	} catch (err) {
		send(errorReply(null, err)); // the training thread terminates this worker
		return;
	}
	const rng = new Rng(init.seed);
	const augment = init.pixelViews ? new SimclrAugment(init.pixelViews) : null;
	let queue: Promise<void> = Promise.resolve();
	(port as NonNullable<typeof port>).on("message", (message: { type: "batch"; step: number }) => {
		queue = queue.then(async () => {
			try {
				const prepared = await prepareStepBatch(source, augment, init.plan, rng, message.step);
				const { batch, buffers } = ownBuffers(prepared);
				send({ type: "batch", step: message.step, batch }, buffers);
			} catch (err) {
				send(errorReply(message.step, err));
			}
		});
	});
	send({ type: "ready" });
}

await main();
