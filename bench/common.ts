/** Helpers shared by the benchmarks: step timing, convolution FLOP counts, PyTorch lookup, tables. */
import { spawnSync } from "node:child_process";

/** Ends a bench with `error: <message>` and exit status 1. */
export function fail(message: string): never {
	process.stderr.write(`error: ${message}\n`);
	process.exit(1);
}

// Any error a bench throws ends it through fail, with its stack below the message. Registered
// when this module loads, before tfjs's wasm backend starts: its emscripten glue adds handlers
// that rethrow, and Node would then print a line of minified glue above the error.
function failOnError(err: unknown): never {
	if (!(err instanceof Error)) fail(String(err));
	fail(`${err.message}\n${(err.stack ?? "").split("\n").slice(1).join("\n")}`);
}
process.on("uncaughtException", failOnError);
process.on("unhandledRejection", failOnError);

export interface TimingOptions {
	/** Untimed steps first (optimizer slots, kernel setup, caches). */
	warmup: number;
	/** Time at least this many steps ... */
	minSteps: number;
	/** ... and keep going until this many seconds have passed ... */
	minSeconds: number;
	/** ... but stop after this many steps. */
	maxSteps: number;
}

export interface Timing {
	steps: number;
	medianS: number;
	timesS: number[];
}

/** Runs `step` warmup times, then times it until both minSteps and minSeconds are reached. */
export async function timeSteps(
	step: () => Promise<unknown>,
	options: TimingOptions,
	onStep?: (index: number, seconds: number, warmup: boolean) => void,
): Promise<Timing> {
	for (let i = 0; i < options.warmup; i++) {
		const t = performance.now();
		await step();
		onStep?.(i, (performance.now() - t) / 1000, true);
	}
	const timesS: number[] = [];
	const start = performance.now();
	while (
		timesS.length < options.maxSteps &&
		(timesS.length < options.minSteps || performance.now() - start < options.minSeconds * 1000)
	) {
		const t = performance.now();
		await step();
		timesS.push((performance.now() - t) / 1000);
		onStep?.(timesS.length - 1, timesS[timesS.length - 1], false);
	}
	return { steps: timesS.length, medianS: median(timesS), timesS };
}

export function median(values: number[]): number {
	const sorted = [...values].sort((a, b) => a - b);
	const mid = sorted.length >> 1;
	return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** One convolution as seen by the FLOP count: output size, kernel, channels. */
export interface ConvShape {
	name: string;
	outH: number;
	outW: number;
	kernel: number;
	inChannels: number;
	outChannels: number;
}

/** Forward FLOPs of one image through the convolutions: 2 * OH * OW * KH * KW * Cin * Cout each. */
export function convForwardFlopsPerImage(convs: ConvShape[]): number {
	let flops = 0;
	for (const c of convs) flops += 2 * c.outH * c.outW * c.kernel * c.kernel * c.inChannels * c.outChannels;
	return flops;
}

export interface PythonTorch {
	python: string;
}

/**
 * The first Python that can `import torch`: --python, $GENREP_PYTHON, $PYTHON, python3 on the
 * PATH, then /usr/bin/python3 (Debian's python3-torch lives there, and a pyenv python3 on the
 * PATH does not see it). Returns null when none can.
 */
export function findPythonWithTorch(explicit?: string): PythonTorch | null {
	const candidates = explicit
		? [explicit]
		: [process.env.GENREP_PYTHON, process.env.PYTHON, "python3", "/usr/bin/python3"].filter((p): p is string => !!p);
	for (const python of [...new Set(candidates)]) {
		const r = spawnSync(python, ["-c", "import torch"], { stdio: "ignore", timeout: 120_000 });
		if (r.status === 0) return { python };
	}
	return null;
}

/** Runs a Python script that prints one JSON line last on stdout; stderr passes through. */
export function runPythonJson<T>(python: string, script: string, args: string[], env = process.env): T {
	const r = spawnSync(python, [script, ...args], {
		env,
		encoding: "utf8",
		stdio: ["ignore", "pipe", "inherit"],
		maxBuffer: 16 * 1024 * 1024,
	});
	if (r.error) throw r.error;
	if (r.status !== 0) throw new Error(`${python} ${script} ${args.join(" ")} exited with status ${r.status}`);
	const lines = r.stdout.trim().split("\n");
	return JSON.parse(lines[lines.length - 1]) as T;
}

/** A Markdown table with right-aligned columns after the first. */
export function markdownTable(header: string[], rows: string[][]): string {
	const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
	const line = (cells: string[]) =>
		`| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(" | ")} |`;
	const rule = `|${widths.map((w, i) => (i === 0 ? `${"-".repeat(w + 2)}` : `${"-".repeat(w + 1)}:`)).join("|")}|`;
	return [line(header), rule, ...rows.map(line)].join("\n");
}

/** "genrep is 3.2x slower" / "genrep is 1.4x faster" from a speed ratio (genrep / other). */
export function slowerFaster(ratio: number, subject = "genrep"): string {
	if (!Number.isFinite(ratio) || ratio <= 0) return `${subject}: no ratio`;
	return ratio >= 1 ? `${subject} is ${ratio.toFixed(1)}x faster` : `${subject} is ${(1 / ratio).toFixed(1)}x slower`;
}
