/**
 * The token proof of the protocol (version 2 on; version 3 added the `attach` proof), shared by
 * client and server. Pure apart from the random nonce; no I/O.
 *
 * A server that requires a token answers a `hello` (or an `attach`) with `challenge {nonce}`; the
 * client answers `auth {proof}` with `proof = HMAC-SHA256(key = token, message = authInput(nonce,
 * hello))` — `attachAuthInput(nonce, jobId)` after an `attach` — as 64 lowercase hex digits. The
 * token never crosses the wire, a proof is good for one nonce (one connection) only, and it binds
 * the job the hello describes (file name, size, filter, options) or the job id attached to.
 *
 * ```ts
 * const nonce = newNonce(); // server, per connection
 * const proof = authProof(token, nonce, hello); // client
 * verifyAuthProof(token, nonce, hello, proof); // server: true, in constant time
 * attachProof(token, nonce, jobId); // client, after attach
 * verifyAttachProof(token, nonce, jobId, proof); // server
 * ```
 */
import { Buffer } from "node:buffer";
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { type HelloMessage, type JobOptions, NONCE_BYTES } from "./messages.ts";

/**
 * First line of every {@link authInput}: names the protocol and the purpose of the MAC. (Unchanged
 * since version 2: the hello proof did not change.)
 */
export const AUTH_DOMAIN = "vframe-auth-v2";

/**
 * First line of every {@link attachAuthInput}: another purpose than {@link AUTH_DOMAIN}, so that no
 * proof of one kind is ever a proof of the other.
 */
export const ATTACH_AUTH_DOMAIN = "vframe-attach-v3";

/** The fields of a `hello` that a proof covers. */
export type AuthedHello = Pick<HelloMessage, "fileName" | "size" | "filter" | "options">;

/** Keys of `JobOptions` in the order {@link authInput} writes them. */
const OPTION_ORDER: readonly (keyof JobOptions)[] = [
  "crf",
  "preset",
  "audio",
  "progressIntervalMs",
];

const PROOF_PATTERN = /^[0-9a-f]{64}$/;

/** A fresh nonce: {@link NONCE_BYTES} random bytes as lowercase hex (64 digits). */
export function newNonce(): string {
  return randomBytes(NONCE_BYTES).toString("hex");
}

/**
 * The exact text the proof is computed over, UTF-8 encoded by the caller: six lines joined by
 * `\n` (no trailing newline):
 *
 * 1. `vframe-auth-v2` ({@link AUTH_DOMAIN})
 * 2. the challenge's nonce, 64 lowercase hex digits
 * 3. `hello.fileName`
 * 4. `hello.size` in decimal
 * 5. `hello.filter`
 * 6. `hello.options` as compact JSON with only the keys present, in the order `crf`, `preset`,
 *    `audio`, `progressIntervalMs` (`{}` when none)
 *
 * `fileName` and `filter` cannot contain control characters (the protocol refuses them), so the
 * lines are unambiguous.
 */
export function authInput(nonce: string, hello: AuthedHello): string {
  const options: Record<string, unknown> = {};
  for (const key of OPTION_ORDER) {
    if (hello.options[key] !== undefined) options[key] = hello.options[key];
  }
  return [
    AUTH_DOMAIN,
    nonce,
    hello.fileName,
    String(hello.size),
    hello.filter,
    JSON.stringify(options),
  ].join("\n");
}

/**
 * The exact text the proof of an `attach` is computed over: three lines joined by `\n` (no
 * trailing newline): `vframe-attach-v3` ({@link ATTACH_AUTH_DOMAIN}), the challenge's nonce, the
 * job id (`[A-Za-z0-9_-]`, so the lines are unambiguous).
 */
export function attachAuthInput(nonce: string, jobId: string): string {
  return [ATTACH_AUTH_DOMAIN, nonce, jobId].join("\n");
}

function mac(token: string, input: string): Buffer {
  if (typeof token !== "string" || token.length === 0) {
    throw new TypeError("the token must be a non-empty string");
  }
  return createHmac("sha256", Buffer.from(token, "utf8"))
    .update(Buffer.from(input, "utf8"))
    .digest();
}

/** Whether `proof` (64 lowercase hex digits) equals `expected`, in constant time. */
function sameProof(expected: Buffer, proof: unknown): boolean {
  if (typeof proof !== "string" || !PROOF_PATTERN.test(proof)) return false;
  return timingSafeEqual(expected, Buffer.from(proof, "hex"));
}

/**
 * The client's answer to a challenge: HMAC-SHA256 keyed with the UTF-8 bytes of `token` over
 * {@link authInput}, as 64 lowercase hex digits.
 * @throws TypeError for an empty token.
 */
export function authProof(token: string, nonce: string, hello: AuthedHello): string {
  return mac(token, authInput(nonce, hello)).toString("hex");
}

/**
 * Whether `proof` is the right answer for `token`, `nonce` and `hello`. The comparison takes the
 * same time wherever the first difference is (`crypto.timingSafeEqual`). Anything that is not
 * 64 lowercase hex digits is simply wrong.
 * @throws TypeError for an empty token.
 */
export function verifyAuthProof(
  token: string,
  nonce: string,
  hello: AuthedHello,
  proof: unknown,
): boolean {
  return sameProof(mac(token, authInput(nonce, hello)), proof);
}

/**
 * The client's answer to the challenge after an `attach`: HMAC-SHA256 keyed with the UTF-8 bytes
 * of `token` over {@link attachAuthInput}, as 64 lowercase hex digits.
 * @throws TypeError for an empty token.
 */
export function attachProof(token: string, nonce: string, jobId: string): string {
  return mac(token, attachAuthInput(nonce, jobId)).toString("hex");
}

/**
 * Whether `proof` is the right answer to an `attach` of `jobId` for `token` and `nonce`, compared
 * in constant time; anything that is not 64 lowercase hex digits is simply wrong.
 * @throws TypeError for an empty token.
 */
export function verifyAttachProof(
  token: string,
  nonce: string,
  jobId: string,
  proof: unknown,
): boolean {
  return sameProof(mac(token, attachAuthInput(nonce, jobId)), proof);
}
