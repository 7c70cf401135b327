/**
 * The job ledger of an experiment folder: `jobs.jsonl`, one line per job that finished (or
 * failed), with how long it ran and when it ended. A long preset runs over several sittings;
 * the runner reads the ledger so that a job it skips still shows when and in how long it ran,
 * and the report can sum the compute over every sitting. Lines are appended one per job, so a
 * crash loses at most the line being written; a torn or foreign line is ignored on reading.
 *
 * Folders made before the ledger existed (or whose ledger was deleted) hold the last sitting's
 * `results.json`: its timed jobs seed the ledger the first time it is read.
 */
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { appendJsonLine } from "../formats/runFiles.js";
import type { ExperimentResults } from "./results.js";

export interface LedgerEntry {
	id: string;
	status: "done" | "failed";
	seconds: number;
	/**
	 * CPU time of the runner process while the job ran (user + system, all threads), seconds.
	 * On a shared machine it measures the job's work where wall time measures the load.
	 */
	cpuSeconds?: number;
	/** ISO 8601 time the job ended. */
	finishedAt: string;
}

const FILE = "jobs.jsonl";

/** The last finished ("done") entry per job id; migrates an older folder's results.json first. */
export async function readLedger(out: string): Promise<Map<string, LedgerEntry>> {
	const path = join(out, FILE);
	if (!existsSync(path)) await seedFromResults(out);
	const done = new Map<string, LedgerEntry>();
	if (!existsSync(path)) return done;
	for (const line of (await readFile(path, "utf8")).split("\n")) {
		const entry = parseEntry(line);
		if (entry?.status === "done") done.set(entry.id, entry);
	}
	return done;
}

export async function appendLedger(out: string, entry: LedgerEntry): Promise<void> {
	await appendJsonLine(join(out, FILE), entry);
}

function parseEntry(line: string): LedgerEntry | null {
	if (line.trim() === "") return null;
	try {
		const e = JSON.parse(line) as Partial<LedgerEntry>;
		const ok =
			typeof e.id === "string" &&
			(e.status === "done" || e.status === "failed") &&
			typeof e.seconds === "number" &&
			Number.isFinite(e.seconds) &&
			(e.cpuSeconds === undefined || (typeof e.cpuSeconds === "number" && Number.isFinite(e.cpuSeconds))) &&
			typeof e.finishedAt === "string";
		return ok ? (e as LedgerEntry) : null;
	} catch {
		return null;
	}
}

/** Writes the ledger from the timed jobs of the last sitting's results.json. */
async function seedFromResults(out: string): Promise<void> {
	const path = join(out, "results.json");
	if (!existsSync(path)) return;
	let results: Partial<ExperimentResults>;
	try {
		results = JSON.parse(await readFile(path, "utf8"));
	} catch {
		return;
	}
	if (!Array.isArray(results.jobs) || typeof results.generatedAt !== "string") return;
	for (const job of results.jobs) {
		if (typeof job.seconds !== "number") continue;
		// A job this sitting ran ended by the time the results were written; one it skipped carries
		// its own end from the ledger of its time (results written since the ledger exists).
		const finishedAt = job.status === "done" ? (job.finishedAt ?? results.generatedAt) : job.finishedAt;
		if ((job.status === "done" || job.status === "skipped") && finishedAt)
			await appendLedger(out, { id: job.id, status: "done", seconds: job.seconds, finishedAt });
	}
}
