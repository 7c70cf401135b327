// Probe: per-step wall time of the SimCLR training step (resnet10-w32, 256 pairs) with the process CPU time
// and the machine-wide /proc/stat ticks of the step. Run: npx tsx bench/results/2026-12-03-zen4-profile/step-variance.ts 10
import fs from "node:fs";
import { initEngine } from "../../../src/engine/backend.js";
import { makeWorkload } from "../../workloads.js";
await initEngine();
const stat = () => fs.readFileSync("/proc/stat", "utf8").split("\n")[0].split(/\s+/).slice(1).map(Number);
const run = await makeWorkload("train:resnet10-w32", 256);
await run.step(); await run.step();
for (let i = 0; i < Number(process.argv[2] ?? 8); i++) {
	const s0 = stat(); const t = performance.now(); const c0 = process.cpuUsage();
	await run.step();
	const ms = performance.now() - t; const s1 = stat(); const c = process.cpuUsage(c0);
	const d = s1.map((v, k) => v - s0[k]); // user nice system idle iowait irq softirq steal
	console.log(`step ${i}: ${ms.toFixed(0)} ms, process CPU ${((c.user + c.system) / 1000).toFixed(0)} ms, machine ticks user ${d[0]} sys ${d[2]} idle ${d[3]} steal ${d[7]}`);
}
run.dispose();
