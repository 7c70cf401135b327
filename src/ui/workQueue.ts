/**
 * Runs generator work one job at a time (tfjs and onnxruntime calls from several requests
 * would only compete for the same cores) with a bounded queue: past `maxQueued` waiting
 * jobs a request is refused with 503 instead of piling up memory.
 */
import { HttpError } from "./httpError.js";

export class WorkQueue {
	private tail: Promise<unknown> = Promise.resolve();
	private waiting = 0;

	constructor(readonly maxQueued: number) {}

	run<T>(job: () => Promise<T>): Promise<T> {
		if (this.waiting >= this.maxQueued) {
			return Promise.reject(new HttpError(503, `the server is busy (${this.waiting} requests waiting); try again`));
		}
		this.waiting++;
		const result = this.tail.then(
			() => {
				this.waiting--;
				return job();
			},
			() => {
				this.waiting--;
				return job();
			},
		);
		this.tail = result.catch(() => {});
		return result;
	}
}
