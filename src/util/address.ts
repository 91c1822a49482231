/** Network addresses as people write them. Pure. */

/** `HOST:PORT`, or `[IPv6]:PORT` for an IPv6 literal (the inverse of {@link parseServerAddress}). */
export function formatServerAddress(hostname: string, port: number): string {
  return hostname.includes(":") ? `[${hostname}]:${port}` : `${hostname}:${port}`;
}

/** A dotted-quad IPv4 address: four decimal numbers 0..255, without leading zeros. */
export function isIpv4Literal(text: string): boolean {
  const parts = text.split(".");
  return parts.length === 4 &&
    parts.every((p) => /^(0|[1-9]\d{0,2})$/.test(p) && Number(p) <= 255);
}

/**
 * An IPv6 address as written without brackets (RFC 4291 text forms): eight groups of 1..4 hex
 * digits, at most one `::`, optionally a dotted IPv4 tail (`::ffff:192.0.2.1`) and a zone
 * (`fe80::1%eth0`).
 */
export function isIpv6Literal(text: string): boolean {
  const percent = text.indexOf("%");
  const address = percent < 0 ? text : text.slice(0, percent);
  if (percent >= 0 && !/^[\w.-]+$/.test(text.slice(percent + 1))) return false;
  const halves = address.split("::");
  if (halves.length > 2) return false;
  const groupsOf = (s: string) => s === "" ? [] : s.split(":");
  const head = groupsOf(halves[0]);
  const tail = halves.length === 2 ? groupsOf(halves[1]) : [];
  const last = halves.length === 2 ? tail : head;
  let count = head.length + tail.length;
  if (last.length > 0 && last[last.length - 1].includes(".")) {
    if (!isIpv4Literal(last.pop()!)) return false;
    count += 1; // an IPv4 tail stands for two groups
  }
  if (![...head, ...tail].every((g) => /^[0-9A-Fa-f]{1,4}$/.test(g))) return false;
  return halves.length === 2 ? count <= 7 : count === 8;
}
