/** Préau's entry point: `deno task start`. Composition only; see `server/start.ts`. */
import { loadConfig } from "./server/config.ts";
import { startFailureMessage } from "./server/compose.ts";
import { startPreau } from "./server/start.ts";
import { installShutdown } from "./server/shutdown.ts";

try {
  const running = await startPreau(loadConfig(), { dev: Deno.args.includes("--dev") });
  installShutdown(running.shutdown);
} catch (err) {
  console.error(startFailureMessage(err));
  Deno.exit(1);
}
