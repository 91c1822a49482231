/** Names inside the wasm file system for host files. Pure. */

/**
 * `/in/input<ext>` for a host path (keeping a short, safe extension: some formats, e.g. raw
 * `.h264` or `.ts`, are recognised by it), `/in/<role><ext>` with another role.
 */
export function wasmInputPath(hostPath: string, role = "input"): string {
  const match = /\.([A-Za-z0-9]{1,8})$/.exec(hostPath);
  return `/in/${role}${match ? "." + match[1].toLowerCase() : ""}`;
}
