/** The training sources by kind (a plain object literal) and the one opener over them. */

import { parseOptions } from "../../engine/options.js";
import type { Rng } from "../../engine/rng.js";
import { GenrepError } from "../../errors.js";
import { openLiveSource } from "./live.js";
import { openMixedSource } from "./mixed.js";
import { openRealSource } from "./real.js";
import { openStoredSource } from "./stored.js";
import { type DataSourceOptions, SOURCE_OPTIONS, type TrainingSource } from "./types.js";

export const SOURCES = {
	real: openRealSource,
	stored: openStoredSource,
	live: openLiveSource,
	mixed: openMixedSource,
} as const satisfies {
	[K in DataSourceOptions["kind"]]: (o: Extract<DataSourceOptions, { kind: K }>, rng: Rng) => Promise<TrainingSource>;
};

/** Opens a source; its random draws (item order, pairing, the live stream) come from `rng`. */
export async function openSource(options: DataSourceOptions, rng: Rng): Promise<TrainingSource> {
	const open = SOURCES[options.kind] as (o: DataSourceOptions, rng: Rng) => Promise<TrainingSource>;
	if (!Object.hasOwn(SOURCES, options.kind)) {
		throw new GenrepError(`unknown data source kind '${options.kind}'; known: ${Object.keys(SOURCES).join(", ")}`);
	}
	parseOptions(SOURCE_OPTIONS[options.kind], options, `${options.kind} data`);
	return open(options, rng);
}

export type { DataSourceOptions, TrainingSource } from "./types.js";
