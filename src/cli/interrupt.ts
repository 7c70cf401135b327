/**
 * Ctrl-C for the long commands (train, experiment): the first aborts the signal the library
 * watches (it checkpoints and stops cleanly), a second quits at once with exit code 130. The
 * listener is there only while the work runs.
 */

/**
 * Runs `work` with a signal that Ctrl-C aborts; `stopping` says on stderr what the first Ctrl-C
 * does ("writing a checkpoint after this step").
 */
export async function untilInterrupted<T>(stopping: string, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
	const controller = new AbortController();
	const onInterrupt = () => {
		if (controller.signal.aborted) process.exit(130);
		process.stderr.write(`\ninterrupted: ${stopping} (Ctrl-C again to quit now)\n`);
		controller.abort();
	};
	process.on("SIGINT", onInterrupt);
	try {
		return await work(controller.signal);
	} finally {
		process.off("SIGINT", onInterrupt);
	}
}
