import { type Command, Option } from "commander";
import { z } from "zod";
import { finiteNumber, positiveInt, text } from "../../engine/options.js";
import { GenrepError } from "../../errors.js";
import { GENERATE_MULTIVIEW_OPTIONS, type GenerateMultiviewOptions } from "../../store/generateOptions.js";
import { action } from "../action.js";
import { addFlags, flagParser } from "../flags.js";

/**
 * The latent view's options (GenerateMultiviewOptions.viewOptions): read as numbers and paths
 * here, checked by the view itself (its errors name the view and the option).
 */
const VIEW_FLAGS = z.object({
	sigma: finiteNumber(),
	walks: text(),
	alphaScale: finiteNumber(),
	viewTruncation: finiteNumber(),
});

/**
 * `genrep views generate | show | export`: thin over generateMultiviewDataset and
 * openMultiviewDataset (src/store/multiview.ts). Heavy modules load inside the actions.
 */
export function registerViewsCommands(program: Command): void {
	const views = program
		.command("views")
		.description("multiview datasets from a generator: anchors, latent views (T_z) and their images");

	const generate = views
		.command("generate")
		.description(
			"write a multiview dataset: manifest.json and shard-NNNNN.safetensors with images U8 [n, K+1, H, W, C] " +
				"(anchor first), z F32 [n, K+1, d] and y I32 [n] (conditional); re-running completes an interrupted run; " +
				"--shard i/n pieces give byte-identical shards",
		);
	addFlags(generate, GENERATE_MULTIVIEW_OPTIONS, {
		generator: {
			flag: "--generator <name|dir>",
			required: true,
			help: "a shipped model (fashion-mnist-cgan, fashion-mnist-gan) or a model directory",
		},
		view: {
			flag: "--view <kind>",
			required: true,
			help: "latent view: none, gaussian (needs --sigma), independent (conditional only), steer (needs --walks)",
		},
		anchors: { required: true, help: "number of anchors" },
		neighbors: { flag: "--neighbors <k>", required: true, help: "views per anchor besides the anchor itself" },
		out: {
			flag: "--out <dir>",
			required: true,
			help: "dataset folder (new, empty, or an unfinished dataset made with the same flags)",
		},
		seed: "random seed (default 0)",
	});
	addFlags(generate, VIEW_FLAGS, {
		sigma: { flag: "--sigma <s>", help: "gaussian view: spread of the latent offset (> 0)" },
		walks: {
			flag: "--walks <dir>",
			help: "steer view: a walks folder from `genrep steer train` (or a shipped generator's name for its shipped walks)",
		},
		alphaScale: {
			flag: "--alpha-scale <f>",
			help: "steer view: fraction of each walk's alpha range to draw from, in (0, 1] (default 1)",
		},
		viewTruncation: {
			flag: "--view-truncation <t>",
			help: "gaussian view: truncation of the offset in sigmas (default 2); independent: of the fresh z",
		},
	});
	addFlags(generate, GENERATE_MULTIVIEW_OPTIONS, {
		truncation: { flag: "--truncation <t>", help: "truncation t of the anchors' N_t(0, 1, t)" },
	});
	generate
		.option("--classes <list>", "conditional generators: draw the anchors' classes from these only, e.g. 3 or 0,2,4")
		.option(
			"--shard <i/n|auto>",
			"make only the shards whose index % n == i (pieces can run anywhere, in any order, into one shared folder); " +
				"auto: i and n from a Kubernetes Indexed Job (JOB_COMPLETION_INDEX, JOB_COMPLETIONS) or a Slurm array " +
				"(SLURM_ARRAY_TASK_ID, SLURM_ARRAY_TASK_COUNT), see deploy/",
		);
	addFlags(generate, GENERATE_MULTIVIEW_OPTIONS, {
		shardSize: "anchors per shard",
		batchSize: "images per generator call",
	});
	generate.action(
		action(async (flags: GenerateFlags) => {
			const { initEngine } = await import("../../engine/backend.js");
			await initEngine();
			const { generateMultiviewDataset } = await import("../../store/multiview.js");
			const { ProgressLine } = await import("../../engine/progress.js");
			const line = new ProgressLine();
			const started = performance.now();
			let madeSeconds = 0;
			let made = 0;
			const result = await generateMultiviewDataset({
				generator: flags.generator,
				view: flags.view,
				viewOptions: {
					sigma: flags.sigma,
					truncation: flags.viewTruncation,
					walks: flags.walks,
					alphaScale: flags.alphaScale,
				},
				anchors: flags.anchors,
				neighbors: flags.neighbors,
				seed: flags.seed ?? 0,
				out: flags.out,
				shard: flags.shard,
				shardSize: flags.shardSize,
				truncation: flags.truncation,
				batchSize: flags.batchSize,
				classes: flags.classes === undefined ? undefined : parseClassList(flags.classes),
				onShard: (e) => {
					if (e.status === "written") {
						made++;
						madeSeconds += e.seconds;
					}
					const eta = made > 0 ? (madeSeconds / made) * (e.total - e.done) : 0;
					line.show(`shard ${e.done}/${e.total} (${e.status} shard ${e.shard}), ETA ${eta.toFixed(0)} s`, {
						event: "shard",
						...e,
						etaSeconds: Number(eta.toFixed(1)),
					});
				},
			});
			line.finish();
			const seconds = (performance.now() - started) / 1000;
			const state = result.complete
				? "complete"
				: `${result.manifest.shards.filter((s) => s.sha256 === null).length} shards still to make by other pieces`;
			process.stdout.write(
				`${result.piece ? `piece ${result.piece.index}/${result.piece.count}${result.piece.source === "flag" ? "" : ` (from ${result.piece.source})`}: ` : ""}` +
					`wrote ${result.written.length} shards, skipped ${result.skipped.length} already made, in ${seconds.toFixed(1)} s; ` +
					`${flags.out}: ${result.manifest.anchors} anchors x ${result.manifest.views} views, ${state}\n`,
			);
		}),
	);

	views
		.command("verify")
		.description(
			"check every shard of a multiview dataset against its manifest (sha256, tensors) and list missing or corrupt " +
				"shards; exits non-zero unless the dataset is complete",
		)
		.requiredOption("--data <dir>", "a multiview dataset folder")
		.addOption(
			new Option(
				"--pieces <n>",
				"also name the --shard i/n pieces (of n) that make the shards with problems",
			).argParser(flagParser(positiveInt(), "integer")),
		)
		.action(
			action(async (flags: VerifyFlags) => {
				const { verifyMultiviewDataset, piecesToRerun } = await import("../../store/verifyMultiview.js");
				const { ProgressLine } = await import("../../engine/progress.js");
				const line = new ProgressLine();
				const report = await verifyMultiviewDataset(flags.data, {
					onShard: (i, total) =>
						line.show(`checked shard ${i + 1}/${total}`, { event: "verify", shard: i, numShards: total }),
				});
				line.finish();
				for (const p of report.problems) process.stdout.write(`shard ${p.shard}: ${p.problem}: ${p.detail}\n`);
				for (const t of report.temporaries)
					process.stdout.write(`temporary: ${t} (a writer was killed or is still writing)\n`);
				const m = report.manifest;
				if (report.complete) {
					process.stdout.write(
						`${flags.data}: complete, all ${m.numShards} shards match the manifest (${m.anchors} anchors x ${m.views} views)\n`,
					);
					return;
				}
				const count = (kind: string) => report.problems.filter((p) => p.problem === kind).map((p) => p.shard);
				const parts = (["missing", "corrupt", "unrecorded"] as const)
					.map((kind) => [kind, count(kind)] as const)
					.filter(([, list]) => list.length > 0)
					.map(
						([kind, list]) =>
							`${list.length} ${kind} (${list.length > 8 ? `${list.slice(0, 8).join(", ")}, ...` : list.join(", ")})`,
					);
				const pieces = flags.pieces
					? `; re-run pieces ${piecesToRerun(report, flags.pieces).join(", ")} of ${flags.pieces} (--shard i/${flags.pieces})`
					: "";
				throw new GenrepError(
					`${flags.data}: incomplete, ${parts.join(", ")} of ${m.numShards} shards${pieces}; ` +
						"`genrep views generate` with the same flags makes or remakes them",
				);
			}),
		);

	views
		.command("show")
		.description("draw anchors beside their views as a PNG grid: one row per anchor, the anchor first")
		.requiredOption("--data <dir>", "a multiview dataset folder")
		.requiredOption("--out <file.png>", "the PNG to write")
		.addOption(
			new Option("--anchors <n>", "rows to draw, from the first anchor on (default 8)").argParser(
				flagParser(positiveInt(), "integer"),
			),
		)
		.addOption(
			new Option("--scale <n>", "integer upscaling (default 2 for images under 64 pixels, else 1)").argParser(
				flagParser(positiveInt(), "integer"),
			),
		)
		.option("--generator <name|dir>", "check that the dataset was made by this generator")
		.action(
			action(async (flags: ShowFlags) => {
				if (!/\.png$/i.test(flags.out)) throw new GenrepError(`--out must name a .png file, got ${flags.out}`);
				const wanted = flags.anchors ?? 8;
				const { openMultiviewDataset } = await import("../../store/multiview.js");
				const { writeViewsGrid } = await import("../../store/viewsGrid.js");
				const data = await openMultiviewDataset(flags.data, { generator: flags.generator });
				const m = data.manifest;
				const { rows, ...written } = await writeViewsGrid(data, flags.out, { anchors: wanted, scale: flags.scale });
				process.stdout.write(
					`wrote ${flags.out}: ${rows} anchors x ${m.views} views (${viewText(m.view)}), ${written.width}x${written.height} px\n`,
				);
			}),
		);

	views
		.command("export")
		.description("write the dataset as PNG files: <out>/anchor-NNNNNN/view-V.png (view 0 is the anchor) and labels.csv")
		.requiredOption("--data <dir>", "a multiview dataset folder")
		.requiredOption("--out <folder>", "the folder to create (must not exist or be empty)")
		.addOption(
			new Option("--anchors <n>", "export only the first n anchors").argParser(flagParser(positiveInt(), "integer")),
		)
		.action(
			action(async (flags: ExportFlags) => {
				const { exportMultiviewPngs, openMultiviewDataset } = await import("../../store/multiview.js");
				const data = await openMultiviewDataset(flags.data);
				const n = await exportMultiviewPngs(data, flags.out, { anchors: flags.anchors });
				process.stdout.write(`wrote ${n.files} PNG files of ${n.anchors} anchors to ${flags.out}\n`);
			}),
		);
}

/** `--classes 3` or `--classes 0,2,4` -> [0, 2, 4]; the sampler checks them against the generator. */
export function parseClassList(text: string): number[] {
	const parts = text.split(",").map((p) => p.trim());
	if (parts.some((p) => !/^\d+$/.test(p))) {
		throw new GenrepError(`--classes must be class indices separated by commas (e.g. 3 or 0,2,4), got "${text}"`);
	}
	return parts.map(Number);
}

function viewText(config: Record<string, unknown>): string {
	const { kind, ...rest } = config;
	const options = Object.entries(rest).map(([k, v]) => `${k} ${v}`);
	return options.length > 0 ? `${kind}: ${options.join(", ")}` : String(kind);
}

/** The flags of `views generate`: the library's options (required ones required), the view's, and two as typed. */
type GenerateFlags = Pick<GenerateMultiviewOptions, "generator" | "view" | "anchors" | "neighbors" | "out"> &
	Partial<Pick<GenerateMultiviewOptions, "seed" | "shardSize" | "truncation" | "batchSize">> &
	Partial<z.output<typeof VIEW_FLAGS>> & { shard?: string; classes?: string };

interface VerifyFlags {
	data: string;
	pieces?: number;
}

interface ShowFlags {
	data: string;
	out: string;
	anchors?: number;
	scale?: number;
	generator?: string;
}

interface ExportFlags {
	data: string;
	out: string;
	anchors?: number;
}
