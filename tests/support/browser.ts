/**
 * Real Chromium for browser tests, through playwright-core (no browser download: Debian's
 * `/usr/bin/chromium`). Playwright makes and removes a fresh profile directory per launch.
 */
import { type Browser, chromium } from "playwright-core";

/** Where Debian installs Chromium (`apt-get install chromium`). */
export const CHROMIUM_PATH = "/usr/bin/chromium";

/** Flags Chromium needs in this sandboxed, offline machine. */
export const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** Whether Chromium is installed. */
export function chromiumAvailable(): boolean {
  try {
    return Deno.statSync(CHROMIUM_PATH).isFile;
  } catch {
    return false;
  }
}

/**
 * `ignore` value for browser tests: skipped when Chromium is missing on a developer machine, but
 * run (and failing with an install hint) under CI, where a missing browser must not go unnoticed.
 */
export function ignoreWithoutBrowser(): boolean {
  return !chromiumAvailable() && !Deno.env.get("CI");
}

/** Launches headless Chromium; close it in a `finally`. */
export async function launchBrowser(): Promise<Browser> {
  if (!chromiumAvailable()) {
    throw new Error(
      `Chromium is not installed at ${CHROMIUM_PATH}; install it with: apt-get install -y chromium`,
    );
  }
  return await chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: CHROMIUM_ARGS,
    timeout: 30_000,
  });
}
