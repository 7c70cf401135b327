/**
 * The objectives by name (a plain object literal) with what each needs from a batch, so that
 * a trainer can check a data source before it starts (e.g. classes from the generator).
 */
import { GenrepError } from "../../errors.js";
import { classifierLoss } from "./classifier.js";
import { inverterLoss } from "./inverter.js";
import { MULTI_POSITIVE_DEFAULTS, multiPositiveLoss } from "./multiPositive.js";
import { NT_XENT_DEFAULTS, ntXentLoss } from "./ntXent.js";
import { SUP_CON_DEFAULTS, supConLoss } from "./supCon.js";

export interface ObjectiveInfo {
	readonly description: string;
	/** Needs class labels y (a conditional generator or a labelled dataset). */
	readonly needsLabels: boolean;
	/** Needs the latent codes z the images were generated from. */
	readonly needsLatents: boolean;
	/**
	 * Views of each sample per step: 2 for the pair methods, 1 otherwise; "group" for every
	 * member of each anchor's group (the anchor and its K latent views, K set by the source).
	 */
	readonly views: number | "group";
	/** Default temperature of the contrastive methods. */
	readonly temperature?: number;
}

export const OBJECTIVES = {
	simclr: {
		description: "NT-Xent over the 2N views of a batch (SimCLR; eq. 1 of GenRep)",
		needsLabels: false,
		needsLatents: false,
		views: 2,
		temperature: NT_XENT_DEFAULTS.temperature,
		loss: ntXentLoss,
	},
	supcon: {
		description: "supervised contrastive (Khosla et al.): positives share the class, one positive shares z",
		needsLabels: true,
		needsLatents: false,
		views: 2,
		temperature: SUP_CON_DEFAULTS.temperature,
		loss: supConLoss,
	},
	multipos: {
		description:
			"multi-positive contrastive (StableRep, SynCLR): an anchor and its K latent views, each with its own pixel view, are positives of one another",
		needsLabels: false,
		needsLatents: false,
		views: "group",
		temperature: MULTI_POSITIVE_DEFAULTS.temperature,
		loss: multiPositiveLoss,
	},
	inverter: {
		description: "regress z from G(z) (MSE), plus cross-entropy on y when the generator is conditional",
		needsLabels: false,
		needsLatents: true,
		views: 1,
		loss: inverterLoss,
	},
	classifier: {
		description: "cross-entropy on y with pixel views",
		needsLabels: true,
		needsLatents: false,
		views: 1,
		loss: classifierLoss,
	},
} as const satisfies Record<string, ObjectiveInfo & { loss: unknown }>;

export type ObjectiveName = keyof typeof OBJECTIVES;

export const isObjectiveName = (name: string): name is ObjectiveName => Object.hasOwn(OBJECTIVES, name);

/** The entry for `name`; an unknown name is a GenrepError listing the known ones. */
export function getObjective(name: string): (typeof OBJECTIVES)[ObjectiveName] {
	if (!isObjectiveName(name)) {
		throw new GenrepError(`unknown method '${name}'; known methods: ${Object.keys(OBJECTIVES).join(", ")}`);
	}
	return OBJECTIVES[name];
}
