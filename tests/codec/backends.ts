/**
 * The codec backends every integration test runs against. Native tests need `ffmpeg` and
 * `ffprobe` on PATH (Debian: apt-get install -y ffmpeg); without them they fail, never skip.
 */
import type { CodecBackendName } from "../../src/codec/types.ts";

/** Both backends, wasm first. */
export const BACKENDS: CodecBackendName[] = ["wasm", "native"];
