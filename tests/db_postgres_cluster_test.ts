import { assertEquals, assertRejects } from "./support/assert.ts";
import { findPostgresBinDir, startPostgresCluster } from "./support/postgres_cluster.ts";
import { createPostgresDatabase } from "../db/postgres_adapter.ts";

function binariesPresent(): boolean {
  try {
    findPostgresBinDir();
    return true;
  } catch {
    return false;
  }
}

Deno.test({
  name:
    "startPostgresCluster - serves a superuser URL on loopback; stop() shuts it down and removes its files",
  ignore: !binariesPresent() && !Deno.env.get("CI"),
  sanitizeOps: true,
  sanitizeResources: true,
  async fn() {
    const cluster = await startPostgresCluster();
    const url = new URL(cluster.url);
    assertEquals([url.username, url.hostname, url.pathname], ["postgres", "127.0.0.1", "/postgres"]);
    const db = createPostgresDatabase(cluster.url);
    try {
      assertEquals(await db.query("select rolsuper from pg_roles where rolname = current_user"), [
        { rolsuper: true },
      ]);
      assertEquals(await db.query("select current_setting('fsync') as fsync"), [{ fsync: "off" }]);
    } finally {
      await db.close();
    }
    await cluster.stop();
    await cluster.stop(); // idempotent
    await assertRejects(() => Deno.stat(cluster.dir), Deno.errors.NotFound);
    await assertRejects(() => Deno.connect({ hostname: "127.0.0.1", port: Number(url.port) }));
  },
});
