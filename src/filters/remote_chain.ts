/**
 * Chains that cross the network. A server never opens a file a client names: overlay's `file`
 * must be an asset reference (`vframe-asset-<sha256>`, overlay_assets.ts) whose image the client
 * sends with its job. The client turns its chain's paths into references
 * ({@link prepareRemoteChain}); the server checks the text before parsing it
 * ({@link remoteChainProblem}), since parsing an overlay chain reads the file it names.
 */
import { compileChain } from "./compile.ts";
import { assetHash } from "./overlay_assets.ts";
import { FilterChainError } from "./errors.ts";
import {
  loadOverlayImage,
  OVERLAY_MAX_ASSET_SIDE,
  overlayAsset,
  overlayImage,
} from "./overlay_image.ts";
import { formatChain } from "./parse.ts";

/** Filters that read a file when their chain is parsed, and the parameter naming it. */
const FILE_PARAMS: ReadonlyMap<string, string> = new Map([["overlay", "file"]]);

/** Splits `text` at every `sep` outside single quotes (as the chain parser does). */
function splitOutsideQuotes(text: string, sep: string): string[] {
  const parts: string[] = [];
  let part = "";
  let quoted = false;
  for (const ch of text) {
    if (ch === "'") quoted = !quoted;
    if (ch === sep && !quoted) {
      parts.push(part);
      part = "";
    } else {
      part += ch;
    }
  }
  parts.push(part);
  return parts;
}

/** The filters of a chain's text, read loosely (quoted parts skipped), parse or not. */
function chainParts(text: string): { name: string; args: string[] }[] {
  return splitOutsideQuotes(String(text), ",").map((part) => {
    const at = part.indexOf("=");
    const name = (at < 0 ? part : part.slice(0, at)).trim();
    return { name, args: at < 0 ? [] : splitOutsideQuotes(part.slice(at + 1), ":") };
  }).filter((p) => p.name !== "");
}

/** The filter names of a chain's text, read loosely (quoted parts skipped), parse or not. */
export function chainFilterNames(text: string): string[] {
  return chainParts(text).map((p) => p.name);
}

/** Whether `value` (a parameter's text as written) is exactly an asset reference, quoted or not. */
function isAssetRef(value: string): boolean {
  const v = value.trim();
  const bare = v.length >= 2 && v.startsWith("'") && v.endsWith("'") ? v.slice(1, -1) : v;
  return assetHash(bare) !== undefined;
}

/**
 * Why a chain sent over the network cannot run — a filter whose file is a path, not an image
 * the client sent (`vframe-asset-…`) — or undefined.
 */
export function remoteChainProblem(text: string): string | undefined {
  for (const { name, args } of chainParts(text)) {
    const key = FILE_PARAMS.get(name);
    if (!key) continue;
    for (const arg of args) {
      const at = arg.indexOf("=");
      if (at < 0 || arg.slice(0, at).trim() !== key) continue;
      if (!isAssetRef(arg.slice(at + 1))) {
        return `${name}'s ${key} must be an image the client sends with the job (vframe ` +
          `client reads ${key}=PATH on its machine and sends it); a server never opens a path ` +
          `a client names`;
      }
    }
  }
  return undefined;
}

/** A chain ready to send: its text and the PNG images it names, by reference. */
export interface RemoteChain {
  /** The text to send: the user's own, or, with overlay, the canonical text with references. */
  filter: string;
  /** Each image the text names once, with its SHA-256 (the reference's hex digits). */
  assets: { sha256: string; bytes: Uint8Array }[];
}

/**
 * What a client sends for `text`: chains without a file pass unchanged (the server parses them);
 * a chain with overlay is parsed here, on the machine that has the image (a missing or bad file
 * throws here, before anything is sent), and sent as its canonical text with each path replaced
 * by the image's reference, beside the image's bytes.
 * @throws FilterChainError when a chain that names a file is not valid.
 */
export function prepareRemoteChain(text: string): RemoteChain {
  const parts = chainParts(text);
  if (!parts.some((p) => FILE_PARAMS.has(p.name))) return { filter: text, assets: [] };
  const assets = new Map<string, Uint8Array>();
  const specs = compileChain(text).map((spec) => {
    const key = FILE_PARAMS.get(spec.name);
    if (!key) return spec;
    const asset = overlayAsset(spec.params[key]);
    if (!asset) return spec; // no image: the chain did not compile (never here)
    const image = overlayImage(spec.params[key])!;
    if (image.width > OVERLAY_MAX_ASSET_SIDE || image.height > OVERLAY_MAX_ASSET_SIDE) {
      throw new FilterChainError(
        `overlay file '${image.path}' is ${image.width}x${image.height}: an image sent to a ` +
          `server may be at most ${OVERLAY_MAX_ASSET_SIDE} px per side`,
        -1,
      );
    }
    assets.set(assetHash(asset.ref)!, asset.bytes);
    const handle = loadOverlayImage(asset.ref) as number; // known: overlayAsset registered it
    return { ...spec, params: { ...spec.params, [key]: handle } };
  });
  return {
    filter: formatChain(specs),
    assets: [...assets].map(([sha256, bytes]) => ({ sha256, bytes })),
  };
}
