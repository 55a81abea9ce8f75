/**
 * `deno task admin …` as the operator runs it (a real process on a real PostgreSQL): each command works,
 * prints what the operator needs, fails cleanly with a non-zero exit on bad input, and is audited.
 */
import { fileURLToPath } from "node:url";
import { assert, assertEquals, assertMatch, assertStringIncludes } from "./support/assert.ts";
import { newPostgresDatabaseUrl, sanitized, testPostgresUrl } from "./support/databases.ts";
import { api, loginCookie, withServer } from "./support/server.ts";
import { openDatabase } from "../db/open.ts";
import { migrate } from "../db/migrate.ts";
import { listAudit } from "../db/audit.ts";
import { findEstablishmentBySlug } from "../db/establishments.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));

Deno.test({
  name: "admin task - each command works, fails cleanly on bad input with a non-zero exit, and is audited",
  ignore: !testPostgresUrl() && !Deno.env.get("CI"),
  ...sanitized(),
  async fn() {
    const databaseUrl = await newPostgresDatabaseUrl();
    const db = await openDatabase({ databaseUrl, dataDir: "unused" });
    try {
      await migrate(db);
      await withServer(db, async (server) => {
        const admin = async (...args: string[]) => {
          const out = await new Deno.Command(Deno.execPath(), {
            args: ["run", "-A", "scripts/admin.ts", ...args],
            cwd: ROOT,
            env: { DATABASE_URL: databaseUrl, PREAU_SECRET: "s".repeat(40), PREAU_PUBLIC_URL: server.url },
          }).output();
          const decode = (b: Uint8Array) => new TextDecoder().decode(b);
          return { code: out.code, out: decode(out.stdout), err: decode(out.stderr) };
        };

        const overview = await admin("--help");
        assertEquals(overview.code, 0);
        for (
          const c of [
            "create-establishment",
            "add-admin",
            "reset-password",
            "deactivate",
            "list-establishments",
          ]
        ) {
          assertStringIncludes(overview.out, c);
        }
        assertEquals((await admin()).code, 2);
        const unknown = await admin("drop-everything");
        assertEquals(unknown.code, 2);
        assertStringIncludes(unknown.err, 'Unknown command "drop-everything"');
        const commandHelp = await admin("add-admin", "--help");
        assertEquals(commandHelp.code, 0);
        assertStringIncludes(commandHelp.out, "--establishment");
        const missing = await admin("create-establishment");
        assertEquals(missing.code, 2);
        assertStringIncludes(missing.err, "Missing --name");
        assertEquals((await admin("create-establishment", "--name", "X", "--colour", "red")).code, 2);

        const created = await admin("create-establishment", "--name", "École du Parc");
        assertEquals(created.code, 0, created.err);
        assertMatch(created.out, /slug ecole-du-parc/);
        const twice = await admin("create-establishment", "--name", "École du Parc");
        assertEquals(twice.code, 2);
        assertStringIncludes(twice.err, "is taken");
        assertMatch(
          (await admin("list-establishments")).out,
          /ecole-du-parc {2}École du Parc {2}\(0 members, 0 admins\)/,
        );

        const noSchool = await admin(
          "add-admin",
          "--establishment",
          "nowhere",
          "--email",
          "a@parc.test",
          "--name",
          "A",
        );
        assertEquals(noSchool.code, 1);
        assertStringIncludes(noSchool.err, "list-establishments");
        const added = await admin(
          "add-admin",
          "--establishment",
          "ecole-du-parc",
          "--email",
          "anne@parc.test",
          "--name",
          "Anne Parc",
        );
        assertEquals(added.code, 0, added.err);
        const link = /Password link \(works once, for one hour\): (\S+)/.exec(added.out)?.[1];
        assert(link?.startsWith(`${server.url}/fr/reset-password?token=`), added.out);
        const token = new URL(link!).searchParams.get("token");
        const set = await api(server.url, undefined, "/api/auth/password-reset/complete", {
          method: "POST",
          body: { token, password: "anne's own password" },
        });
        assertEquals(set.status, 204);
        const cookie = await loginCookie(server.url, "anne@parc.test", "anne's own password");
        const me = await api(server.url, cookie, "/api/me");
        assertEquals((me.body as { memberships: { role: string }[] }).memberships.map((m) => m.role), [
          "admin",
        ]);

        const reset = await admin("reset-password", "--email", "ANNE@parc.test");
        assertEquals(reset.code, 0);
        assertMatch(reset.out, /\/fr\/reset-password\?token=[A-Za-z0-9_-]{43}/);
        assertEquals((await admin("reset-password", "--email", "nobody@parc.test")).code, 1);

        assertEquals((await admin("deactivate", "--email", "anne@parc.test")).code, 0);
        const refused = await api(server.url, undefined, "/api/auth/login", {
          method: "POST",
          body: { email: "anne@parc.test", password: "anne's own password" },
        });
        assertEquals(refused.status, 403);
        assertEquals((await api(server.url, cookie, "/api/me")).status, 401, "her session ended");
        assertStringIncludes(
          (await admin("deactivate", "--email", "anne@parc.test")).out,
          "already deactivated",
        );
        assertEquals((await admin("deactivate", "--email", "anne@parc.test", "--reactivate")).code, 0);
        await loginCookie(server.url, "anne@parc.test", "anne's own password");

        const school = await findEstablishmentBySlug(db, "ecole-du-parc");
        const actions = (await listAudit(db, { establishmentId: school!.id })).map((
          e,
        ) => [e.action, e.actorLabel]);
        assertEquals(actions.reverse(), [
          ["establishment.create", "operator (deno task admin)"],
          ["person.add_admin", "operator (deno task admin)"],
          ["person.reset_link", "operator (deno task admin)"],
          ["person.deactivate", "operator (deno task admin)"],
          ["person.reactivate", "operator (deno task admin)"],
        ]);
      });
    } finally {
      await db.close();
    }
  },
});
