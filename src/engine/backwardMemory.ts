/**
 * Frees memory during backpropagation, as PyTorch's autograd does. tfjs 4.22 keeps every
 * forward activation a gradient saved and every intermediate gradient until the whole
 * backward pass ends, so a training step peaks at about twice its forward activations (a
 * ResNet-18 step at batch 256 outgrows the wasm backend's 4 GB heap). Once a tape node's
 * gradient has run, its saved tensors and the gradients of its outputs are dead: this
 * releases them right then.
 *
 * It hooks two methods of tfjs's engine instance and calls the originals:
 * - `addTapeNode`: wraps each recorded node's gradient function. When the next node's
 *   gradient starts, the previous node is finished: its saved tensors and output gradients
 *   are disposed, except any that a gradient closure returned as an input's gradient
 *   (tfjs would then keep using that object).
 * - `gradients`: marks the caller's own `dy` as not ours to free, and resets the state.
 * Nothing is freed while a higher-order gradient is being recorded (tape depth > 0), where
 * tfjs itself keeps saved tensors.
 */
import * as tf from "@tensorflow/tfjs-core";

type Tensor = tf.Tensor;
type GradientMap = Record<string, () => Tensor>;

interface TapeNode {
	saved?: Tensor[];
	gradient?: (dys: (Tensor | null)[]) => GradientMap;
}

interface EngineInternals {
	state: { activeTape: TapeNode[] | null; gradientDepth: number };
	addTapeNode: (...args: unknown[]) => void;
	gradients: (f: () => Tensor, xs: Tensor[], dy?: Tensor, allowNoGradients?: boolean) => unknown;
}

/** The node whose gradient ran last: what to free once the next one starts. */
interface Finished {
	dead: Tensor[];
	/** Tensors its gradient closures returned (tfjs stores them as input gradients). */
	returned: Tensor[];
}

let installed = false;

/** Installs the hooks once per process; true when tfjs's engine looks as expected. */
export function installBackwardMemoryRelease(): boolean {
	if (installed) return true;
	const engine = tf.engine() as unknown as EngineInternals;
	if (typeof engine.addTapeNode !== "function" || typeof engine.gradients !== "function" || !engine.state) {
		return false;
	}
	installed = true;
	let finished: Finished | null = null;
	let protectedDy: Tensor | null = null;

	const release = () => {
		if (!finished) return;
		const { dead, returned } = finished;
		finished = null;
		for (const t of dead) {
			if (t !== protectedDy && !returned.includes(t) && !t.isDisposed) t.dispose();
		}
	};

	const addTapeNode = engine.addTapeNode.bind(engine);
	engine.addTapeNode = (...args: unknown[]) => {
		addTapeNode(...args);
		const tape = engine.state.activeTape;
		const node = tape?.[tape.length - 1];
		const gradient = node?.gradient;
		if (!node || !gradient) return;
		node.gradient = (dys) => {
			if (engine.state.gradientDepth !== 0) return gradient(dys); // recording higher-order gradients
			release();
			const closures = gradient(dys);
			const returned: Tensor[] = [];
			const wrapped: GradientMap = {};
			for (const [input, closure] of Object.entries(closures)) {
				wrapped[input] = () => {
					const dx = closure();
					returned.push(dx);
					return dx;
				};
			}
			const dead = [...(node.saved ?? []), ...dys.filter((d): d is Tensor => d !== null)];
			finished = { dead, returned };
			return wrapped;
		};
	};

	const gradients = engine.gradients.bind(engine);
	engine.gradients = (f, xs, dy, allowNoGradients) => {
		const outer = protectedDy;
		protectedDy = dy ?? null;
		finished = null;
		try {
			return gradients(f, xs, dy, allowNoGradients);
		} finally {
			finished = null;
			protectedDy = outer;
		}
	};
	return true;
}
