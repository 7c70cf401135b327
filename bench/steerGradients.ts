/**
 * Steering-walk gradients (issue 14 part 4): autodiff through G against the derivative-free
 * estimates (es, fd) that ONNX generators need, on a tfjs generator where all of them run.
 *
 *   npx tsx bench/steerGradients.ts [--generator fashion-mnist-gan] [--edits zoom,brightness]
 *       [--steps 100] [--methods autodiff:32,es8:32,es16:16,fd:4] [--eval-samples 256] [--seed 0]
 *
 * A method is `name[probes]:batchSize`. Per method and edit: `trainWalk` for --steps Adam steps
 * from w = 0 (the same z and alpha draws for every method of a batch size), the mean training
 * loss of the first and last tenth of the steps, the held-out masked error with the walk against
 * w = 0 (`measureWalk`, 256 z, 8 alphas: the objective itself, measured exactly), the calls of G
 * and images per step, and the wall time. Prints a Markdown table and the load average before
 * and after (other work on the machine slows every row).
 */
import os from "node:os";
import { parseArgs } from "node:util";
import { initEngine } from "../src/engine/backend.js";
import type { Generator } from "../src/generators/generator.js";
import { loadGenerator } from "../src/generators/load.js";
import { measureWalk } from "../src/views/steer/measureWalk.js";
import { checkAlphaRange, PIXEL_EDITS, type PixelEditName, pixelEdit } from "../src/views/steer/pixelEdits.js";
import { trainWalk } from "../src/views/steer/trainWalk.js";
import { type GradientMethod, imagesPerStep, resolveWalkGradient } from "../src/views/steer/walkGradient.js";

const { values: flags } = parseArgs({
	options: {
		generator: { type: "string", default: "fashion-mnist-gan" },
		edits: { type: "string", default: "zoom,brightness" },
		steps: { type: "string", default: "100" },
		methods: { type: "string", default: "autodiff:32,es8:32,es16:16,fd:4" },
		"eval-samples": { type: "string", default: "256" },
		seed: { type: "string", default: "0" },
	},
});

const engine = await initEngine();
const generator = await loadGenerator(flags.generator);
const steps = Number(flags.steps);
const seed = Number(flags.seed);
const edits = flags.edits.split(",").map((e) => {
	pixelEdit(e); // unknown names fail here
	return e as PixelEditName;
});
const methods = flags.methods.split(",").map((spec) => {
	const m = /^(autodiff|fd|es)(\d*):(\d+)$/.exec(spec);
	if (!m) throw new Error(`--methods: expected name[probes]:batchSize (e.g. es8:32), got ${spec}`);
	const gradient = m[1] as GradientMethod;
	const options = gradient === "es" && m[2] ? { gradient, probes: Number(m[2]) } : { gradient };
	return { label: `${m[1]}${m[2]}`, gradient: resolveWalkGradient(generator, options), batchSize: Number(m[3]) };
});

/** Counts calls of generate and forward (autodiff's steered pass). */
function counting(g: Generator): { generator: Generator; calls: () => number } {
	let calls = 0;
	const wrapped = Object.create(g) as Generator & { forward?: (...a: unknown[]) => unknown };
	wrapped.generate = (z, y) => {
		calls++;
		return g.generate(z, y);
	};
	const forward = (g as { forward?: (...a: unknown[]) => unknown }).forward;
	if (forward) {
		wrapped.forward = (...a: unknown[]) => {
			calls++;
			return forward.apply(g, a);
		};
	}
	return { generator: wrapped, calls: () => calls };
}

const load = () =>
	os
		.loadavg()
		.map((v) => v.toFixed(1))
		.join(" ");
const loadBefore = load();
process.stderr.write(
	`backend ${engine.backend}; ${os.cpus().length} cores (${os.cpus()[0]?.model}); load ${loadBefore}; ` +
		`${flags.generator}, ${steps} steps per walk\n`,
);
const rows: string[][] = [];
for (const name of edits) {
	const range = checkAlphaRange(name, PIXEL_EDITS[name].defaultRange, generator.imageShape[0], generator.imageShape[1]);
	for (const method of methods) {
		const { generator: g, calls } = counting(generator);
		const started = performance.now();
		const { vector, losses } = await trainWalk(g, name, range, {
			steps,
			batchSize: method.batchSize,
			learningRate: 0.05,
			seed,
			truncation: generator.defaultTruncation,
			gradient: method.gradient,
		});
		const seconds = (performance.now() - started) / 1000;
		const callsPerStep = calls() / steps;
		const error = await measureWalk(generator, name, range, vector, {
			samples: Number(flags["eval-samples"]),
			alphas: 8,
			seed,
			truncation: generator.defaultTruncation,
			batchSize: 64,
		});
		const tenth = Math.max(1, Math.floor(steps / 10));
		const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
		const row = [
			name,
			method.label,
			String(method.batchSize),
			String(imagesPerStep(method.gradient, method.batchSize)),
			callsPerStep.toFixed(0),
			`${mean(losses.slice(0, tenth)).toFixed(4)} -> ${mean(losses.slice(-tenth)).toFixed(4)}`,
			`${error.withoutWalk.toFixed(4)} -> ${error.withWalk.toFixed(4)} (${(100 * error.reduction).toFixed(1)}%)`,
			(seconds / steps).toFixed(3),
			seconds.toFixed(0),
		];
		rows.push(row);
		process.stderr.write(`${row.join(" | ")}; load ${load()}\n`);
	}
}
generator.dispose();
const header = [
	"edit",
	"gradient",
	"batch",
	"images/step",
	"G calls/step",
	"train loss (first -> last tenth)",
	"held-out masked error, w = 0 -> walk",
	"s/step",
	"s",
];
console.log(`| ${header.join(" | ")} |`);
console.log(`| ${header.map(() => "---").join(" | ")} |`);
for (const r of rows) console.log(`| ${r.join(" | ")} |`);
console.log(`\nload average (1, 5, 15 min) before ${loadBefore}, after ${load()}`);
