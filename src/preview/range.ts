/** HTTP `Range` header parsing for the output download (RFC 9110 §14), pure. */

/** What to send for a `Range` header against a representation of known size. */
export type RangeDecision =
  /** Send everything with 200 (no header, another unit, or several ranges). */
  | { kind: "full" }
  /** Send bytes `start`..`end` inclusive with 206. */
  | { kind: "partial"; start: number; end: number }
  /** Answer 416 with `Content-Range: bytes *\/size`. */
  | { kind: "unsatisfiable"; reason: string };

const SPEC = /^(\d*)-(\d*)$/;

/**
 * Decides how to answer `header` for a body of `size` bytes.
 *
 * - no header, or a unit other than `bytes`: `full` (a server may ignore Range);
 * - `bytes=a-b`, `bytes=a-`: `partial` from `a`, with an end past the body (however large the
 *   number) clamped to the last byte; `bytes=-n` (suffix): the last `n` bytes, the whole body when
 *   `n` is larger than it;
 * - several ranges (`bytes=0-1,5-6`) that are all well-formed: `full` — vframe does not send
 *   multipart/byteranges, and ignoring the header is allowed — unless none of them is
 *   satisfiable (416);
 * - unsatisfiable (416), with the reason: a range that starts at or after the end of the body
 *   (`bytes=100-` of 100 bytes, or any start too large for a number), a zero-length suffix
 *   (`bytes=-0`), any range of an empty body; and anything malformed (`bytes=x`, `bytes=5-2`,
 *   empty).
 * @throws RangeError when size is not a safe integer ≥ 0.
 */
export function parseRange(header: string | null | undefined, size: number): RangeDecision {
  if (!Number.isSafeInteger(size) || size < 0) {
    throw new RangeError(`size must be a safe integer >= 0, got ${size}`);
  }
  if (header === null || header === undefined) return { kind: "full" };
  const text = header.trim();
  const eq = text.indexOf("=");
  if (eq < 0) return unsatisfiable(`malformed Range header '${clip(header)}'`);
  if (text.slice(0, eq).trim().toLowerCase() !== "bytes") return { kind: "full" };
  const specs = text.slice(eq + 1).split(",").map((s) => s.trim());
  const ranges: { start: number; end: number }[] = [];
  let refused = "";
  for (const spec of specs) {
    const m = SPEC.exec(spec);
    if (!m || (m[1] === "" && m[2] === "")) {
      return unsatisfiable(`malformed byte range '${clip(spec)}'`);
    }
    const first = m[1] === "" ? undefined : position(m[1]);
    const last = m[2] === "" ? undefined : position(m[2]);
    if (first === undefined) {
      // Suffix range: the last `last` bytes (all of them when the body is shorter).
      if (last === 0 || size === 0) {
        refused ||= `suffix range '${clip(spec)}' selects no bytes of a ${size}-byte body`;
        continue;
      }
      ranges.push({ start: Math.max(0, size - last!), end: size - 1 });
      continue;
    }
    if (last !== undefined && last < first) {
      return unsatisfiable(`byte range '${clip(spec)}' ends before it starts`);
    }
    if (first >= size) {
      refused ||= `byte range '${clip(spec)}' starts at or after the end (${size} bytes)`;
      continue;
    }
    ranges.push({ start: first, end: Math.min(size - 1, last ?? size - 1) });
  }
  if (ranges.length === 0) return unsatisfiable(refused);
  if (specs.length !== 1) return { kind: "full" };
  return { kind: "partial", ...ranges[0] };
}

/**
 * A byte position (decimal digits) as a number; Infinity when it is beyond any safe integer,
 * which is past the end of every body (sizes are safe integers), however many digits it has.
 */
function position(digits: string): number {
  const n = Number(digits);
  return Number.isSafeInteger(n) ? n : Infinity;
}

function unsatisfiable(reason: string): RangeDecision {
  return { kind: "unsatisfiable", reason };
}

function clip(text: string): string {
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}
