/**
 * Probes for load balancers. `/healthz` says the process is up (restart it if this fails);
 * `/readyz` says it can serve (send it traffic): the database answers, every migration is
 * applied, and the process is not draining.
 */
import type { Hono } from "hono";
import { withTimeout } from "../util/timeout.ts";
import { json } from "./http.ts";

/** What readiness depends on. */
export interface ReadinessChecks {
  /** Resolves true when the database answers and no migration is pending. */
  databaseReady(): Promise<boolean>;
  /** True once shutdown began: the balancer must stop sending new requests. */
  isStopping(): boolean;
  /** How long the database check may take. Default 2 000 ms. */
  timeoutMs?: number;
}

/** Registers `GET /healthz` and `GET /readyz` on `app`. */
export function mountHealth(app: Hono, checks: ReadinessChecks): void {
  app.get("/healthz", () => json({ status: "ok" }));
  app.get("/readyz", async () => {
    if (checks.isStopping()) return json({ status: "stopping" }, 503);
    const ready = await withTimeout(checks.databaseReady(), checks.timeoutMs ?? 2_000).catch(() => false);
    return ready ? json({ status: "ready" }) : json({ status: "unavailable", database: false }, 503);
  });
}
