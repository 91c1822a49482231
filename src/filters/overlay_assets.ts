/**
 * Overlay images that travel with a job instead of being read from a path: an image is named by
 * its content, `vframe-asset-<SHA-256 hex>`, in the chain text a client sends, and kept on each
 * machine that runs the chain in a content-addressed folder (`VFRAME_ASSET_DIR`, default
 * `<system temp>/vframe-assets`) as `<hex>.png`. The server writes the file when a job brings the
 * image; a BullMQ worker writes it from Redis before its first frame of the job; every process
 * and pool thread of that machine then reads it from there, checking its hash on each read — a
 * file changed or planted under that name is refused, never used.
 *
 * No `node:` module here (filter threads load this file): SHA-256 from @noble/hashes (audited,
 * pure JS, synchronous — Web Crypto's digest is asynchronous and a chain is parsed synchronously).
 */
import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex } from "@noble/hashes/utils.js";
import { joinPath as join, tempDir } from "../util/temp_dir.ts";

/** The prefix of an asset reference; the SHA-256 of the image, 64 lowercase hex digits, follows. */
export const ASSET_PREFIX = "vframe-asset-";

const REF = /^vframe-asset-([0-9a-f]{64})$/;
const REFS = /vframe-asset-([0-9a-f]{64})/g;

/** SHA-256 of `bytes`, 64 lowercase hex digits. */
export function sha256Hex(bytes: Uint8Array): string {
  return bytesToHex(sha256(bytes));
}

/** The reference of the image whose SHA-256 is `hash`. */
export function assetRef(hash: string): string {
  return `${ASSET_PREFIX}${hash}`;
}

/** The hash an asset reference names, or undefined when `text` is not one (a path). */
export function assetHash(text: string): string | undefined {
  return REF.exec(text)?.[1];
}

/** The hashes of every asset reference in a chain's text, each once, in order of appearance. */
export function chainAssetHashes(chain: string): string[] {
  return [...new Set(Array.from(String(chain).matchAll(REFS), (m) => m[1]))];
}

/** The folder of this machine's asset files. */
export function assetDir(): string {
  return Deno.env.get("VFRAME_ASSET_DIR") || join(tempDir(), "vframe-assets");
}

/** The file of asset `hash` on this machine (it may not exist). */
export function assetPath(hash: string): string {
  return join(assetDir(), `${hash}.png`);
}

/**
 * The bytes of asset `hash` from this machine's folder, checked against the hash; undefined when
 * the file is missing or its content is not the one named (then it is removed, when it can be).
 */
export function readAsset(hash: string): Uint8Array | undefined {
  let bytes: Uint8Array;
  try {
    bytes = Deno.readFileSync(assetPath(hash));
  } catch {
    return undefined;
  }
  if (sha256Hex(bytes) === hash) return bytes;
  try {
    Deno.removeSync(assetPath(hash));
  } catch {
    // not ours to remove: refused all the same
  }
  return undefined;
}

/** Whether asset `hash` is on this machine, intact. */
export function hasAsset(hash: string): boolean {
  return readAsset(hash) !== undefined;
}

/**
 * Keeps `bytes` as an asset of this machine (written to a temporary file, renamed into place,
 * so a reader never sees half a file) and returns its hash; nothing is written when the same
 * content is already there.
 */
export function storeAsset(bytes: Uint8Array): string {
  const hash = sha256Hex(bytes);
  if (hasAsset(hash)) return hash;
  const dir = assetDir();
  Deno.mkdirSync(dir, { recursive: true });
  const temp = join(dir, `.${hash}.${crypto.randomUUID()}.tmp`);
  try {
    Deno.writeFileSync(temp, bytes);
    Deno.renameSync(temp, assetPath(hash));
  } catch (error) {
    try {
      Deno.removeSync(temp);
    } catch {
      // never written
    }
    throw error;
  }
  return hash;
}
