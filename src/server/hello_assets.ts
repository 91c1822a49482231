/**
 * The images a job brings with its `hello` (overlay's `file=vframe-asset-<sha256>`): checked
 * against their hashes and against the chain — every image it names sent, nothing else — then
 * kept in this machine's asset folder, where the filters read them when the chain is parsed
 * (filters/overlay_assets.ts). A chain naming a path is refused before it is parsed: a server
 * never opens a file a client names.
 */
import { Buffer } from "node:buffer";
import { assetRef, chainAssetHashes, sha256Hex, storeAsset } from "../filters/overlay_assets.ts";
import { remoteChainProblem } from "../filters/remote_chain.ts";
import type { HelloMessage } from "../protocol/messages.ts";

/**
 * Why the hello's chain and images cannot run here (a sentence for `ack.reason`), or undefined
 * once its images are stored.
 * @throws the file system's error when an image cannot be written.
 */
export function storeHelloAssets(hello: HelloMessage): string | undefined {
  const remote = remoteChainProblem(hello.filter);
  if (remote) return remote;
  const named = chainAssetHashes(hello.filter);
  const sent = hello.assets ?? [];
  const images: Uint8Array[] = [];
  for (const [i, asset] of sent.entries()) {
    const bytes = new Uint8Array(Buffer.from(asset.data, "base64"));
    if (sha256Hex(bytes) !== asset.sha256) {
      return `image ${i + 1} of the hello is not the one its SHA-256 names (damaged in transit?)`;
    }
    if (!named.includes(asset.sha256)) {
      return `image ${i + 1} of the hello (${assetRef(asset.sha256)}) is not named by the chain`;
    }
    images.push(bytes);
  }
  const missing = named.find((hash) => !sent.some((a) => a.sha256 === hash));
  if (missing !== undefined) {
    return `the chain names ${assetRef(missing)} but the hello does not carry that image ` +
      `(vframe client sends the image of overlay=file=PATH with the job)`;
  }
  for (const bytes of images) storeAsset(bytes);
  return undefined;
}
