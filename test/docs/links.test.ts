import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { describe, expect, it } from "vitest";

const root = join(import.meta.dirname, "..", "..");

/** Every .md and .html file under docs/, plus README.md. */
function reports(): string[] {
	const found = [join(root, "README.md")];
	const walk = (dir: string) => {
		for (const name of readdirSync(dir)) {
			const path = join(dir, name);
			if (statSync(path).isDirectory()) walk(path);
			else if (/\.(md|html)$/.test(name)) found.push(path);
		}
	};
	walk(join(root, "docs"));
	return found;
}

/** Relative link targets of a markdown or HTML file (external, data: and in-page links left out). */
function relativeLinks(text: string): string[] {
	const targets = [
		...[...text.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)].map((m) => m[1]),
		...[...text.matchAll(/\b(?:href|src)="([^"]+)"/g)].map((m) => m[1]),
	];
	return targets.filter((t) => !/^([a-z][a-z0-9+.-]*:|#)/i.test(t));
}

describe("committed reports and docs", () => {
	it("finds links of both syntaxes and leaves out external ones", () => {
		expect(
			relativeLinks('[a](runs/x.json) [b](https://x.org) <img src="p.png"> <a href="#top"> [c](d%20e.md#s)'),
		).toEqual(["runs/x.json", "d%20e.md#s", "p.png"]);
	});

	it("every relative link in every report (md and html) resolves to a file in the repository", () => {
		const files = reports();
		expect(files.filter((f) => f.endsWith("report.md")).length).toBeGreaterThan(0);
		const dead: string[] = [];
		let checked = 0;
		for (const file of files) {
			for (const link of relativeLinks(readFileSync(file, "utf8"))) {
				const path = decodeURIComponent(link.replace(/[#?].*$/, ""));
				if (path === "") continue;
				checked++;
				if (!existsSync(join(dirname(file), path))) dead.push(`${relative(root, file)}: ${link}`);
			}
		}
		expect(checked).toBeGreaterThan(10);
		expect(dead).toEqual([]);
	});
});
