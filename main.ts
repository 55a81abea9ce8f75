/** Préau's entry point: `deno task start`. Composition only; see `server/start.ts`. */
import { ConfigError, loadConfig } from "./server/config.ts";
import { startPreau } from "./server/start.ts";
import { installShutdown } from "./server/shutdown.ts";

try {
  const running = await startPreau(loadConfig(), { dev: Deno.args.includes("--dev") });
  installShutdown(running.shutdown);
} catch (err) {
  const reason = err instanceof ConfigError
    ? `configuration error: ${err.message}`
    : String(err instanceof Error ? err.message : err);
  console.error(`Préau could not start. ${reason}`);
  Deno.exit(1);
}
