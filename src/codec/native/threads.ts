/**
 * How many threads the native ffmpeg processes get. vframe runs a decoder, its filter threads and
 * an encoder side by side, so neither codec gets ffmpeg's default of a thread or more per core:
 * their threads would take the cores the filter threads need, and spend CPU handing frames
 * between themselves. Measured on the 2-core development machine (docs/benchmarks.md).
 */

const CORES = navigator.hardwareConcurrency || 1;

/**
 * Decoder threads: half the logical cores, at least 1. ffmpeg's own choice (cores + 1 frame
 * threads) spends CPU on thread hand-offs and holds a frame context per thread, while the encoder
 * and the filter threads need the other cores; one thread decodes 1080p H.264 at ~150 fps here.
 */
export const DECODE_THREADS = Math.max(1, Math.floor(CORES / 2));

/** Presets at which x264 is fast enough to run on fewer threads than ffmpeg gives it. */
const FAST_PRESETS = new Set(["ultrafast", "superfast"]);

/**
 * x264 threads for `preset`: at ultrafast and superfast half the logical cores, at least 1 (as
 * the decoder); otherwise undefined, ffmpeg's own choice (1.5 threads per core). At ultrafast one
 * thread encodes 1080p at ~165 fps here, faster than the rest of the pipeline; encoding a file
 * alone, ffmpeg's 3 threads spent half as much CPU again for the same wall time (1080p, 300
 * frames: 2.0 s of CPU against 2.9–3.1 s, 1.8 s wall either way). Fed at the pipeline's pace the
 * CPU comes out even, but `vframe filter` on a 1080p clip ran ~10 % faster (3.8 against 4.2 s)
 * and its peak RSS fell by ~30 MiB. At the slower presets the encoder is the slowest stage and
 * its threads are what make it fast (veryfast, 720p: 2.9 s wall on one thread against 2.0–2.2 s).
 */
export function encoderThreads(preset: string, cores = CORES): number | undefined {
  return FAST_PRESETS.has(preset) ? Math.max(1, Math.floor(cores / 2)) : undefined;
}
