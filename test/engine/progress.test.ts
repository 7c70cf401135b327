import { describe, expect, it } from "vitest";
import { formatSeconds } from "../../src/engine/progress.js";
import { formatSeconds as reportSeconds } from "../../src/experiments/report/format.js";

describe("formatSeconds", () => {
	it("writes compact durations for status lines", () => {
		expect(formatSeconds(75)).toBe("1m15s");
		expect(formatSeconds(4000)).toBe("1h06m");
		expect(formatSeconds(5)).toBe("0m05s");
		expect(formatSeconds(Number.NaN)).toBe("?");
	});

	it("writes durations in words for reports", () => {
		expect(formatSeconds(8.46, "words")).toBe("8.5 s");
		expect(formatSeconds(42, "words")).toBe("42 s");
		expect(formatSeconds(185, "words")).toBe("3 min 05 s");
		expect(formatSeconds(7620, "words")).toBe("2 h 07 min");
		expect(reportSeconds(-1)).toBe("-");
		expect(reportSeconds(Number.POSITIVE_INFINITY)).toBe("-");
		expect(reportSeconds(1773)).toBe("29 min 33 s");
	});
});
