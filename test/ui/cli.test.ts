/**
 * `genrep ui` from the command line: it serves on 127.0.0.1, says where on stderr, stops
 * cleanly on Ctrl-C, and bad flags exit 1 with one line `error: ...`. Also `views generate
 * --classes`, which the explorer's command box uses for a chosen class.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parseClassList } from "../../src/cli/commands/views.js";
import { genrep } from "../helpers/cli.js";

const dir = mkdtempSync(join(tmpdir(), "genrep-ui-cli-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("genrep ui (CLI)", () => {
	it("serves on 127.0.0.1, answers, and stops on SIGINT with exit code 0", async () => {
		const child = spawn(process.execPath, ["--import", "tsx", "src/cli/main.ts", "ui", "--port", "0", "--runs", dir], {
			stdio: ["ignore", "pipe", "pipe"],
		});
		let stderr = "";
		const url = await new Promise<string>((resolve, reject) => {
			const timer = setTimeout(() => reject(new Error(`no "serving" line in 60 s: ${stderr}`)), 60_000);
			child.stderr.on("data", (d) => {
				stderr += String(d);
				const m = /serving (http:\/\/127\.0\.0\.1:\d+\/)/.exec(stderr);
				if (m) {
					clearTimeout(timer);
					resolve(m[1]);
				}
			});
			child.on("exit", () => reject(new Error(`genrep ui exited: ${stderr}`)));
		});
		const info = (await (await fetch(`${url}api/info`)).json()) as { runsRoots: { given: string }[] };
		expect(info.runsRoots).toEqual([{ index: 0, given: dir }]);
		const code = new Promise<number | null>((resolve) => child.on("exit", (c) => resolve(c)));
		child.kill("SIGINT");
		expect(await code).toBe(0);
	});

	it("rejects bad flags with one line naming them", () => {
		const missing = genrep("ui", "--runs", join(dir, "nope"));
		expect(missing.status).toBe(1);
		expect(missing.stderr).toBe(`error: --runs ${join(dir, "nope")}: no such folder\n`);
		expect(missing.stderr.split("\n")).toHaveLength(2);
	});
});

describe("genrep views generate --classes", () => {
	it("refuses classes the generator does not have, before writing anything", () => {
		const bad = genrep(
			"views",
			"generate",
			"--generator",
			"fashion-mnist-cgan",
			"--view",
			"none",
			"--anchors",
			"4",
			"--neighbors",
			"1",
			"--classes",
			"12",
			"--out",
			join(dir, "bad"),
		);
		expect(bad.status).toBe(1);
		expect(bad.stderr).toBe("error: class 12 is not a class of fashion-mnist-cgan: classes are integers 0..9\n");
		expect(existsSync(join(dir, "bad"))).toBe(false);
		expect(() => parseClassList("a")).toThrow(
			'--classes must be class indices separated by commas (e.g. 3 or 0,2,4), got "a"',
		);
		expect(parseClassList("0, 2,4")).toEqual([0, 2, 4]);
	});
});
