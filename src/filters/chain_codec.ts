/**
 * A filter chain as compact, versioned text, for sending it to remote workers (BullMQ job data)
 * and to pool threads: `v1:` followed by the canonical chain text, e.g.
 * `v1:blur=sigma=3,grayscale` (`v1:` alone is the empty chain).
 *
 * A worker decodes the same text for every frame of a job; {@link decodeChain} remembers the
 * texts it decoded last, so the chain is parsed once per job, not once per frame.
 */
import { BoundedCache } from "./bounded_cache.ts";
import { type ChainInput, chainText, compileChain, type CompiledChain } from "./compile.ts";
import { FilterChainError, FilterChainVersionError } from "./errors.ts";

/** The encoding version this build writes and reads: 1. */
export const CHAIN_CODEC_VERSION = 1;

/** How many encoded texts {@link decodeChain} remembers: 32. */
export const DECODE_CACHE_SIZE = 32;

const PREFIX = `v${CHAIN_CODEC_VERSION}:`;
const VERSION = /^v(\d+):/;
const decoded = new BoundedCache<string, CompiledChain>(DECODE_CACHE_SIZE);

/**
 * The encoded text of a chain: `v1:` + its canonical text.
 * @throws FilterChainError when `chain` is not valid.
 */
export function encodeChain(chain: ChainInput): string {
  return PREFIX + chainText(compileChain(chain));
}

/** At most 40 characters of `text`, for messages. */
function preview(text: string): string {
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}

/**
 * The compiled chain of an encoded text. The same text gives the same object while it is among
 * the {@link DECODE_CACHE_SIZE} texts decoded last.
 * @throws FilterChainVersionError when the text carries another version (`v2:…`), naming the
 * version seen and the one this build speaks; FilterChainError when it is not an encoded chain
 * or the chain is not valid (its `position` then counts from after the `v1:` prefix).
 */
export function decodeChain(text: string): CompiledChain {
  if (typeof text !== "string") {
    throw new FilterChainError(`an encoded filter chain must be a string, got ${typeof text}`, -1);
  }
  const known = decoded.get(text);
  if (known) return known;
  const version = VERSION.exec(text);
  if (!version) {
    throw new FilterChainError(
      `not an encoded filter chain: expected '${PREFIX}' and the chain, got '${preview(text)}'`,
      0,
    );
  }
  if (version[0] !== PREFIX) {
    throw new FilterChainVersionError(`v${version[1]}`, PREFIX.slice(0, -1));
  }
  const chain = compileChain(text.slice(PREFIX.length));
  decoded.set(text, chain);
  return chain;
}
