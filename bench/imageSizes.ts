/**
 * Image-size benchmark (issue 14): views per second and training steps per second at 32, 64
 * and 128 px RGB, for the default encoder (resnet-tiny; the auto stem is cifar at 32 and 64 px,
 * imagenet at 128 px).
 *
 *   /usr/bin/python3 scripts/make-onnx-fixture.py --sizes /tmp/genrep-sizes
 *   npx tsx bench/imageSizes.ts --generators /tmp/genrep-sizes [--anchors 256] [--steps 5] [--batch-size 64]
 *
 * Per size: `views generate` in process (gaussian view, one neighbour, the ONNX generator of
 * that size: random weights, 4x4 -> S by transposed convolutions), then `genrep train` SimCLR
 * on those stored views with pixel views (the trainer as a user runs it: batch assembly, T_x,
 * encoder + head + loss + SGD; the first step is a warm-up and is not counted). Prints a
 * Markdown table and the machine's load average (other work on the machine slows every row).
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { initEngine } from "../src/engine/backend.js";
import { trainRepresentation } from "../src/learners/trainer.js";
import { generateMultiviewDataset } from "../src/store/multiview.js";

const { values: flags } = parseArgs({
	options: {
		generators: { type: "string", default: "/tmp/genrep-sizes" },
		sizes: { type: "string", default: "32,64,128" },
		anchors: { type: "string", default: "256" },
		steps: { type: "string", default: "5" },
		"batch-size": { type: "string", default: "64" },
	},
});

const engine = await initEngine();
const anchors = Number(flags.anchors);
const steps = Number(flags.steps);
const batchSize = Number(flags["batch-size"]);
const tmp = await mkdtemp(path.join(os.tmpdir(), "genrep-bench-sizes-"));
const rows: string[][] = [];
const loadBefore = os.loadavg()[0];
try {
	for (const size of flags.sizes.split(",").map(Number)) {
		const generator = path.join(flags.generators, `rgb${size}`);
		const views = path.join(tmp, `views-${size}`);
		const t0 = performance.now();
		await generateMultiviewDataset({
			generator,
			view: "gaussian",
			viewOptions: { sigma: 0.5 },
			anchors,
			neighbors: 1,
			seed: 0,
			out: views,
		});
		const viewSeconds = (performance.now() - t0) / 1000;
		const run = path.join(tmp, `run-${size}`);
		let firstStepAt = 0;
		let lastStepAt = 0;
		await trainRepresentation({
			method: "simclr",
			encoder: "resnet-tiny",
			data: { kind: "stored", dir: views },
			steps: steps + 1,
			batchSize,
			out: run,
			progress: "none",
			logEverySteps: steps + 1,
			onStep: (done) => {
				if (done === 1) firstStepAt = performance.now();
				lastStepAt = performance.now();
			},
		});
		const stepSeconds = (lastStepAt - firstStepAt) / 1000 / steps;
		const card = JSON.parse(await readFile(path.join(run, "encoder.json"), "utf8"));
		rows.push([
			`${size}x${size}x3`,
			card.stem,
			((anchors * 2) / viewSeconds).toFixed(0),
			(1 / stepSeconds).toFixed(2),
			((2 * batchSize) / stepSeconds).toFixed(0),
		]);
		process.stderr.write(`${JSON.stringify({ size, viewSeconds, stepSeconds })}\n`);
	}
} finally {
	await rm(tmp, { recursive: true, force: true });
}
const header = ["images", "stem", "views/s (generate + write)", `train steps/s (batch ${batchSize})`, "train images/s"];
const line = (r: string[]) => `| ${r.join(" | ")} |`;
process.stdout.write(
	[line(header), line(header.map(() => "---")), ...rows.map(line)].join("\n") +
		`\n\nengine ${engine.backend} (native kernels: ${engine.nativeKernels.length > 0 ? "yes" : "no"}); ` +
		`${anchors} anchors x 2 views; ${steps} timed steps after one warm-up; load average ${loadBefore.toFixed(1)} before, ${os.loadavg()[0].toFixed(1)} after, on ${os.cpus().length} cores\n`,
);
