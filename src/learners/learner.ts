/**
 * A learner: the encoder F plus what each method puts on top of it, and the method's loss on a
 * batch. The heads by method are a plain object literal:
 *   simclr      projection head; NT-Xent over the 2N views
 *   supcon      projection head; SupCon over [N, 2] views with the classes as labels
 *   multipos    projection head; multi-positive loss over each anchor's group of M = K + 1 views
 *   inverter    linear regression of z from F(x) (+ linear class logits when labelled)
 *   classifier  linear class logits; cross-entropy
 * Both views of a contrastive batch (all B x M images of a multipos batch) go through F
 * together, so batch norm sees every image of the step.
 */
import * as tf from "@tensorflow/tfjs-core";
import { Dense } from "../engine/nn/layers.js";
import { ParamStore } from "../engine/nn/params.js";
import type { Rng } from "../engine/rng.js";
import { GenrepError } from "../errors.js";
import type { ResNet } from "./encoders/resnet.js";
import { classifierLoss } from "./objectives/classifier.js";
import { inverterLoss } from "./objectives/inverter.js";
import { consecutiveGroups, multiPositiveLoss } from "./objectives/multiPositive.js";
import { ntXentLoss } from "./objectives/ntXent.js";
import { getObjective, type ObjectiveName } from "./objectives/registry.js";
import { supConLoss } from "./objectives/supCon.js";
import { ProjectionHead } from "./projectionHead.js";

/** A batch as tensors: views in [-1, 1]. */
export interface LearnerBatch {
	/** [B, H, W, C]; for a group method, every member: [B * M, H, W, C], each anchor's M views consecutive (anchor first). */
	a: tf.Tensor4D;
	/** M, the views per anchor in `a` (group methods only). */
	members?: number;
	b?: tf.Tensor4D; // [B, H, W, C], the second view (contrastive methods)
	y?: tf.Tensor1D; // [B] int32
	z?: tf.Tensor2D; // [B, d]
}

/** What the heads need to know about the data. */
export interface LearnerSpace {
	numClasses: number;
	latentDim: number;
	temperature: number;
}

type LossFn = (encoder: ResNet, batch: LearnerBatch) => tf.Scalar;
type HeadBuilder = (store: ParamStore, featureDim: number, space: LearnerSpace) => LossFn;

const need = <T>(value: T | undefined, what: string): T => {
	if (value === undefined) throw new GenrepError(`the batch lacks ${what}`);
	return value;
};

/** Encodes both views in one pass: [2B, D] features split back into two [B, D]. */
function twoViews(encoder: ResNet, batch: LearnerBatch): [tf.Tensor2D, tf.Tensor2D] {
	const b = need(batch.b, "a second view");
	const n = batch.a.shape[0];
	const features = encoder.apply(tf.concat([batch.a, b], 0), true); // [2B, D]
	return [tf.slice(features, [0, 0], [n, -1]), tf.slice(features, [n, 0], [n, -1])];
}

export const METHOD_HEADS = {
	simclr: (store, featureDim, space) => {
		const head = new ProjectionHead({ inputDim: featureDim }, 0, store, "head");
		return (encoder, batch) => {
			const [f1, f2] = twoViews(encoder, batch); // [B, D] each
			return ntXentLoss(head.apply(f1), head.apply(f2), space.temperature);
		};
	},
	supcon: (store, featureDim, space) => {
		const head = new ProjectionHead({ inputDim: featureDim }, 0, store, "head");
		return (encoder, batch) => {
			const [f1, f2] = twoViews(encoder, batch);
			const embeddings = tf.stack([head.apply(f1), head.apply(f2)], 1) as tf.Tensor3D; // [B, 2, 128]
			return supConLoss(embeddings, need(batch.y, "class labels"), space.temperature);
		};
	},
	multipos: (store, featureDim, space) => {
		const head = new ProjectionHead({ inputDim: featureDim }, 0, store, "head");
		return (encoder, batch) => {
			const members = need(batch.members, "the members of each anchor's group");
			const anchors = batch.a.shape[0] / members;
			const embeddings = head.apply(encoder.apply(batch.a, true)); // [B * M, 128]
			return multiPositiveLoss(embeddings, consecutiveGroups(anchors, members), space.temperature);
		};
	},
	inverter: (store, featureDim, space) => {
		const toZ = new Dense(store, "head.latent", featureDim, space.latentDim);
		const toY = space.numClasses > 0 ? new Dense(store, "head.class", featureDim, space.numClasses) : null;
		return (encoder, batch) => {
			const features = encoder.apply(batch.a, true); // [B, D]
			const z = need(batch.z, "latents");
			if (!toY) return inverterLoss(toZ.apply(features), z);
			return inverterLoss(toZ.apply(features), z, toY.apply(features), need(batch.y, "class labels"));
		};
	},
	classifier: (store, featureDim, space) => {
		const toY = new Dense(store, "head.class", featureDim, space.numClasses);
		return (encoder, batch) => classifierLoss(toY.apply(encoder.apply(batch.a, true)), need(batch.y, "class labels"));
	},
} as const satisfies Record<ObjectiveName, HeadBuilder>;

export class Learner {
	/** The method's heads (projection head or linear layers). */
	readonly heads: ParamStore;
	/** Every trainable parameter of encoder and heads, by unique name. */
	readonly trainable: Map<string, tf.Variable>;
	readonly views: number | "group";
	private readonly lossFn: LossFn;

	constructor(
		readonly method: ObjectiveName,
		readonly encoder: ResNet,
		space: LearnerSpace,
		rng: Rng,
	) {
		const objective = getObjective(method);
		this.views = objective.views;
		this.heads = new ParamStore(rng);
		this.lossFn = METHOD_HEADS[method](this.heads, encoder.featureDim, space);
		this.trainable = new Map([...encoder.store.trainable, ...this.heads.trainable]);
	}

	/** The loss of a batch (training mode: batch norm uses and updates batch statistics). */
	loss(batch: LearnerBatch): tf.Scalar {
		return this.lossFn(this.encoder, batch);
	}

	dispose(): void {
		this.heads.dispose();
	}
}
