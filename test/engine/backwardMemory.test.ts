import * as tf from "@tensorflow/tfjs-core";
import { describe, expect, it } from "vitest";
import { initEngine } from "../../src/engine/backend.js";
import { expectNoLeakedTensors, maxAbsDiff } from "../helpers/tensors.js";

/** An identity op whose gradient records the bytes tfjs holds when backprop reaches it. */
function probe(onBackward: () => void) {
	return tf.customGrad((a, _save) => ({
		value: tf.clone(a as tf.Tensor),
		gradFunc: (dy: tf.Tensor) => {
			onBackward();
			return tf.clone(dy);
		},
	}));
}

describe("backward pass frees saved activations and gradients as it goes", () => {
	for (const backend of ["wasm", "cpu"] as const) {
		it(`${backend}: a 10-op chain peaks at a few tensors, not all of them; same gradient, no leaks`, async () => {
			await initEngine({ backend });
			const shape = [8, 16, 16, 8]; // 64 KB per tensor
			const tensorBytes = 4 * shape.reduce((a, b) => a * b, 1);
			const x = tf.variable(tf.linspace(-1, 1, tensorBytes / 4).reshape(shape));
			let peak = 0;
			const first = probe(() => {
				peak = tf.memory().numBytes;
			});
			const f = () => {
				let h = first(x) as tf.Tensor;
				for (let i = 0; i < 10; i++) h = tf.relu(tf.mul(h, 1.5));
				return tf.sum(h) as tf.Scalar;
			};
			const before = tf.memory().numBytes;
			const grad = await expectNoLeakedTensors(async () => {
				const { value, grads } = tf.variableGrads(f, [x]);
				const values = await grads[x.name].data();
				tf.dispose([value, grads[x.name]]);
				return values;
			});
			// Without the release tfjs holds ~30 tensors (saved inputs, masks, gradients) here.
			expect((peak - before) / tensorBytes).toBeLessThan(6);
			const xs = await x.data();
			const want = Float32Array.from(xs, (v) => (v > 0 ? 1.5 ** 10 : 0));
			expect(maxAbsDiff(grad, want)).toBeLessThan(1e-3);
			x.dispose();
		});
	}

	it("keeps the caller's dy and a gradient that a closure returns as is", async () => {
		await initEngine({ backend: "wasm" });
		const passThrough = tf.customGrad((a, _save) => ({
			value: tf.mul(a as tf.Tensor, 1),
			gradFunc: (dy: tf.Tensor) => dy, // the same object becomes the input's gradient
		}));
		const x = tf.tensor1d([1, -2, 3]);
		const dy = tf.tensor1d([0.5, 0.25, 2]);
		await expectNoLeakedTensors(async () => {
			const g = tf.grad((a: tf.Tensor) => tf.relu(passThrough(passThrough(a) as tf.Tensor) as tf.Tensor))(x, dy);
			expect(Array.from(await g.data())).toEqual([0.5, 0, 2]);
			expect(dy.isDisposed).toBe(false);
			expect(Array.from(await dy.data())).toEqual([0.5, 0.25, 2]);
			g.dispose();
		});
		tf.dispose([x, dy]);
	});

	it("second-order gradients still work (nothing is freed while they are recorded)", async () => {
		await initEngine({ backend: "wasm" });
		const x = tf.tensor1d([1, -2, 0.5]);
		await expectNoLeakedTensors(async () => {
			const d2 = tf.grad(tf.grad((a: tf.Tensor) => tf.sum(tf.mul(tf.mul(a, a), a))))(x); // 6x
			expect(maxAbsDiff(await d2.data(), [6, -12, 3])).toBeLessThan(1e-5);
			d2.dispose();
		});
		x.dispose();
	});
});
