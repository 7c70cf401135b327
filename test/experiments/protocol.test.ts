import { describe, expect, it } from "vitest";
import { cellRecipe } from "../../src/experiments/jobs.js";
import { PRESETS } from "../../src/experiments/presets.js";

describe("the presets' protocol (chosen by the scale study)", () => {
	it("every preset but the study trains resnet10-w32 at lr 0.1 and temperature 0.1; a cell's own values win", () => {
		for (const [name, p] of Object.entries(PRESETS)) {
			if (name === "scale") continue;
			expect([name, p.encoder, p.lr, p.temperature]).toEqual([name, "resnet10-w32", 0.1, 0.1]);
			for (const cell of p.cells.filter((c) => c.data.kind !== "baseline")) {
				expect(cellRecipe(p, cell), `${name}/${cell.id}`).toEqual({
					lr: cell.lr ?? 0.1,
					temperature: cell.temperature ?? 0.1,
				});
			}
			expect(p.scale).toContain("lr 0.1, temperature 0.1");
		}
		const t = PRESETS["table-unconditional"];
		expect(cellRecipe(t, { ...t.cells[0], lr: 0.3, temperature: 0.5 })).toEqual({ lr: 0.3, temperature: 0.5 });
	});

	it("the demo's cells are table-unconditional's (same views, encoder and recipe), cut to fewer steps and a probe subset", () => {
		const demo = PRESETS.demo;
		const table = PRESETS["table-unconditional"];
		expect([demo.encoder, demo.batchSize, demo.lr, demo.temperature]).toEqual([
			table.encoder,
			table.batchSize,
			table.lr,
			table.temperature,
		]);
		expect({ ...demo.views.steer, anchors: 0 }).toEqual({ ...table.views.steer, anchors: 0 });
		expect(demo.views.steer.anchors).toBe(demo.steps * demo.batchSize); // each anchor seen once
		expect([demo.steps, demo.evalTrainLimit, demo.transfer]).toEqual([160, 10000, undefined]);
		for (const cell of demo.cells) {
			const twin = table.cells.find((c) => c.id === (cell.id === "gen-steer-tx" ? "steer-tx" : cell.id));
			expect(twin, cell.id).toBeDefined();
			expect({ ...cell, id: "", label: "", paper: undefined }).toEqual({
				...twin,
				id: "",
				label: "",
				paper: undefined,
			});
		}
		expect(demo.cells.find((c) => c.id === "random")?.label).toBe("random resnet10-w32 (no training)");
	});

	it("the scale study's cells keep their own recipe (trainer defaults where unset)", () => {
		const scale = PRESETS.scale;
		const plain = scale.cells.find((c) => c.id === "real-resnet10-w32-1000-lr0.1");
		const warm = scale.cells.find((c) => c.id === "real-resnet10-w32-1000-lr0.1-t0.2");
		expect(plain && cellRecipe(scale, plain)).toEqual({ lr: 0.1 });
		expect(warm && cellRecipe(scale, warm)).toEqual({ lr: 0.1, temperature: 0.2 });
	});
});
