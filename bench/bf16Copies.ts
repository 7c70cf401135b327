/**
 * `npx tsx bench/bf16Copies.ts`: the SimCLR step of one encoder in one process, interleaving
 * fp32, bf16 without kept input copies and bf16 with them (inputCopies.ts) in rounds of a few
 * steps, so that all three see the same machine state; prints each mode's median step, the
 * spread of its round medians and the ratio of each round's pair. The first step after a
 * switch is not counted (plans are built per precision).
 *
 *   npx tsx bench/bf16Copies.ts [--encoder resnet10-w32] [--batch 256] [--rounds 8] [--steps 4]
 */
import { parseArgs } from "node:util";
import { initEngine } from "../src/engine/backend.js";
import { bf16Available, loadNativeAddon, setNativePrecision } from "../src/engine/native/index.js";
import { setInputCopies } from "../src/engine/native/inputCopies.js";
import { isBenchEncoder, makeSimclrStep } from "./simclrStep.js";

const { values: flags } = parseArgs({
	options: {
		encoder: { type: "string", default: "resnet10-w32" },
		batch: { type: "string", default: "256" },
		rounds: { type: "string", default: "8" },
		steps: { type: "string", default: "4" },
	},
});
const encoder = flags.encoder ?? "resnet10-w32";
if (!isBenchEncoder(encoder)) throw new Error(`unknown encoder ${encoder}`);
const [batch, rounds, steps] = [flags.batch, flags.rounds, flags.steps].map(Number);
await initEngine({ backend: "wasm" });
const available = bf16Available();
if (!available.ok) throw new Error(`bf16 is not available here: ${available.reason}`);
const addon = loadNativeAddon().addon;

const MODES = ["fp32", "bf16, no kept copies", "bf16, kept copies"] as const;
type Mode = (typeof MODES)[number];
function setMode(mode: Mode): void {
	setNativePrecision(mode === "fp32" ? "fp32" : "bf16");
	if (mode === "bf16, no kept copies") setInputCopies(addon, false);
}

const run = makeSimclrStep(encoder, batch, 0);
const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
const roundMedians = new Map<Mode, number[]>(MODES.map((m) => [m, []]));
const all = new Map<Mode, number[]>(MODES.map((m) => [m, []]));
for (const mode of MODES) {
	setMode(mode);
	for (let i = 0; i < 2; i++) await run.step(); // warm-up: plans, pools
}
for (let r = 0; r < rounds; r++) {
	const order = r % 2 === 0 ? MODES : [...MODES].reverse();
	for (const mode of order) {
		setMode(mode);
		await run.step(); // the switch's step
		const times: number[] = [];
		for (let s = 0; s < steps; s++) {
			const t0 = performance.now();
			await run.step();
			times.push((performance.now() - t0) / 1000);
		}
		roundMedians.get(mode)?.push(median(times));
		all.get(mode)?.push(...times);
	}
	process.stderr.write(`round ${r + 1}/${rounds}\n`);
}
run.dispose();
setNativePrecision("fp32");

const fmt = (s: number) => `${s.toFixed(3)} s`;
console.log(
	`${encoder}, batch ${batch}, ${rounds} rounds x ${steps} steps per mode, load ${(await import("node:os")).loadavg()[0].toFixed(2)}`,
);
for (const mode of MODES) {
	const rm = roundMedians.get(mode) ?? [];
	console.log(
		`${mode.padEnd(22)} median ${fmt(median(all.get(mode) ?? []))}, round medians ${fmt(Math.min(...rm))}-${fmt(Math.max(...rm))}`,
	);
}
const ratios = (a: Mode, b: Mode) => {
	const ra = roundMedians.get(a) ?? [];
	const rb = roundMedians.get(b) ?? [];
	const q = ra.map((v, i) => v / rb[i]);
	return `${median(q).toFixed(3)} (rounds ${Math.min(...q).toFixed(3)}-${Math.max(...q).toFixed(3)})`;
};
console.log(`fp32 / bf16 without copies: ${ratios("fp32", "bf16, no kept copies")}`);
console.log(`fp32 / bf16 with copies:    ${ratios("fp32", "bf16, kept copies")}`);
console.log(`without / with copies:      ${ratios("bf16, no kept copies", "bf16, kept copies")}`);
