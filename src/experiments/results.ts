/**
 * The aggregated results of one experiment, as the runner hands them to the report writer
 * (src/experiments/report.ts) and as `results.json` stores them.
 *
 * Units: a metric with unit "%" holds fractions in [0, 1] (an accuracy of 0.712 is shown as
 * 71.2); the paper's numbers are written as the paper prints them (72.1 for 72.1%) and shown
 * verbatim.
 */

/** A metric over seeds: mean, sample standard deviation (0 when n = 1), n, and the values. */
export interface Stat {
	mean: number;
	std: number;
	n: number;
	values: number[];
}

export type MetricUnit = "%" | "";

/** One column of a result table. */
export interface MetricColumn {
	key: string;
	label: string;
	/** "%": values are fractions, shown as percent with one decimal. Default "". */
	unit?: MetricUnit;
	/** Which way is better, for the bold best cell. Default "higher". */
	better?: "higher" | "lower";
}

/** One seed's run: paths relative to the report folder. */
export interface RunLink {
	label: string;
	config?: string;
	metrics?: string;
}

export interface ResultRow {
	label: string;
	/** By metric key; null where the cell was not measured (or every seed failed). */
	cells: Record<string, Stat | null>;
	/** The paper's number for orientation, by metric key, as printed in the paper. */
	paper?: Record<string, number | string>;
	/** A no-training bar (raw pixels, a random encoder): the verdict always names it. */
	baseline?: boolean;
	runs: RunLink[];
	/** Runs whose training or evaluation failed (or was blocked) in the last sitting: not in the cells. */
	failed?: string[];
}

export interface ResultTable {
	title: string;
	caption?: string;
	metrics: MetricColumn[];
	rows: ResultRow[];
	/** Draw a dot plot of the first metric (default true). */
	chart?: boolean;
	/** Where the rows' paper numbers come from (the paper's scale), for the legend. */
	paperScale?: string;
}

export interface SweepPoint {
	/** Position on the numeric axis; null for a point that is not on it (then give xLabel). */
	x: number | null;
	/** Label of the point, e.g. "live stream (unlimited)"; required when x is null. */
	xLabel?: string;
	stat: Stat;
}

export interface SweepSeries {
	name: string;
	points: SweepPoint[];
}

export interface Sweep {
	title: string;
	caption?: string;
	x: { label: string; scale: "linear" | "log" };
	y: { key: string; label: string; unit?: MetricUnit };
	series: SweepSeries[];
	paperNote?: string;
}

/** An image grid (a PNG file), path relative to the report folder. */
export interface Grid {
	title: string;
	caption?: string;
	path: string;
}

/**
 * A job of the last sitting: run ("done" or "failed") or found finished ("skipped"). A skipped
 * job's seconds and finishedAt are those of the sitting that ran it, when the ledger knows them.
 */
export interface JobRecord {
	id: string;
	status: "done" | "failed" | "skipped";
	seconds?: number;
	/** CPU time of the runner process during the job (user + system), seconds. */
	cpuSeconds?: number;
	/** ISO 8601 time the job ended. */
	finishedAt?: string;
	error?: string;
}

export interface ExperimentResults {
	preset: string;
	title: string;
	description: string;
	/** The exact command that produced the results. */
	command: string;
	/** A sentence on the scale chosen (anchors, steps, encoder, seeds). */
	scale: string;
	/** ISO 8601 time. */
	generatedAt: string;
	/** Wall time of this sitting (jobs skipped as finished cost nothing here). */
	seconds: number;
	tables: ResultTable[];
	sweeps: Sweep[];
	grids: Grid[];
	/** Findings in words. */
	notes?: string[];
	jobs: JobRecord[];
}

/** Mean, sample standard deviation (n - 1 in the denominator; 0 when n = 1) and n of `values`. */
export function summarize(values: number[]): Stat {
	if (values.length === 0) throw new RangeError("summarize needs at least one value, got an empty list");
	const bad = values.find((v) => !Number.isFinite(v));
	if (bad !== undefined) throw new RangeError(`summarize needs finite values, got ${bad}`);
	const n = values.length;
	const mean = values.reduce((sum, v) => sum + v, 0) / n;
	const squares = values.reduce((sum, v) => sum + (v - mean) ** 2, 0);
	const std = n > 1 ? Math.sqrt(squares / (n - 1)) : 0;
	return { mean, std, n, values: [...values] };
}
