/**
 * Checks a result JSON ({@link JobResult}) received in a `result` message, field by field.
 * Fields the type does not know are kept as they are: the shared result type may gain optional
 * fields without a protocol version change.
 */
import type { JobResult } from "./result.ts";
import { bool, fail, int, list, num, object, oneOf, optional, str } from "./fields.ts";
import { FIELD_LIMITS, JOB_STATES } from "./messages.ts";

/** The rule of a job id (`ack.jobId`, `result.jobId`): 1..64 characters of `[A-Za-z0-9_-]`. */
export const JOB_ID = {
  min: 1,
  max: FIELD_LIMITS.jobId,
  pattern: /^[A-Za-z0-9_-]+$/,
  describe: `1..${FIELD_LIMITS.jobId} of [A-Za-z0-9_-]`,
};
const COUNT = { min: 0 };
const TEXT = { max: 4_096 };
const CODE = { min: 1, max: 64, pattern: /^[a-z0-9-]+$/, describe: "1..64 of [a-z0-9-]" };

/** Largest number of entries in `fallbackFrames` (keeps the message under its 4 MiB limit). */
export const MAX_FALLBACK_ENTRIES = 20_000;

/** Largest number of entries in `warnings`. */
export const MAX_WARNINGS = 16;

/**
 * `value` as a {@link JobResult}, or {@link ProtocolError} `bad-message` naming the first bad field.
 * @param path how to name `value` in error messages (default `result`).
 */
export function checkJobResult(value: unknown, path = "result"): JobResult {
  const r = object(value, path);
  int(r, "version", path, { min: 1, max: 1 });
  str(r, "jobId", path, JOB_ID);
  oneOf(r, "state", path, JOB_STATES);
  optional(r, "error", () => str(r, "error", path, TEXT));
  optional(r, "errorCode", () => str(r, "errorCode", path, CODE));

  const input = object(r.input, `${path}.input`);
  const ip = `${path}.input`;
  str(input, "fileName", ip, { max: 1_024 });
  int(input, "bytes", ip, COUNT);
  int(input, "width", ip, COUNT);
  int(input, "height", ip, COUNT);
  num(input, "fps", ip, COUNT);
  str(input, "fpsRational", ip, { max: 64 });
  int(input, "frames", ip, COUNT);
  num(input, "duration", ip, COUNT);
  bool(input, "audio", ip);

  str(r, "filter", path, { max: 16_384 });

  const fp = `${path}.frames`;
  const frames = object(r.frames, fp);
  for (const key of ["total", "processed", "fallback", "retried"]) int(frames, key, fp, COUNT);

  const entries = list(r, "fallbackFrames", path, MAX_FALLBACK_ENTRIES);
  entries.forEach((entry, i) => {
    const ep = `${path}.fallbackFrames[${i}]`;
    const e = object(entry, ep);
    int(e, "index", ep, COUNT);
    str(e, "reason", ep, { max: 1_024 });
    int(e, "attempts", ep, COUNT);
  });

  const tp = `${path}.timings`;
  const timings = object(r.timings, tp);
  for (const key of ["upload", "decode", "process", "encode", "total"]) {
    num(timings, key, tp, COUNT);
  }
  optional(timings, "download", () => num(timings, "download", tp, COUNT));

  num(r, "throughputFps", path, COUNT);

  const lp = `${path}.latencyMs`;
  const latency = object(r.latencyMs, lp);
  for (const key of ["p50", "p95", "p99"]) num(latency, key, lp, COUNT);

  const wp = `${path}.framesPerWorker`;
  const workers = object(r.framesPerWorker, wp);
  for (const key of Object.keys(workers)) int(workers, key, wp, COUNT);

  const bp = `${path}.backend`;
  const backend = object(r.backend, bp);
  // Any backend name: a new queue backend needs no protocol change.
  str(backend, "queue", bp, {
    min: 1,
    max: 64,
    pattern: /^[a-z0-9-]+$/,
    describe: "1..64 of [a-z0-9-]",
  });
  oneOf(backend, "codec", bp, ["wasm", "native"]);

  optional(r, "outputBytes", () => int(r, "outputBytes", path, COUNT));
  optional(r, "warnings", () => {
    list(r, "warnings", path, MAX_WARNINGS).forEach((w, i) => {
      if (typeof w !== "string" || w.length > 1_024 || !w.isWellFormed()) {
        fail(`${path}.warnings[${i}]`, "a string of 0..1024 characters", w);
      }
    });
  });
  str(r, "startedAt", path, { min: 1, max: 64 });
  optional(r, "finishedAt", () => str(r, "finishedAt", path, { min: 1, max: 64 }));
  return r as unknown as JobResult;
}
