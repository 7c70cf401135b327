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
import { existsSync } from "node:fs";
import { mkdir, readFile, rm } from "node:fs/promises";
import { join, relative } from "node:path";
import { writeJsonAtomic } from "../data/runFiles.js";
import { killPoint } from "../engine/killPoint.js";
import { formatSeconds } from "../engine/progress.js";
import { GenrepError } from "../errors.js";
import type { EvalMetrics } from "../evaluation/representation/evaluate.js";
import { encoderWeightsSha256 } from "../learners/encoderFile.js";
import type { DataSourceOptions } from "../learners/sources/types.js";
import { appendLedger, readLedger } from "./ledger.js";
import { type CellSpec, METRICS, type PresetSpec } from "./preset.js";
import type { ExperimentResults, Grid, JobRecord, ResultTable, Stat, Sweep } from "./results.js";
import { summarize } from "./results.js";

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

interface Job {
	id: string;
	kind: "views" | "train" | "eval";
	/** Ids of the jobs whose output this one reads: a failure there blocks it. */
	needs: string[];
	/** Cost in training-step equivalents (the ETA weighs jobs by it). */
	weight: number;
	done: () => Promise<boolean>;
	/** Runs the job; a job that resumed earlier work returns its whole CPU time (all sittings). */
	// biome-ignore lint/suspicious/noConfusingVoidType: the other jobs are plain async closures that return nothing
	run: () => Promise<void | { cpuSeconds: number }>;
}

/** Rough costs in training steps of resnet-tiny at batch 256, for the ETA only (measured once). */
const EVAL_WEIGHT = 40;
const VIEWS_IMAGES_PER_STEP = 1500;

const runDir = (out: string, cell: string, seed: number) => join(out, "runs", cell, `seed-${seed}`);

/** The ids of a cell's jobs for one seed (the views a cell reads are named in them). */
function cellJobIds(cell: CellSpec, seed: number): { train: string; eval: string } {
	const viewsTag = "views" in cell.data ? ` <${cell.data.views}>` : "";
	return { train: `train ${cell.id} seed ${seed}${viewsTag}`, eval: `eval ${cell.id} seed ${seed}${viewsTag}` };
}

/** CPU seconds (user + system) this process spent since `start` (a process.cpuUsage() reading). */
function cpuSecondsSince(start: NodeJS.CpuUsage): number {
	const { user, system } = process.cpuUsage(start);
	return round((user + system) / 1e6);
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
				cpuSeconds: result ? round(result.cpuSeconds) : cpuSecondsSince(cpu0),
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
				cpuSeconds: cpuSecondsSince(cpu0),
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

/** Every cell's data and views must exist in the preset; ids unique. */
export function checkPreset(p: PresetSpec): void {
	const ids = new Set<string>();
	for (const cell of p.cells) {
		if (ids.has(cell.id)) throw new GenrepError(`preset ${p.name}: cell id '${cell.id}' is used twice`);
		ids.add(cell.id);
		const views = "views" in cell.data ? cell.data.views : null;
		if (views !== null && !(views in p.views)) {
			throw new GenrepError(
				`preset ${p.name}: cell '${cell.id}' uses views '${views}', which the preset does not define`,
			);
		}
		const k = cell.data.kind === "views" ? cell.data.neighbors : undefined;
		if (views !== null && k !== undefined && !(Number.isInteger(k) && k >= 1 && k <= p.views[views].neighbors)) {
			throw new GenrepError(
				`preset ${p.name}: cell '${cell.id}' uses ${k} latent views of '${views}', which holds ${p.views[views].neighbors} per anchor`,
			);
		}
	}
	const cellsOf = [
		...p.tables.flatMap((t) => t.rows),
		...p.sweeps.flatMap((s) => s.series.flatMap((x) => x.points.map((pt) => pt.cell))),
	];
	for (const id of cellsOf)
		if (!ids.has(id)) throw new GenrepError(`preset ${p.name}: the layout names an unknown cell '${id}'`);
	for (const g of p.grids)
		if (!(g.views in p.views)) throw new GenrepError(`preset ${p.name}: grid of unknown views '${g.views}'`);
	if (p.seeds.length === 0) throw new GenrepError(`preset ${p.name}: no seeds`);
}

function makeJobs(preset: PresetSpec, seeds: number[], out: string, options: RunExperimentOptions): Job[] {
	const jobs: Job[] = [];
	const usedViews = new Set(
		preset.cells.flatMap((c) => ("views" in c.data ? [c.data.views] : [])).concat(preset.grids.map((g) => g.views)),
	);
	const viewsJob = (id: string) => `views <${id}>`;
	for (const id of usedViews) {
		const spec = preset.views[id];
		const dir = join(out, "views", id);
		jobs.push({
			id: viewsJob(id),
			kind: "views",
			needs: [],
			weight: (spec.anchors * (spec.neighbors + 1)) / VIEWS_IMAGES_PER_STEP,
			done: async () => isCompleteViews(dir),
			run: async () => {
				const { generateMultiviewDataset } = await import("../store/multiview.js");
				await generateMultiviewDataset({
					generator: spec.generator,
					view: spec.view,
					viewOptions: spec.viewOptions,
					anchors: spec.anchors,
					neighbors: spec.neighbors,
					seed: spec.seed,
					out: dir,
				});
			},
		});
	}
	for (const cell of preset.cells) {
		for (const seed of seeds) {
			const dir = runDir(out, cell.id, seed);
			const metrics = join(dir, "metrics.json");
			const views = "views" in cell.data ? cell.data.views : null;
			const { train: trainId, eval: evalId } = cellJobIds(cell, seed);
			const encoderName = cell.encoder ?? preset.encoder;
			const trained = cell.data.kind !== "baseline";
			if (trained) {
				const steps = cell.steps ?? preset.steps;
				jobs.push({
					id: trainId,
					kind: "train",
					needs: views !== null ? [viewsJob(views)] : [],
					weight: steps,
					done: async () =>
						isCompleteRun(dir, {
							method: cell.method ?? "simclr",
							encoder: encoderName,
							batchSize: cell.batchSize ?? preset.batchSize,
							steps,
							seed,
							...(cell.lr !== undefined ? { lr: cell.lr } : {}),
							...(cell.temperature !== undefined ? { temperature: cell.temperature } : {}),
						}),
					run: () => trainCell(preset, cell, seed, dir, out, options),
				});
			}
			jobs.push({
				id: evalId,
				kind: "eval",
				needs: trained ? [trainId] : [],
				weight: EVAL_WEIGHT,
				done: async () => isCurrentEval(metrics, trained ? dir : null),
				run: async () => {
					const { evaluateRepresentation } = await import("../evaluation/representation/evaluate.js");
					const encoder =
						cell.data.kind === "baseline"
							? cell.data.baseline === "pixels"
								? "pixels"
								: `random:${encoderName}`
							: dir;
					await mkdir(dir, { recursive: true });
					await evaluateRepresentation({
						encoder,
						dataset: preset.dataset,
						transfer: preset.transfer,
						dataDir: options.dataDir,
						seed,
						trainLimit: preset.evalTrainLimit,
						testLimit: preset.evalTestLimit,
						out: metrics,
					});
				},
			});
		}
	}
	return jobs;
}

async function isCompleteViews(dir: string): Promise<boolean> {
	try {
		const manifest = JSON.parse(await readFile(join(dir, "manifest.json"), "utf8"));
		return manifest.shards.every((s: { sha256: string | null }) => s.sha256 !== null);
	} catch {
		return false;
	}
}

/**
 * A metrics.json counts as done while it measured what is on disk now: for a trained cell, the
 * encoder weights whose sha256 it recorded (a resumed or retrained run changes them).
 */
async function isCurrentEval(metricsPath: string, runDir: string | null): Promise<boolean> {
	if (!existsSync(metricsPath)) return false;
	if (runDir === null) return true;
	try {
		const metrics = JSON.parse(await readFile(metricsPath, "utf8"));
		const recorded = metrics?.encoder?.weightsSha256;
		return typeof recorded === "string" && recorded === (await encoderWeightsSha256(runDir));
	} catch {
		return false;
	}
}

/**
 * A training run counts as done when its encoder is complete and its config is the one the
 * preset asks for now; a run made for other settings is not skipped (its resume then refuses
 * the changed config, and the job fails with the trainer's message instead of reporting it).
 */
async function isCompleteRun(dir: string, expected: Record<string, unknown>): Promise<boolean> {
	try {
		if (JSON.parse(await readFile(join(dir, "encoder.json"), "utf8")).complete !== true) return false;
		const config = JSON.parse(await readFile(join(dir, "config.json"), "utf8"));
		return Object.entries(expected).every(([key, value]) => config[key] === value);
	} catch {
		return false;
	}
}

async function trainCell(
	preset: PresetSpec,
	cell: CellSpec,
	seed: number,
	dir: string,
	out: string,
	options: RunExperimentOptions,
): Promise<{ cpuSeconds: number }> {
	const { trainRepresentation } = await import("../learners/trainer.js");
	const resume = existsSync(join(dir, "checkpoint.safetensors"));
	if (!resume) await rm(dir, { recursive: true, force: true }); // a run killed before its first checkpoint
	const result = await trainRepresentation({
		method: cell.method ?? "simclr",
		encoder: cell.encoder ?? preset.encoder,
		lr: cell.lr,
		temperature: cell.temperature,
		data: cellSource(preset, cell, out, options.dataDir),
		pixelViews: cell.pixelViews ?? true,
		steps: cell.steps ?? preset.steps,
		batchSize: cell.batchSize ?? preset.batchSize,
		seed,
		out: dir,
		resume,
		progress: "none",
		signal: options.signal,
		command: options.command,
	});
	if (options.signal?.aborted) throw new GenrepError("interrupted; run the same command again to continue");
	return { cpuSeconds: result.cpuSeconds };
}

function cellSource(preset: PresetSpec, cell: CellSpec, out: string, dataDir?: string): DataSourceOptions {
	const d = cell.data;
	switch (d.kind) {
		case "real":
			return { kind: "real", dataset: preset.dataset, dataDir, limit: preset.realLimit };
		case "views":
			return { kind: "stored", dir: join(out, "views", d.views), latentViews: d.latentViews, neighbors: d.neighbors };
		case "live":
			return { kind: "live", generator: d.generator, view: d.view, neighbors: d.neighbors };
		case "mixed":
			return {
				kind: "mixed",
				dataset: preset.dataset,
				dataDir,
				limit: preset.realLimit,
				generated: join(out, "views", d.views),
				fraction: d.fraction,
			};
		case "baseline":
			throw new Error("baselines are not trained");
	}
}

/** The numbers of one metrics.json, by metric key (fractions). */
export function metricValues(m: EvalMetrics): Record<string, number> {
	const values: Record<string, number> = {
		linear: m.dataset.linearProbe.top1,
		knn: m.dataset.knn.top1,
	};
	for (const shots of [10, 100]) {
		const r = m.dataset.lowShot[String(shots)];
		if (r && "mean" in r) values[`lowShot${shots}`] = r.mean;
	}
	if (m.transfer) values.transfer = m.transfer.linearProbe.top1;
	return values;
}

async function aggregate(
	preset: PresetSpec,
	seeds: number[],
	out: string,
	command: string,
	jobs: JobRecord[],
	seconds: number,
): Promise<ExperimentResults> {
	const cellStats = new Map<
		string,
		{ cells: Record<string, Stat | null>; runs: ResultTable["rows"][number]["runs"] }
	>();
	const status = new Map(jobs.map((job) => [job.id, job]));
	const failedSeeds = new Map<string, string[]>();
	for (const cell of preset.cells) {
		const values: Record<string, number[]> = {};
		const runs: ResultTable["rows"][number]["runs"] = [];
		for (const seed of seeds) {
			const dir = runDir(out, cell.id, seed);
			const evalJob = status.get(cellJobIds(cell, seed).eval);
			if (evalJob?.status === "failed") {
				// Its metrics.json (if any) is stale: from before the job that failed or was blocked.
				failedSeeds.set(cell.id, [...(failedSeeds.get(cell.id) ?? []), `seed ${seed}`]);
				runs.push({ label: `seed ${seed}` });
				continue;
			}
			const metricsPath = join(dir, "metrics.json");
			const configPath = join(dir, "config.json");
			runs.push({
				label: `seed ${seed}`,
				config: existsSync(configPath) ? relative(out, configPath) : undefined,
				metrics: existsSync(metricsPath) ? relative(out, metricsPath) : undefined,
			});
			if (!existsSync(metricsPath)) continue;
			const m = JSON.parse(await readFile(metricsPath, "utf8")) as EvalMetrics;
			for (const [key, v] of Object.entries(metricValues(m))) {
				values[key] = [...(values[key] ?? []), v];
			}
		}
		const cells = Object.fromEntries(METRICS.map((c) => [c.key, values[c.key] ? summarize(values[c.key]) : null]));
		cellStats.set(cell.id, { cells, runs });
	}
	const byId = new Map(preset.cells.map((c) => [c.id, c]));
	const tables: ResultTable[] = preset.tables.map((t) => ({
		title: t.title,
		caption: t.caption,
		chart: t.chart,
		metrics: METRICS.filter((c) => !t.metrics || t.metrics.includes(c.key)).filter(
			(c) => c.key !== "transfer" || preset.transfer,
		),
		rows: t.rows.map((id) => {
			const cell = byId.get(id) as CellSpec;
			const stats = cellStats.get(id) as {
				cells: Record<string, Stat | null>;
				runs: ResultTable["rows"][number]["runs"];
			};
			const failed = failedSeeds.get(id);
			return {
				label: cell.label,
				cells: stats.cells,
				paper: cell.paper,
				runs: stats.runs,
				...(failed ? { failed } : {}),
			};
		}),
	}));
	const cpuOf = new Map(jobs.filter((j) => j.cpuSeconds !== undefined).map((j) => [j.id, j.cpuSeconds as number]));
	/** Mean training CPU-minutes of a cell over the seeds whose training time is known; null if none. */
	const trainCpuMinutes = (cellId: string): number | null => {
		const cell = byId.get(cellId);
		if (!cell) return null;
		const known = seeds.flatMap((seed) => cpuOf.get(cellJobIds(cell, seed).train) ?? []);
		return known.length === 0 ? null : Math.round((known.reduce((a, b) => a + b, 0) / known.length / 60) * 100) / 100;
	};
	const sweeps: Sweep[] = preset.sweeps.map((s) => {
		const column = METRICS.find((c) => c.key === s.y);
		return {
			title: s.title,
			caption: s.caption,
			x: s.x,
			y: { key: s.y, label: s.yLabel ?? column?.label ?? s.y, unit: column?.unit },
			series: s.series.map((series) => ({
				name: series.name,
				points: series.points.flatMap((p) => {
					const stat = cellStats.get(p.cell)?.cells[p.metric ?? s.y];
					const x = s.x.measured === "trainCpuMinutes" ? trainCpuMinutes(p.cell) : p.x;
					if (!stat || (s.x.measured && x === null)) return [];
					return [{ x, xLabel: p.xLabel, stat }];
				}),
			})),
			paperNote: s.paperNote,
		};
	});
	const grids: Grid[] = [];
	for (const g of preset.grids) {
		const path = join(out, "grids", `${g.views}.png`);
		const dir = join(out, "views", g.views);
		if (!existsSync(path) && (await isCompleteViews(dir))) {
			const { openMultiviewDataset } = await import("../store/multiview.js");
			const { writeViewsGrid } = await import("../store/viewsGrid.js");
			await writeViewsGrid(await openMultiviewDataset(dir), path, { anchors: 8 });
		}
		if (existsSync(path)) grids.push({ title: g.title, caption: g.caption, path: relative(out, path) });
	}
	return {
		preset: preset.name,
		title: preset.title,
		description: preset.description,
		command,
		scale: preset.scale,
		generatedAt: new Date().toISOString(),
		seconds: round(seconds),
		tables,
		sweeps,
		grids,
		notes: preset.notes,
		jobs,
	};
}

const round = (v: number) => Math.round(v * 10) / 10;
