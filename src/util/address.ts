/** Network addresses as people write them. Pure. */

/** `HOST:PORT`, or `[IPv6]:PORT` for an IPv6 literal (the inverse of {@link parseServerAddress}). */
export function formatServerAddress(hostname: string, port: number): string {
  return hostname.includes(":") ? `[${hostname}]:${port}` : `${hostname}:${port}`;
}
