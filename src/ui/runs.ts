/**
 * The runs page's server side: finds every training run (config.json of format
 * genrep-train/1, with its metrics.jsonl), eval (a genrep-eval/1 metrics JSON) and experiment
 * (preset.json, report.html) under the `--runs` roots, and reads a run's metrics from a line
 * offset on, so the page can poll for the points a running `genrep train` appends.
 */
import { open, readdir, readFile, stat } from "node:fs/promises";
import { join, relative } from "node:path";
import { HttpError } from "./httpError.js";
import { UI_LIMITS } from "./limits.js";
import { confinedPath, type Root } from "./paths.js";
import type { DatasetSummary, EvalSummary, MetricsPoint, RunEntry, RunStatus } from "./protocol.js";

export type { DatasetSummary, EvalSummary, MetricsPoint, RunEntry, RunKind, RunStatus } from "./protocol.js";

/** Every run, eval and experiment under the roots (bounded depth and count), newest first. */
export async function listRuns(roots: readonly Root[]): Promise<RunEntry[]> {
	const out: RunEntry[] = [];
	let seen = 0;
	const walk = async (root: Root, dir: string, depth: number): Promise<void> => {
		if (depth > UI_LIMITS.maxScanDepth || seen > UI_LIMITS.maxScanEntries) return;
		const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
		seen += entries.length;
		const rel = relative(root.real, dir).split("\\").join("/");
		const label = `${root.given.replace(/\/+$/, "")}/${rel}`.replace(/\/$/, "");
		const names = new Set(entries.filter((e) => e.isFile()).map((e) => e.name));
		if (names.has("config.json")) {
			const config = await readJson(join(dir, "config.json"));
			if (config?.format === "genrep-train/1") {
				const modified = await mtime(join(dir, names.has("metrics.jsonl") ? "metrics.jsonl" : "config.json"));
				const steps = config.steps === null ? `${config.epochs} epochs` : `${config.steps} steps`;
				out.push({
					kind: "train",
					root: root.index,
					path: rel,
					label,
					modified,
					summary: `${config.method} ${config.encoder}, ${steps}`,
				});
			}
		}
		if (names.has("preset.json")) {
			const preset = await readJson(join(dir, "preset.json"));
			const p = preset?.preset as { name?: string } | undefined;
			if (p && typeof p.name === "string") {
				const modified = await mtime(join(dir, names.has("report.html") ? "report.html" : "preset.json"));
				out.push({ kind: "experiment", root: root.index, path: rel, label, modified, summary: `preset ${p.name}` });
			}
		}
		for (const e of entries) {
			if (e.isFile() && e.name.endsWith(".json") && e.name !== "config.json" && e.name !== "preset.json") {
				const path = join(dir, e.name);
				const info = await stat(path).catch(() => null);
				if (!info || info.size > UI_LIMITS.maxJsonProbeBytes) continue;
				const text = await readFile(path, "utf8").catch(() => "");
				if (!text.includes('"genrep-eval/1"')) continue;
				const json = parseJson(text);
				if (json?.format !== "genrep-eval/1") continue;
				const encoder = json.encoder as { kind?: string; name?: string; run?: string } | undefined;
				const fileRel = rel ? `${rel}/${e.name}` : e.name;
				out.push({
					kind: "eval",
					root: root.index,
					path: fileRel,
					label: `${label}/${e.name}`,
					modified: info.mtimeMs / 1000,
					summary: `encoder ${encoder?.kind ?? "?"}`,
				});
			}
		}
		for (const e of entries) {
			if (e.isDirectory() && !e.name.startsWith(".") && e.name !== "node_modules")
				await walk(root, join(dir, e.name), depth + 1);
		}
	};
	for (const root of roots) await walk(root, root.real, 0);
	return out.sort((a, b) => b.modified - a.modified);
}

/** A training run's config and metrics from line `since` on (complete lines only). */
export async function readRun(root: Root, rel: string, since: number): Promise<RunStatus> {
	const dir = confinedPath(root, rel);
	const config = await readJson(join(dir, "config.json"));
	if (config?.format !== "genrep-train/1")
		throw new HttpError(404, `${rel || "."}: not a training run (no genrep-train/1 config.json)`);
	const text = await readBounded(join(dir, "metrics.jsonl")).catch((err) => {
		if ((err as NodeJS.ErrnoException).code === "ENOENT") return "";
		throw err;
	});
	const complete = text.endsWith("\n") ? text : text.slice(0, text.lastIndexOf("\n") + 1);
	const lines = complete.split("\n").filter((l) => l.trim() !== "");
	const all = lines
		.map(parseJson)
		.filter((p): p is Record<string, unknown> => p !== null && typeof p.step === "number") as unknown as MetricsPoint[];
	const encoder = await readJson(join(dir, "encoder.json"));
	const totalSteps =
		typeof config.steps === "number"
			? config.steps
			: typeof encoder?.totalSteps === "number"
				? encoder.totalSteps
				: null;
	const last = all.at(-1);
	const done = encoder?.complete === true;
	return {
		kind: "train",
		path: rel,
		config,
		totalSteps,
		points: all.slice(Math.max(0, since)),
		next: all.length,
		lastStep: last?.step ?? 0,
		etaSeconds: done ? null : eta(all, totalSteps),
		complete: done,
		evalMetrics: summarizeEval(await readJson(join(dir, "metrics.json"))),
	};
}

/** Seconds left: the pace over the last (up to) 20 points times the steps left. */
export function eta(points: readonly MetricsPoint[], totalSteps: number | null): number | null {
	if (totalSteps === null || points.length < 2) return null;
	const recent = points.slice(-20);
	const first = recent[0];
	const last = recent[recent.length - 1];
	const steps = last.step - first.step;
	if (steps <= 0 || !(last.seconds > first.seconds)) return null;
	return Math.max(0, ((last.seconds - first.seconds) / steps) * (totalSteps - last.step));
}

/** The figures of a genrep-eval/1 file (top-1 as fractions), or null when it is not one. */
export function summarizeEval(json: Record<string, unknown> | null): EvalSummary | null {
	if (json?.format !== "genrep-eval/1") return null;
	const ds = (d: unknown): DatasetSummary | null => {
		if (!d || typeof d !== "object") return null;
		const m = d as {
			dataset?: string;
			linearProbe?: { top1?: number };
			knn?: { top1?: number };
			lowShot?: Record<string, { top1?: number }>;
		};
		return {
			dataset: String(m.dataset ?? "?"),
			linear: m.linearProbe?.top1 ?? null,
			knn: m.knn?.top1 ?? null,
			lowShot: Object.fromEntries(Object.entries(m.lowShot ?? {}).map(([k, v]) => [k, v?.top1 ?? null])),
		};
	};
	const dataset = ds(json.dataset);
	if (!dataset) return null;
	return {
		encoder: json.encoder ?? null,
		dataset,
		transfer: ds(json.transfer),
		seconds: typeof json.seconds === "number" ? json.seconds : null,
		command: typeof json.command === "string" ? json.command : null,
	};
}

/** An eval file's figures. */
export async function readEval(root: Root, rel: string): Promise<EvalSummary> {
	const path = confinedPath(root, rel);
	const summary = summarizeEval(parseJson(await readBounded(path)));
	if (!summary) throw new HttpError(404, `${rel}: not a genrep-eval/1 metrics file`);
	return summary;
}

export interface ExperimentStatus {
	path: string;
	preset: unknown;
	command: string | null;
	/** Relative to the root, when the report exists. */
	report: string | null;
	runs: string[];
}

export async function readExperiment(root: Root, rel: string): Promise<ExperimentStatus> {
	const dir = confinedPath(root, rel);
	const preset = await readJson(join(dir, "preset.json"));
	if (!preset) throw new HttpError(404, `${rel || "."}: not an experiment (no preset.json)`);
	const report = await stat(join(dir, "report.html")).then(
		() => (rel ? `${rel}/report.html` : "report.html"),
		() => null,
	);
	const runs = (await listRuns([{ ...root, real: dir }]))
		.filter((r) => r.kind === "train")
		.map((r) => (rel ? `${rel}/${r.path}` : r.path));
	return {
		path: rel,
		preset: preset.preset ?? null,
		command: typeof preset.command === "string" ? preset.command : null,
		report,
		runs,
	};
}

async function mtime(path: string): Promise<number> {
	return stat(path).then(
		(s) => s.mtimeMs / 1000,
		() => 0,
	);
}

/** Reads a file of at most UI_LIMITS.maxFileBytes (413 past it). */
export async function readBounded(path: string): Promise<string> {
	const handle = await open(path, "r");
	try {
		const { size } = await handle.stat();
		if (size > UI_LIMITS.maxFileBytes) {
			throw new HttpError(
				413,
				`${path.split("/").pop()}: ${size} bytes, more than the ${UI_LIMITS.maxFileBytes} the server reads`,
			);
		}
		return await handle.readFile("utf8");
	} finally {
		await handle.close();
	}
}

async function readJson(path: string): Promise<Record<string, unknown> | null> {
	const info = await stat(path).catch(() => null);
	if (!info?.isFile() || info.size > UI_LIMITS.maxJsonProbeBytes) return null;
	return parseJson(await readFile(path, "utf8").catch(() => ""));
}

function parseJson(text: string): Record<string, unknown> | null {
	try {
		const v = JSON.parse(text);
		return v && typeof v === "object" && !Array.isArray(v) ? v : null;
	} catch {
		return null;
	}
}
