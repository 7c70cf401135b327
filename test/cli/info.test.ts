import { describe, expect, it } from "vitest";
import { genrep } from "../helpers/cli.js";

describe("genrep info", () => {
	it("reports the backend and genrep's kernels as JSON", () => {
		const { status, stdout, stderr } = genrep("info");
		expect(stderr).toBe("");
		expect(status).toBe(0);
		const info = JSON.parse(stdout);
		expect(info.backend).toBe("wasm");
		expect(info.customKernels).toContain("Conv2DBackpropFilter");
		expect(info.customKernels).toContain("UnsortedSegmentSum");
	});

	it("rejects an unknown backend with one error line", () => {
		const { status, stdout, stderr } = genrep("info", "--backend", "gpu");
		expect(status).toBe(1);
		expect(stdout).toBe("");
		expect(stderr.trim().split("\n")).toEqual(["error: unknown backend 'gpu'; choose one of: wasm, cpu"]);
	});

	it("an unknown command exits non-zero with a usage hint", () => {
		const { status, stderr } = genrep("frobnicate");
		expect(status).not.toBe(0);
		expect(stderr).toMatch(/^error: unknown command 'frobnicate'/);
	});
});
