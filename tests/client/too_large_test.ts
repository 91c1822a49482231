/**
 * A job the server refuses for size after it accepted it (an `error` with code `too-large`, sent
 * when the memory gate sees the first frame) is a refusal like the ack's: JobRefusedError, exit 4
 * — not a failed job (5). Against the fake server, in-process and with the real CLI.
 */
import assert from "node:assert/strict";
import { runJob } from "../../src/client/client.ts";
import {
  ChecksumMismatchError,
  errorFromServer,
  JobCancelledError,
  JobFailedError,
  JobRefusedError,
} from "../../src/client/errors.ts";
import { exitCodeFor } from "../../src/util/errors.ts";
import { vframe } from "../commands/run_cli.ts";
import { startFakeServer } from "./fake_server.ts";

const MESSAGE = "the job's frames need about 3000 MiB, more than --max-memory-mb 512 allows";

Deno.test("errorFromServer: too-large is a refusal (exit 4); the other codes as before", () => {
  const tooLarge = errorFromServer("too-large", MESSAGE);
  assert.ok(tooLarge instanceof JobRefusedError);
  assert.equal(tooLarge.code, "too-large");
  assert.equal(tooLarge.message, `server refused the job (too-large): ${MESSAGE}`);
  assert.equal(exitCodeFor(tooLarge), 4);
  const cases: [string, new (...a: never[]) => Error, number][] = [
    ["cancelled", JobCancelledError, 5],
    ["bad-checksum", ChecksumMismatchError, 6],
    ["file-checksum", ChecksumMismatchError, 6],
    ["size-mismatch", ChecksumMismatchError, 6],
    ["timeout", JobFailedError, 5],
    ["internal", JobFailedError, 5],
  ];
  for (const [code, type, exit] of cases) {
    const error = errorFromServer(code, "why");
    assert.ok(error instanceof type, `${code}: ${error.name}`);
    assert.equal(exitCodeFor(error), exit, code);
  }
});

Deno.test("client: too-large after the ack rejects with JobRefusedError; the CLI exits 4", async () => {
  const server = startFakeServer({
    auth: { mode: "none" },
    errorAfterAck: { code: "too-large", message: MESSAGE },
  });
  const dir = await Deno.makeTempDir({ prefix: "vframe-too-large-" });
  try {
    const input = `${dir}/in.mp4`;
    await Deno.writeFile(input, new Uint8Array(200_000).fill(7));
    await assert.rejects(
      runJob({ input, filter: "invert", server: `127.0.0.1:${server.port}`, output: `${dir}/a` }),
      (error: unknown) => {
        assert.ok(error instanceof JobRefusedError, String(error));
        assert.equal(error.code, "too-large");
        assert.equal(exitCodeFor(error), 4);
        return true;
      },
    );
    assert.equal(server.accepted, 1, "the job was accepted first");

    const cli = await vframe([
      ...["client", input, "--filter", "invert", "--server", `127.0.0.1:${server.port}`],
      ...["--out", `${dir}/b.mp4`, "--quiet"],
    ]);
    assert.equal(cli.code, 4, cli.stderr);
    assert.match(cli.stderr, /server refused the job \(too-large\): the job's frames need about/);
    assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), ["in.mp4"], "no output");
  } finally {
    await server.close();
    await Deno.remove(dir, { recursive: true });
  }
});
