/**
 * Progress of long work on stderr: a status line with an ETA on a terminal, JSON lines
 * otherwise (logs, CI, a parent process), or nothing. Used by every training loop.
 */

export type ProgressMode = "auto" | "json" | "none";

export const PROGRESS_MODES: readonly ProgressMode[] = ["auto", "json", "none"];

export class Progress {
	private readonly mode: "tty" | "json" | "none";
	private readonly start = performance.now();

	/**
	 * @param what  the unit counted, e.g. "step"
	 * @param total units to reach
	 * @param first units already done when this session started (a resumed run)
	 */
	constructor(
		mode: ProgressMode,
		private readonly what: string,
		private readonly total: number,
		private readonly first = 0,
	) {
		this.mode = mode === "none" ? "none" : mode === "json" || !process.stderr.isTTY ? "json" : "tty";
	}

	/** Reports `done` units and a few named numbers (losses, rates). */
	report(done: number, values: Record<string, number> = {}): void {
		if (this.mode === "none") return;
		const seconds = (performance.now() - this.start) / 1000;
		const rate = (done - this.first) / Math.max(seconds, 1e-9);
		const eta = (this.total - done) / Math.max(rate, 1e-9);
		if (this.mode === "json") {
			const rounded = Object.fromEntries(Object.entries(values).map(([k, v]) => [k, round(v)]));
			const line = {
				event: "progress",
				[this.what]: done,
				[`${this.what}s`]: this.total,
				...rounded,
				[`${this.what}sPerSecond`]: round(rate),
				etaSeconds: Math.round(eta),
			};
			process.stderr.write(`${JSON.stringify(line)}\n`);
		} else {
			const shown = Object.entries(values)
				.map(([k, v]) => `${k} ${v.toFixed(3)}`)
				.join("  ");
			const text = `${this.what} ${done}/${this.total}  ${shown}  ${rate.toFixed(2)} ${this.what}s/s  ETA ${formatSeconds(eta)}`;
			process.stderr.write(`\r${text}\x1b[K`);
		}
	}

	/** Ends the status line (terminal mode). */
	finish(): void {
		if (this.mode === "tty") process.stderr.write("\n");
	}
}

const round = (v: number) => Math.round(v * 1e4) / 1e4;

/** 75 -> "1m15s", 4000 -> "1h06m". */
export function formatSeconds(s: number): string {
	if (!Number.isFinite(s)) return "?";
	const total = Math.round(s);
	const h = Math.floor(total / 3600);
	const m = Math.floor((total % 3600) / 60);
	const sec = total % 60;
	return h > 0 ? `${h}h${String(m).padStart(2, "0")}m` : `${m}m${String(sec).padStart(2, "0")}s`;
}
