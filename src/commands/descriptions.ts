/**
 * The one-line description of every subcommand, written once: each command's own `--help` and the
 * top-level listing (`src/cli.ts`, which lists commands without loading them) both read it here.
 */
export const DESCRIPTIONS = {
  demo: "Make a sample video, run it through an embedded server over TCP, write out/demo.*",
  client: "Send a video to a vframe server and receive the filtered MP4",
  server: "Run the vframe job server (TCP on [::], optional unix socket, HTTP preview)",
  worker:
    "Filter frames from the BullMQ queue on Redis (start one per machine; all join the same queue)",
  filter:
    "Filter a video on this machine: decode, run the WebAssembly filter chain on all cores, " +
    "encode an MP4 (audio kept); with --raw, filter raw yuv420p frames between pipes/FIFOs",
  filters:
    "List every filter with its parameters (default, range), the ffmpeg equivalent and how " +
    "the result differs from it",
} as const;
