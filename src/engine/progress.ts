/**
 * Progress of long work on stderr: a status line with an ETA on a terminal, JSON lines
 * otherwise (logs, CI, a parent process), or nothing. `ProgressLine` is the one writer every
 * command's progress goes through; `Progress` counts units of a training loop on top of it.
 */

export type ProgressMode = "auto" | "json" | "none";

export const PROGRESS_MODES: readonly ProgressMode[] = ["auto", "json", "none"];

/** One status line rewritten in place on a terminal, one JSON line per update otherwise, or nothing. */
export class ProgressLine {
	readonly mode: "tty" | "json" | "none";
	private open = false;

	constructor(mode: ProgressMode = "auto") {
		this.mode = mode === "none" ? "none" : mode === "json" || !process.stderr.isTTY ? "json" : "tty";
	}

	/** Shows `text` as the status line on a terminal, or writes `event` as one JSON line. */
	show(text: string, event: Record<string, unknown>): void {
		if (this.mode === "json") process.stderr.write(`${JSON.stringify(event)}\n`);
		else if (this.mode === "tty") {
			process.stderr.write(`\r${text}\x1b[K`);
			this.open = true;
		}
	}

	/** Writes `text` as a line of its own on a terminal, or `event` as one JSON line (an event log). */
	log(text: string, event: Record<string, unknown>): void {
		this.finish();
		if (this.mode === "json") process.stderr.write(`${JSON.stringify(event)}\n`);
		else if (this.mode === "tty") process.stderr.write(`${text}\n`);
	}

	/** Ends the status line (terminal mode), so what follows starts on a line of its own. */
	finish(): void {
		if (this.open) process.stderr.write("\n");
		this.open = false;
	}
}

/** Units done of a total, with their rate and an ETA, and a few named numbers (losses). */
export class Progress {
	private readonly line: ProgressLine;
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
		this.line = new ProgressLine(mode);
	}

	/** Reports `done` units and a few named numbers (losses, rates). */
	report(done: number, values: Record<string, number> = {}): void {
		if (this.line.mode === "none") return;
		const seconds = (performance.now() - this.start) / 1000;
		const rate = (done - this.first) / Math.max(seconds, 1e-9);
		const eta = (this.total - done) / Math.max(rate, 1e-9);
		const rounded = Object.fromEntries(Object.entries(values).map(([k, v]) => [k, round(v)]));
		const shown = Object.entries(values)
			.map(([k, v]) => `${k} ${v.toFixed(3)}`)
			.join("  ");
		this.line.show(
			`${this.what} ${done}/${this.total}  ${shown}  ${rate.toFixed(2)} ${this.what}s/s  ETA ${formatSeconds(eta)}`,
			{
				event: "progress",
				[this.what]: done,
				[`${this.what}s`]: this.total,
				...rounded,
				[`${this.what}sPerSecond`]: round(rate),
				etaSeconds: Math.round(eta),
			},
		);
	}

	/** Ends the status line (terminal mode). */
	finish(): void {
		this.line.finish();
	}
}

const round = (v: number) => Math.round(v * 1e4) / 1e4;

/**
 * A duration for people: "compact" for status lines ("5m32s", "1h02m"), "words" for reports
 * ("8.5 s", "5 min 32 s", "1 h 02 min"). Not finite: "?"; negative (words): "-".
 */
export function formatSeconds(s: number, style: "compact" | "words" = "compact"): string {
	if (!Number.isFinite(s)) return "?";
	if (style === "words" && s < 0) return "-";
	if (style === "words" && s < 60) return `${s < 10 ? s.toFixed(1) : Math.round(s)} s`;
	const total = Math.round(s);
	const h = Math.floor(total / 3600);
	const m = String(Math.floor((total % 3600) / 60)).padStart(2, "0");
	const sec = String(total % 60).padStart(2, "0");
	if (style === "words") return h > 0 ? `${h} h ${m} min` : `${Number(m)} min ${sec} s`;
	return h > 0 ? `${h}h${m}m` : `${Number(m)}m${sec}s`;
}
