import { type Command, Option } from "commander";
import type { DatasetInfo } from "../../data/types.js";
import { action } from "../action.js";
import { positiveInteger } from "../parse.js";

/** `genrep data list|info|grid`: look at the real datasets. */
export function registerDataCommands(program: Command): void {
	const data = program.command("data").description("real datasets: list them, count them, look at them");

	data
		.command("list")
		.description("list the registered datasets")
		.action(
			action(async () => {
				const { DATASETS } = await import("../../data/datasets.js");
				const rows = Object.entries(DATASETS).map(([name, spec]) => [name, spec.description]);
				process.stdout.write(table(rows));
			}),
		);

	data
		.command("info")
		.description("print counts per split, image shape and class names of a dataset")
		.argument("<name>", "a registered dataset (see `genrep data list`) or the path of an image folder")
		.option("--data-dir <dir>", "folder that holds the IDX files (overrides GENREP_DATA_DIR)")
		.option("--json", "print JSON instead of a table")
		.action(
			action(async (name: string, opts: { dataDir?: string; json?: boolean }) => {
				const { datasetInfo } = await import("../../data/datasets.js");
				const info = await datasetInfo(name, { dataDir: opts.dataDir });
				process.stdout.write(opts.json ? `${JSON.stringify(info, null, 2)}\n` : formatInfo(info));
			}),
		);

	data
		.command("grid")
		.description("write a PNG grid of the first images of a dataset split")
		.argument("<name>", "a registered dataset or the path of an image folder")
		.requiredOption("--out <file>", "PNG file to write")
		.addOption(new Option("--split <split>", "which split").choices(["train", "test"]).default("train"))
		.option("--n <count>", "number of images", positiveInteger, 100)
		.option("--columns <count>", "images per row (default: a square grid)", positiveInteger)
		.option("--scale <factor>", "integer upscaling of the grid", positiveInteger, 2)
		.option("--data-dir <dir>", "folder that holds the IDX files (overrides GENREP_DATA_DIR)")
		.action(
			action(async (name: string, opts: GridFlags) => {
				const { loadDataset } = await import("../../data/datasets.js");
				const { writeImageGrid } = await import("../../formats/grid.js");
				const dataset = await loadDataset(name, {
					split: opts.split,
					dataDir: opts.dataDir,
					limit: opts.n,
				});
				const [height, width, channels] = dataset.shape;
				const written = await writeImageGrid(opts.out, dataset.images, {
					count: dataset.count,
					height,
					width,
					channels,
					columns: opts.columns,
					scale: opts.scale,
					padValue: 96, // grey lines between the tiles
				});
				process.stdout.write(
					`wrote ${written.path}: ${dataset.count} ${dataset.split} images of ${dataset.name}, ${written.width}x${written.height} pixels\n`,
				);
			}),
		);
}

interface GridFlags {
	out: string;
	split: "train" | "test";
	n: number;
	columns?: number;
	scale: number;
	dataDir?: string;
}

function formatInfo(info: DatasetInfo): string {
	const splits = Object.keys(info.splits) as (keyof DatasetInfo["splits"])[];
	const [height, width, channels] = info.shape;
	const head = table([
		["dataset", info.name],
		["about", info.description],
		["location", info.location],
		["shape", `${height}x${width}x${channels} (height x width x channels)`],
		...splits.map((s) => [s, `${info.splits[s]?.count} images`]),
	]);
	const classes = table([
		["label", "class", ...splits],
		...info.classNames.map((className, label) => [
			String(label),
			className,
			...splits.map((s) => String(info.splits[s]?.classCounts[label])),
		]),
	]);
	return `${head}\n${classes}`;
}

/** Left-aligned columns separated by two spaces. */
function table(rows: string[][]): string {
	const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length)));
	return rows
		.map((r) =>
			r
				.map((cell, i) => cell.padEnd(widths[i]))
				.join("  ")
				.trimEnd(),
		)
		.join("\n")
		.concat("\n");
}
