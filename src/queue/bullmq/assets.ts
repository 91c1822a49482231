/**
 * Images a chain names by content (overlay's `file=vframe-asset-<sha256>`) on their way to the
 * workers: the server publishes each to Redis once per job's first unit (again only when it may
 * be close to expiring), and a worker copies each into its machine's asset folder before its
 * first unit that needs it — once per machine, not per frame. See filters/overlay_assets.ts.
 */
import type { Redis } from "ioredis";
import { FilterChainError } from "../../filters/errors.ts";
import {
  assetPath,
  assetRef,
  chainAssetHashes,
  readAsset,
  sha256Hex,
  storeAsset,
} from "../../filters/overlay_assets.ts";
import { ASSET_TTL_MS, assetKey } from "./keys.ts";
import { getBytes, toBuffer } from "./redis.ts";

/** A server republishes an image it published longer ago than this: a sixth of its TTL. */
const REPUBLISH_MS = ASSET_TTL_MS / 6;

/** The server's side: publishes the images of the chains it queues. */
export class AssetPublisher {
  readonly #redis: Redis;
  readonly #published = new Map<string, { at: number; done: Promise<void> }>();

  constructor(redis: Redis) {
    this.#redis = redis;
  }

  /**
   * Makes sure every image `chain` names is in Redis for the next {@link ASSET_TTL_MS}, less
   * {@link REPUBLISH_MS}. Concurrent calls for one image share one write.
   * @throws FilterChainError when an image is not on this machine (its folder was cleaned);
   *   the Redis error.
   */
  async publish(chain: string): Promise<void> {
    const now = Date.now();
    await Promise.all(
      chainAssetHashes(chain).map((hash) => {
        const known = this.#published.get(hash);
        if (known && now - known.at < REPUBLISH_MS) return known.done;
        const bytes = readAsset(hash);
        if (!bytes) {
          throw new FilterChainError(`overlay image ${assetRef(hash)} is not on this server`, -1);
        }
        const done = this.#redis.set(assetKey(hash), toBuffer(bytes), "PX", ASSET_TTL_MS).then(
          () => {},
        );
        this.#published.set(hash, { at: now, done });
        done.catch(() => this.#published.delete(hash)); // tried again by the next call
        return done;
      }),
    );
  }
}

/** Whether the file of asset `hash` is in this machine's folder (its content is checked on use). */
function onDisk(hash: string): boolean {
  try {
    return Deno.statSync(assetPath(hash)).isFile;
  } catch {
    return false;
  }
}

/**
 * The worker's side: copies every image `chain` names from Redis into this machine's asset
 * folder, unless it is already there.
 * @throws FilterChainError (permanent: no retry brings it back) when an image is not in Redis or
 *   not the one its hash names; the Redis error.
 */
export async function fetchChainAssets(redis: Redis, chain: string): Promise<void> {
  for (const hash of chainAssetHashes(chain)) {
    if (onDisk(hash)) continue; // one stat per attempt; fetched once per machine
    const bytes = await getBytes(redis, assetKey(hash));
    if (!bytes) {
      throw new FilterChainError(
        `overlay image ${assetRef(hash)} is not in Redis (a server keeps it there ` +
          `${ASSET_TTL_MS / 60_000} min after it last queued a job that uses it)`,
        -1,
      );
    }
    if (sha256Hex(bytes) !== hash) {
      throw new FilterChainError(`overlay image ${assetRef(hash)} in Redis is damaged`, -1);
    }
    storeAsset(bytes);
  }
}
