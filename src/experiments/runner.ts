/**
 * The experiment runner (`genrep experiment <preset>`): turns a preset into jobs (generate each
 * views dataset; per cell and seed: train, then evaluate), runs the jobs that are not finished,
 * aggregates mean and spread over seeds per cell, and writes the report.
 *
 * Layout of the experiment folder:
 *   preset.json                 the resolved preset and the command
 *   views/<id>/                 multiview datasets (genrep views generate)
 *   runs/<cell>/seed-<s>/       training runs (genrep train) and their metrics.json (genrep eval)
 *   grids/<id>.png              anchors beside their views
 *   report.md, report.html, results.json, plots/
 *   jobs.jsonl                  the job ledger: every finished job's time, over all sittings
 *
 * Re-running skips finished jobs: a views dataset completes itself, a training run with a
 * complete encoder is kept and an unfinished one resumes from its checkpoint, a metrics.json is
 * kept while it measured the encoder weights now on disk (an eval of weights that changed
 * since is redone). A failed job is recorded, every job that needs it is blocked (recorded as
 * failed, not run), and the others go on; the report marks the cells they leave unmeasured.
 */
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { cpuSecondsSince } from "../engine/cpuTime.js";
import { killPoint } from "../engine/killPoint.js";
import { formatSeconds } from "../engine/progress.js";
import { GenrepError } from "../errors.js";
import { writeJsonAtomic } from "../formats/runFiles.js";
import { aggregate } from "./aggregate.js";
import { checkPreset } from "./checkPreset.js";
import { type Job, makeJobs } from "./jobs.js";
import { appendLedger, readLedger } from "./ledger.js";
import type { PresetSpec } from "./preset.js";
import type { ExperimentResults, JobRecord } from "./results.js";

export { metricValues } from "./aggregate.js";
export { checkPreset } from "./checkPreset.js";

export interface RunExperimentOptions {
	preset: PresetSpec;
	out: string;
	/** Only these seeds (a subset of the preset's); default all. */
	seeds?: number[];
	dataDir?: string;
	/** The command line, for the report. */
	command?: string;
	/**
	 * Each job event (start, done, blocked, failed) as a line for people and as a record for
	 * machines (the CLI writes the line on a terminal, the record as a JSON line otherwise);
	 * default: the line on stderr.
	 */
	log?: (line: string, event: JobEvent) => void;
	/** Called with the results before the report is written (e.g. to print the table). */
	onResults?: (results: ExperimentResults) => void;
	signal?: AbortSignal;
}

export interface RunExperimentResult {
	out: string;
	results: ExperimentResults;
	report: { markdown: string; html: string };
	jobs: JobRecord[];
	failed: number;
}

/** A job event, as `log` receives it. */
export interface JobEvent {
	event: "job";
	index: number;
	jobs: number;
	id: string;
	status: "start" | "done" | "blocked" | "failed";
	seconds?: number;
	etaSeconds?: number;
	error?: string;
}

/** Runs (or finishes) an experiment and writes its report. */
export async function runExperiment(options: RunExperimentOptions): Promise<RunExperimentResult> {
	const preset = options.preset;
	checkPreset(preset);
	const seeds = options.seeds ?? preset.seeds;
	for (const s of seeds) {
		if (!preset.seeds.includes(s))
			throw new GenrepError(`seed ${s} is not one of the preset's seeds (${preset.seeds})`);
	}
	const out = options.out;
	const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
	await mkdir(out, { recursive: true });
	await writeJsonAtomic(join(out, "preset.json"), { preset, seeds, command: options.command ?? null });
	const started = performance.now();

	const jobs = makeJobs(preset, seeds, out, options);
	const at = (index: number, job: Job) => ({ event: "job" as const, index: index + 1, jobs: jobs.length, id: job.id });
	const earlier = await readLedger(out);
	const records: JobRecord[] = [];
	// Which jobs an earlier sitting finished, asked once: they are skipped, and the ETA counts
	// only the work left.
	const finished = await Promise.all(jobs.map((job) => job.done()));
	const totalWeight = jobs.reduce((sum, job, i) => sum + (finished[i] ? 0 : job.weight), 0);
	let doneWeight = 0;
	let workSeconds = 0;
	let workWeight = 0;
	const failed = new Set<string>();
	for (const [i, job] of jobs.entries()) {
		if (options.signal?.aborted) throw new GenrepError("interrupted; run the same command again to continue");
		const tag = `[${i + 1}/${jobs.length}] ${job.id}`;
		const blockedBy = job.needs.find((id) => failed.has(id));
		if (blockedBy) {
			failed.add(job.id);
			records.push({ id: job.id, status: "failed", error: `blocked: ${blockedBy} failed` });
			const error = `${blockedBy} failed`;
			log(`${tag} blocked: ${error}`, { ...at(i, job), status: "blocked", error });
			if (!finished[i]) doneWeight += job.weight;
			continue;
		}
		if (finished[i]) {
			const before = earlier.get(job.id);
			records.push({
				id: job.id,
				status: "skipped",
				seconds: before?.seconds,
				cpuSeconds: before?.cpuSeconds,
				finishedAt: before?.finishedAt,
			});
			continue;
		}
		log(`${tag} ...`, { ...at(i, job), status: "start" });
		const t0 = performance.now();
		const cpu0 = process.cpuUsage();
		try {
			const result = await job.run();
			const seconds = (performance.now() - t0) / 1000;
			const record = {
				id: job.id,
				status: "done",
				seconds: round(seconds),
				cpuSeconds: round(result ? result.cpuSeconds : cpuSecondsSince(cpu0)),
				finishedAt: new Date().toISOString(),
			} as const;
			await appendLedger(out, record);
			killPoint("experiment-job");
			records.push(record);
			workSeconds += seconds;
			workWeight += job.weight;
			doneWeight += job.weight;
			const eta = workWeight > 0 ? (workSeconds / workWeight) * (totalWeight - doneWeight) : Number.NaN;
			log(`${tag} done in ${formatSeconds(seconds)}; experiment ETA ${formatSeconds(eta)}`, {
				...at(i, job),
				status: "done",
				seconds: round(seconds),
				etaSeconds: Number.isFinite(eta) ? Math.round(eta) : undefined,
			});
		} catch (err) {
			if (options.signal?.aborted) throw err;
			const message = (err as Error).message.split("\n")[0];
			const record = {
				id: job.id,
				status: "failed",
				seconds: round((performance.now() - t0) / 1000),
				cpuSeconds: round(cpuSecondsSince(cpu0)),
				finishedAt: new Date().toISOString(),
			} as const;
			await appendLedger(out, record);
			records.push({ ...record, error: message });
			failed.add(job.id);
			log(`${tag} failed: ${message}`, { ...at(i, job), status: "failed", error: message });
			doneWeight += job.weight;
		}
	}

	const results = await aggregate(
		preset,
		seeds,
		out,
		options.command ?? "",
		records,
		(performance.now() - started) / 1000,
	);
	options.onResults?.(results);
	const { writeReport } = await import("./report.js");
	await writeReport(out, results);
	return {
		out,
		results,
		report: { markdown: join(out, "report.md"), html: join(out, "report.html") },
		jobs: records,
		failed: records.filter((r) => r.status === "failed").length,
	};
}

const round = (v: number) => Math.round(v * 10) / 10;
