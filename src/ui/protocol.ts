/**
 * What the runs API sends (src/ui/runs.ts) and the page reads (src/ui/web/src/runs.ts): the
 * shapes only, in a module with no Node imports so the front end can import its types.
 */

export type RunKind = "train" | "eval" | "experiment";

export interface RunEntry {
	kind: RunKind;
	root: number;
	/** Path relative to the root: a folder (train, experiment) or a file (eval). */
	path: string;
	/** Root as given on the command line, and the path: what the page shows. */
	label: string;
	/** Seconds since the epoch of the last change (metrics.jsonl, the eval file, report). */
	modified: number;
	/** Train: method and total steps; experiment: preset name; eval: encoder. */
	summary: string;
}

export interface MetricsPoint {
	step: number;
	loss: number;
	lr: number;
	imagesPerSecond: number;
	seconds: number;
	epoch?: number;
}

export interface RunStatus {
	kind: "train";
	path: string;
	config: Record<string, unknown>;
	/** Steps the run is set to make (null when only epochs are known and no point is in yet). */
	totalSteps: number | null;
	/** The points from line `since` on, and the line to ask from next. */
	points: MetricsPoint[];
	next: number;
	/** Last step logged, and seconds from the run's start. */
	lastStep: number;
	/** Seconds left at the recent pace, or null when not yet known or finished. */
	etaSeconds: number | null;
	/** True once encoder.json says the run is complete. */
	complete: boolean;
	/** The eval's metrics when the run folder holds a metrics.json (the experiment layout). */
	evalMetrics: EvalSummary | null;
}

export interface EvalSummary {
	encoder: unknown;
	dataset: DatasetSummary;
	transfer: DatasetSummary | null;
	seconds: number | null;
	command: string | null;
}

export interface DatasetSummary {
	dataset: string;
	linear: number | null;
	knn: number | null;
	lowShot: Record<string, number | null>;
}
