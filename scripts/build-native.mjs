#!/usr/bin/env node
/**
 * Builds genrep's oneDNN addon (native/) at `npm install`. It never fails the install: when
 * something is missing it prints one line saying why and exits 0, and genrep then runs its
 * portable wasm kernels. GENREP_NO_NATIVE=1 skips the build; GENREP_REQUIRE_NATIVE=1 (set by
 * .ci/run) turns a failed build into a failed install.
 *
 * Needs a C++17 compiler and oneDNN's headers and library (Debian: g++ make libdnnl-dev).
 * The full build log is kept in native/build-native.log.
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const nativeDir = path.join(root, "native");
const addonPath = path.join(nativeDir, "build", "Release", "genrep_native.node");
const logPath = path.join(nativeDir, "build-native.log");

/**
 * Prints the one "not built" line and ends the script successfully, unless
 * GENREP_REQUIRE_NATIVE=1 (CI, where oneDNN is installed): then a failed build fails the install.
 */
function skip(reason) {
	if (process.env.GENREP_REQUIRE_NATIVE === "1") {
		console.error(`genrep: native kernels not built (${reason}), but GENREP_REQUIRE_NATIVE=1 requires them`);
		process.exit(1);
	}
	console.log(`genrep: native kernels not built (${reason}); using the portable wasm path`);
	process.exit(0);
}

function run(command, args, options = {}) {
	return spawnSync(command, args, { encoding: "utf8", ...options });
}

/** The C++ compiler to use ($CXX, else c++, else g++), or null. */
function findCompiler() {
	for (const cxx of [process.env.CXX, "c++", "g++"].filter(Boolean)) {
		if (run(cxx, ["--version"]).status === 0) return cxx;
	}
	return null;
}

/** Compiles and links a tiny oneDNN program; returns null when it works, else why not. */
function probeOneDnn(cxx) {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), "genrep-dnnl-"));
	try {
		const source = path.join(dir, "probe.cc");
		fs.writeFileSync(
			source,
			"#include <dnnl.hpp>\nint main() { dnnl::engine e(dnnl::engine::kind::cpu, 0); return 0; }\n",
		);
		const r = run(cxx, ["-std=c++17", source, "-o", path.join(dir, "probe"), "-ldnnl"]);
		if (r.status === 0) return null;
		const out = `${r.stdout}${r.stderr}`;
		if (/dnnl\.hpp/.test(out) && /No such file|not found/i.test(out)) {
			return "oneDNN headers missing: install libdnnl-dev";
		}
		if (/-ldnnl/.test(out)) return "libdnnl missing: install libdnnl-dev";
		return `oneDNN probe failed to compile: ${firstErrorLine(out)}`;
	} finally {
		fs.rmSync(dir, { recursive: true, force: true });
	}
}

function firstErrorLine(text) {
	const lines = text.split("\n").map((l) => l.trim());
	return lines.find((l) => /error/i.test(l)) ?? lines.find((l) => l) ?? "no output";
}

/** node-gyp's entry script: npm's own (npm_config_node_gyp or next to npm), else null. */
function findNodeGyp() {
	const candidates = [
		process.env.npm_config_node_gyp,
		process.env.npm_execpath &&
			path.join(path.dirname(process.env.npm_execpath), "..", "node_modules", "node-gyp", "bin", "node-gyp.js"),
		path.join(
			path.dirname(process.execPath),
			"..",
			"lib",
			"node_modules",
			"npm",
			"node_modules",
			"node-gyp",
			"bin",
			"node-gyp.js",
		),
	];
	return candidates.find((c) => c && fs.existsSync(c)) ?? null;
}

/** --nodedir when Node's headers are installed beside it (no download needed). */
function nodeDirArgs() {
	const prefix = path.resolve(path.dirname(process.execPath), "..");
	return fs.existsSync(path.join(prefix, "include", "node", "node_api.h")) ? [`--nodedir=${prefix}`] : [];
}

function main() {
	if (process.env.GENREP_NO_NATIVE === "1") skip("GENREP_NO_NATIVE=1");
	if (process.platform !== "linux") skip(`platform ${process.platform} is not supported yet`);
	if (!fs.existsSync(path.join(nativeDir, "binding.gyp"))) skip("native sources not found");
	const cxx = findCompiler();
	if (!cxx) skip("no C++ compiler: install g++");
	if (run("make", ["--version"]).status !== 0) skip("make not found: install make");
	if (run("python3", ["--version"]).status !== 0) skip("python3 not found (node-gyp needs it): install python3");
	const problem = probeOneDnn(cxx);
	if (problem) skip(problem);
	const nodeGyp = findNodeGyp();
	if (!nodeGyp) skip("node-gyp not found");

	const build = run(process.execPath, [nodeGyp, "rebuild", "--directory", nativeDir, ...nodeDirArgs()], {
		cwd: root,
		env: { ...process.env, CXX: cxx },
	});
	fs.writeFileSync(logPath, `${build.stdout ?? ""}${build.stderr ?? ""}`);
	if (build.status !== 0 || !fs.existsSync(addonPath)) {
		skip(`node-gyp failed: ${firstErrorLine(`${build.stderr}${build.stdout}`)}; see ${logPath}`);
	}

	// Load it in a child process: a missing runtime library must not break the install.
	const probe = run(process.execPath, [
		"-e",
		`const a = require(${JSON.stringify(addonPath)}); const i = a.info(); console.log(i.library + ", " + i.threads + " threads");`,
	]);
	if (probe.status !== 0) {
		fs.rmSync(addonPath, { force: true });
		skip(`built addon does not load: ${firstErrorLine(probe.stderr)}`);
	}
	console.log(`genrep: native kernels built (${probe.stdout.trim()})`);
}

try {
	main();
} catch (err) {
	skip(err instanceof Error ? err.message.split("\n")[0] : String(err));
}
