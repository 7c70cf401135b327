/**
 * The environment the benchmarks hand their child processes. The snapshot below is taken
 * when this module is evaluated, i.e. while the entry point's imports load and before its
 * body runs; nothing in src/ loads the native addon at import time, and loading it sets
 * OMP_WAIT_POLICY=PASSIVE in process.env (src/engine/native/load.ts), which a PyTorch child
 * must not inherit unrecorded.
 *
 * Both sides of a comparison run without OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE: this
 * workplace sets them (older OpenBLAS builds misbehave on its CPUs), and they make OpenBLAS
 * pick AVX2 kernels on an AVX-512 machine. Only the bench's children lose them; the bench's
 * own process, tests and CI keep the environment as it is.
 */
import { readFileSync } from "node:fs";
import os from "node:os";

/** process.env as it was when the bench started (before the addon could change it). */
export const ORIGINAL_ENV: Readonly<NodeJS.ProcessEnv> = Object.freeze({ ...process.env });

/** Variables removed from every child of the bench (see above). */
export const UNSET_FOR_CHILDREN = ["OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"] as const;

/** Variables recorded for each side: threads, wait policies, BLAS and oneDNN dispatch. */
export const RECORDED_ENV_KEYS = [
	"OPENBLAS_CORETYPE",
	"OPENBLAS_L2_SIZE",
	"OPENBLAS_NUM_THREADS",
	"GOTO_NUM_THREADS",
	"OMP_NUM_THREADS",
	"OMP_WAIT_POLICY",
	"OMP_PROC_BIND",
	"OMP_PLACES",
	"GOMP_SPINCOUNT",
	"ONEDNN_MAX_CPU_ISA",
	"DNNL_MAX_CPU_ISA",
	"ATEN_CPU_CAPABILITY",
	"GENREP_NO_NATIVE",
	"GENREP_BACKEND",
] as const;

/** The recorded variables of an environment that are set. */
export function recordedEnv(env: NodeJS.ProcessEnv = process.env): Record<string, string> {
	const out: Record<string, string> = {};
	for (const key of RECORDED_ENV_KEYS) {
		const value = env[key];
		if (value !== undefined) out[key] = value;
	}
	return out;
}

/**
 * A child's environment: the original one, without UNSET_FOR_CHILDREN, with `set` applied
 * (a value of undefined removes the variable).
 */
export function childEnv(set: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
	const env: NodeJS.ProcessEnv = { ...ORIGINAL_ENV };
	for (const key of UNSET_FOR_CHILDREN) delete env[key];
	for (const [key, value] of Object.entries(set)) {
		if (value === undefined) delete env[key];
		else env[key] = value;
	}
	return env;
}

/** What the bench changed in a child's environment relative to the user's, for the record. */
export function envChanges(env: NodeJS.ProcessEnv): { unset: string[]; set: Record<string, string> } {
	const unset = Object.keys(ORIGINAL_ENV).filter((k) => env[k] === undefined);
	const set: Record<string, string> = {};
	for (const [k, v] of Object.entries(env)) if (v !== undefined && ORIGINAL_ENV[k] !== v) set[k] = v;
	return { unset, set };
}

/** The 1-minute load average, and whether it is above 0.5 per core (timings then noisy). */
export function loadCheck(): { load: number; perCore: number; busy: boolean } {
	const load = os.loadavg()[0];
	const perCore = load / os.cpus().length;
	return { load, perCore, busy: perCore > 0.5 };
}

/**
 * CPU-time counters for telling how quiet the machine was during a run: the whole machine's
 * busy time (/proc/stat, every core, nice included) and this process's own plus its reaped
 * children's (/proc/self/stat utime + stime + cutime + cstime), in seconds; null where /proc
 * is missing. The load average cannot say this: during a bench it counts the bench's own runs.
 */
export interface CpuCounters {
	wallS: number;
	machineBusyS: number;
	oursS: number;
}

export function cpuCounters(): CpuCounters | null {
	try {
		const hz = 100; // USER_HZ: the unit of /proc/stat and /proc/<pid>/stat on Linux
		const cpu = readFileSync("/proc/stat", "utf8").split("\n")[0].trim().split(/\s+/).slice(1).map(Number);
		// user nice system idle iowait irq softirq steal (guest time is already in user/nice)
		const busy = cpu[0] + cpu[1] + cpu[2] + cpu[5] + cpu[6] + (cpu[7] ?? 0);
		const self = readFileSync("/proc/self/stat", "utf8");
		const f = self
			.slice(self.lastIndexOf(")") + 2)
			.split(" ")
			.map(Number); // fields from 3 (state)
		const ours = f[11] + f[12] + f[13] + f[14]; // utime stime cutime cstime (fields 14-17)
		return { wallS: performance.now() / 1000, machineBusyS: busy / hz, oursS: ours / hz };
	} catch {
		return null;
	}
}

/**
 * The share of the machine's cores (0..1) that processes other than this one and its waited-for
 * children used between two readings; null where /proc is missing.
 */
export function othersCpuShare(before: CpuCounters | null, after: CpuCounters | null): number | null {
	if (!before || !after || after.wallS <= before.wallS) return null;
	const others = after.machineBusyS - before.machineBusyS - (after.oursS - before.oursS);
	return Math.max(0, others) / ((after.wallS - before.wallS) * os.cpus().length);
}

/** Other processes' share of the cores above which a run is called not quiet. */
export const QUIET_OTHERS_SHARE = 0.05;
