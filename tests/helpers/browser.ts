/**
 * Headless Chromium for tests: Debian's `chromium` driven by playwright-core (`npx playwright
 * install` cannot download browsers here). `.ci/run` installs chromium; the tests fail with a
 * clear message (never skip) when it is missing.
 */
import { type Browser, chromium } from "playwright-core";

/** Where Debian installs Chromium; override with env `CHROMIUM_PATH`. */
export const DEFAULT_CHROMIUM_PATH = "/usr/bin/chromium";

/** Flags for a quiet headless Chromium in a container: no sandbox, GPU, network chatter or updates. */
export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-quic",
  "--no-first-run",
  "--disable-component-update",
  "--disable-sync",
];

/** The Chromium binary to use: env `CHROMIUM_PATH`, else {@link DEFAULT_CHROMIUM_PATH}. */
export function chromiumPath(): string {
  return Deno.env.get("CHROMIUM_PATH") ?? DEFAULT_CHROMIUM_PATH;
}

/**
 * Launches headless Chromium.
 * @throws Error naming the path and the install command when the binary is missing.
 */
export async function launchBrowser(options: { timeoutMs?: number } = {}): Promise<Browser> {
  const executablePath = chromiumPath();
  try {
    const info = await Deno.stat(executablePath);
    if (!info.isFile) throw new Error("not a file");
  } catch {
    throw new Error(
      `Chromium not found at ${executablePath}: install it (apt-get install -y chromium, or ` +
        `scripts/setup-system.sh) or set CHROMIUM_PATH`,
    );
  }
  return await chromium.launch({
    executablePath,
    args: CHROMIUM_ARGS,
    timeout: options.timeoutMs ?? 30_000,
  });
}
