import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { openMultiviewDataset, shardFileName } from "../../src/store/multiview.js";
import { genrep } from "../helpers/cli.js";

const dir = await mkdtemp(join(tmpdir(), "genrep-python-shard-"));
afterAll(() => rm(dir, { recursive: true, force: true }));

/** Debian's python3 (with python3-numpy, see scripts/setup.sh), else the one on PATH. */
const PYTHON = existsSync("/usr/bin/python3") ? "/usr/bin/python3" : "python3";

/** The safetensors layout in a few lines of numpy: 8-byte header length, JSON header, raw bytes. */
const READER = `
import hashlib, json, struct, sys
import numpy as np
buf = open(sys.argv[1], "rb").read()
n = struct.unpack("<Q", buf[:8])[0]
header = json.loads(buf[8:8 + n])
dtypes = {"U8": np.uint8, "F32": np.dtype("<f4"), "I32": np.dtype("<i4")}
out = {}
for name, t in header.items():
    if name == "__metadata__":
        continue
    start, end = t["data_offsets"]
    a = np.frombuffer(buf[8 + n + start:8 + n + end], dtype=dtypes[t["dtype"]]).reshape(t["shape"])
    out[name] = {"dtype": str(a.dtype), "shape": list(a.shape), "sha256": hashlib.sha256(a.tobytes()).hexdigest(),
                 "first": a.flat[0].item(), "last": a.flat[-1].item()}
print(json.dumps(out))
`;

const sha256 = (a: ArrayBufferView) =>
	createHash("sha256")
		.update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength))
		.digest("hex");

describe("views shards from Python", () => {
	it("numpy reads a shard of a 64x64x3 generator's views and gets genrep's arrays", async () => {
		const data = join(dir, "views");
		const gen = genrep(
			...["views", "generate", "--generator", "test/fixtures/onnx/rgb64", "--view", "gaussian", "--sigma", "0.5"],
			...["--anchors", "5", "--neighbors", "2", "--seed", "3", "--out", data],
		);
		expect(gen.stderr).toBe("");
		expect(gen.status).toBe(0);
		const py = spawnSync(PYTHON, ["-c", READER, join(data, shardFileName(0))], { encoding: "utf8" });
		expect(py.stderr, `${PYTHON} with numpy (Debian python3-numpy)`).toBe("");
		expect(py.status).toBe(0);
		const fromPython = JSON.parse(py.stdout);

		const shard = await (await openMultiviewDataset(data)).readShard(0);
		const ours = { images: shard.images, z: shard.z, y: shard.y as Int32Array };
		expect(Object.keys(fromPython).sort()).toEqual(["images", "y", "z"]);
		expect(fromPython.images.shape).toEqual([5, 3, 64, 64, 3]);
		expect(fromPython.z.shape).toEqual([5, 3, 8]);
		expect(fromPython.y.shape).toEqual([5]);
		expect([fromPython.images.dtype, fromPython.z.dtype, fromPython.y.dtype]).toEqual(["uint8", "float32", "int32"]);
		for (const [name, array] of Object.entries(ours)) {
			expect(fromPython[name].sha256, name).toBe(sha256(array));
			expect(fromPython[name].first, name).toBe(array[0]);
			expect(fromPython[name].last, name).toBe(array[array.length - 1]);
		}
	});
});
