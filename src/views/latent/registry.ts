/** The latent views by name (a plain object literal) and the one factory over them. */
import { GenrepError } from "../../errors.js";
import { GaussianView } from "./gaussian.js";
import { IndependentView } from "./independent.js";
import type { LatentView } from "./latentView.js";
import { NoneView } from "./none.js";
import { createSteerView } from "./steer.js";

export const LATENT_VIEWS = {
	none: (options: Record<string, unknown>): LatentView => new NoneView(options),
	gaussian: (options: Record<string, unknown>): LatentView => new GaussianView(options),
	independent: (options: Record<string, unknown>): LatentView => new IndependentView(options),
	steer: (options: Record<string, unknown>): LatentView => createSteerView(options),
} as const satisfies Record<string, (options: Record<string, unknown>) => LatentView>;

export type LatentViewKind = keyof typeof LATENT_VIEWS;

export const isLatentViewKind = (name: string): name is LatentViewKind => Object.hasOwn(LATENT_VIEWS, name);

/**
 * Builds the latent view `name` from its options (undefined values are dropped, so CLI flags
 * that were not given fall back to the defaults). Unknown names and bad options are
 * GenrepErrors that name the bad value.
 */
export function createLatentView(name: string, options: Record<string, unknown> = {}): LatentView {
	if (!isLatentViewKind(name)) {
		throw new GenrepError(`unknown latent view '${name}'; known views: ${Object.keys(LATENT_VIEWS).join(", ")}`);
	}
	const defined = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined));
	return LATENT_VIEWS[name](defined);
}

/** Rebuilds a view from the config a manifest recorded. */
export function latentViewFromConfig(config: { kind: string } & Record<string, unknown>): LatentView {
	const { kind, ...options } = config;
	return createLatentView(kind, options);
}
