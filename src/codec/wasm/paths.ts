/** Names inside the wasm file system for host files. Pure. */
import type { AudioPlan } from "../args.ts";
import type { HostFileMount } from "./protocol.ts";

/**
 * `/in/input<ext>` for a host path (keeping a short, safe extension: some formats, e.g. raw
 * `.h264` or `.ts`, are recognised by it), `/in/<role><ext>` with another role.
 */
export function wasmInputPath(hostPath: string, role = "input"): string {
  const match = /\.([A-Za-z0-9]{1,8})$/.exec(hostPath);
  return `/in/${role}${match ? "." + match[1].toLowerCase() : ""}`;
}

/** An audio plan with its file named as inside wasm, and the mount that exposes that file. */
export function wasmAudio(
  audio: AudioPlan | undefined,
): { audio: AudioPlan | undefined; files: HostFileMount[] } {
  if (!audio) return { audio: undefined, files: [] };
  const path = wasmInputPath(audio.input, "audio");
  return { audio: { ...audio, input: path }, files: [{ path, host: audio.input }] };
}
