/**
 * The staff messagerie page of a teacher with 1,000 conversations (on a throw-away PostgreSQL
 * cluster when its binaries are installed, else, or with `BENCH_DB=pglite`, embedded PGlite): server time
 * from request to the last byte of HTML, and the first page of the paged list through REST. The
 * page renders the first screenful of the list (issue 14 item 5: under 20 ms server time).
 * Timings only, never pass/fail.
 *
 *   npx -y deno@2.9.6 bench -A --unstable-bundle bench/messagerie_page_bench.ts
 */
import { createPGliteDatabase } from "../db/pglite_adapter.ts";
import { createPostgresDatabase } from "../db/postgres_adapter.ts";
import { migrate } from "../db/migrate.ts";
import type { Database } from "../db/types.ts";
import { startPostgresCluster } from "../tests/support/postgres_cluster.ts";
import { makeEstablishment, makeManyConversations } from "../db/factories.ts";
import { loginCookie, makeLoginUser, startTestServer } from "../tests/support/server.ts";

const CONVERSATIONS = 1000;
async function openDatabase(): Promise<Database> {
  if (Deno.env.get("BENCH_DB") !== "pglite") {
    try {
      const cluster = await startPostgresCluster();
      globalThis.addEventListener("unload", () => void cluster.stop());
      return createPostgresDatabase(cluster.url);
    } catch (error) {
      console.log(`no PostgreSQL (${error}); on PGlite`);
    }
  }
  return await createPGliteDatabase("memory://");
}

const db = await openDatabase();
await migrate(db);
const server = await startTestServer(db);
const school = await makeEstablishment(db);
const teacher = await makeLoginUser(db, { establishmentId: school.id, role: "teacher" });
const parent = await makeLoginUser(db, { establishmentId: school.id, role: "parent" });
await makeManyConversations(db, {
  establishmentId: school.id,
  userId: teacher.id,
  otherId: parent.id,
  count: CONVERSATIONS,
});
const cookie = await loginCookie(server.url, teacher.email);
const headers = { cookie };

const first = await fetch(`${server.url}/fr/admin/messagerie`, { headers });
const html = await first.text();
console.log(
  `staff messagerie page with ${CONVERSATIONS} conversations on ${db.kind}: ${html.length} characters of HTML`,
);

Deno.bench(
  `messagerie page - staff page of a teacher with ${CONVERSATIONS} conversations`,
  { group: "list", baseline: true },
  async () => {
    const res = await fetch(`${server.url}/fr/admin/messagerie`, { headers });
    await res.text();
  },
);

Deno.bench(
  `messagerie page - GET /api/conversations first page (of ${CONVERSATIONS})`,
  { group: "list" },
  async () => {
    const res = await fetch(`${server.url}/api/conversations?establishmentIds=${school.id}`, { headers });
    await res.text();
  },
);
