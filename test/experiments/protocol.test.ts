import { describe, expect, it } from "vitest";
import { cellRecipe } from "../../src/experiments/jobs.js";
import { PRESETS } from "../../src/experiments/presets.js";

describe("the presets' protocol (chosen by the scale study)", () => {
	it("every preset but the demo and the study trains resnet10-w32 at lr 0.1 and temperature 0.2; a cell's own values win", () => {
		for (const [name, p] of Object.entries(PRESETS)) {
			if (name === "demo" || name === "scale") continue;
			expect([name, p.encoder, p.lr, p.temperature]).toEqual([name, "resnet10-w32", 0.1, 0.2]);
			for (const cell of p.cells.filter((c) => c.data.kind !== "baseline")) {
				expect(cellRecipe(p, cell), `${name}/${cell.id}`).toEqual({
					lr: cell.lr ?? 0.1,
					temperature: cell.temperature ?? 0.2,
				});
			}
			expect(p.scale).toContain("lr 0.1, temperature 0.2");
		}
		const t = PRESETS["table-unconditional"];
		expect(cellRecipe(t, { ...t.cells[0], lr: 0.3, temperature: 0.5 })).toEqual({ lr: 0.3, temperature: 0.5 });
	});

	it("the demo keeps its small recipe, and the scale study's cells their own (trainer defaults where unset)", () => {
		const demo = PRESETS.demo;
		expect(demo.encoder).toBe("resnet-tiny");
		for (const cell of demo.cells) expect(cellRecipe(demo, cell)).toEqual({});
		expect(demo.cells.find((c) => c.id === "random")?.label).toBe("random resnet-tiny (no training)");
		const scale = PRESETS.scale;
		const plain = scale.cells.find((c) => c.id === "real-resnet10-w32-1000-lr0.1");
		const warm = scale.cells.find((c) => c.id === "real-resnet10-w32-1000-lr0.1-t0.2");
		expect(plain && cellRecipe(scale, plain)).toEqual({ lr: 0.1 });
		expect(warm && cellRecipe(scale, warm)).toEqual({ lr: 0.1, temperature: 0.2 });
	});
});
