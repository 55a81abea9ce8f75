/**
 * First run on an empty database: the setup link through `POST /api/setup` (both databases) and through
 * the `/setup` page in real Chromium (PostgreSQL, like the other browser tests); afterwards every setup
 * answers `410 gone` and the token no longer works.
 */
import { assert, assertEquals, assertMatch } from "./support/assert.ts";
import { type DatabaseKind, dbKindTest, freshDatabase } from "./support/databases.ts";
import {
  BROWSER_TIMEOUT,
  collectPageErrors,
  ignoreWithoutBrowser,
  launchBrowser,
} from "./support/browser.ts";
import { api, loginCookie, withServer } from "./support/server.ts";
import { migrate } from "../db/migrate.ts";
import { issueSetupToken } from "../domain/setup.ts";
import { listAudit } from "../db/audit.ts";
import type { Database } from "../db/types.ts";

const errorOf = (body: unknown) => (body as { error?: { code?: string; message?: string } }).error;

async function emptyDatabase(kind: DatabaseKind): Promise<Database> {
  const db = await freshDatabase(kind);
  await migrate(db);
  return db;
}

const PASSWORD = "une phrase de passe longue";

dbKindTest(
  "setup - POST /api/setup creates the school and its admin once; later calls answer 410 and the token is refused",
  async (kind) => {
    const db = await emptyDatabase(kind);
    try {
      const token = await issueSetupToken(db);
      assert(token !== null, "an empty database gets a setup token");
      await withServer(db, async (server) => {
        const body = {
          token,
          establishmentName: "École Jules-Ferry",
          adminName: "Claire Dubois",
          adminEmail: "direction@jules-ferry.example",
          password: PASSWORD,
        };
        const post = (b: unknown) => api(server.url, undefined, "/api/setup", { method: "POST", body: b });

        for (
          const [field, value] of [
            ["password", "short-pass1"],
            ["adminEmail", "not-an-address"],
            ["establishmentName", "   "],
            ["adminName", "Claire\u0000"],
          ] as const
        ) {
          const refused = await post({ ...body, [field]: value });
          assertEquals(refused.status, 400, field);
          assertMatch(errorOf(refused.body)?.message ?? "", new RegExp(`^${field}: `));
        }
        const missing = await post({ ...body, token: undefined });
        assertEquals([missing.status, errorOf(missing.body)?.message], [400, "token: required"]);
        const wrongToken = await post({ ...body, token: "A".repeat(43) });
        assertEquals([wrongToken.status, errorOf(wrongToken.body)?.code], [403, "forbidden"]);

        const created = await post(body);
        assertEquals(created.status, 201);
        const { establishment, admin } = created.body as {
          establishment: { id: string; name: string; slug: string };
          admin: { id: string; email: string };
        };
        assertEquals([establishment.name, establishment.slug], ["École Jules-Ferry", "ecole-jules-ferry"]);

        const cookie = await loginCookie(server.url, "direction@jules-ferry.example", PASSWORD);
        const me = await api(server.url, cookie, "/api/me");
        assertEquals((me.body as { memberships: unknown }).memberships, [
          { establishmentId: establishment.id, establishmentName: "École Jules-Ferry", role: "admin" },
        ]);
        assertEquals((me.body as { user: { id: string } }).user.id, admin.id);
        const audit = await listAudit(db, { establishmentId: establishment.id });
        assertEquals(audit.map((e) => [e.action, e.actorId, e.targetLabel]), [
          ["establishment.setup", admin.id, "École Jules-Ferry"],
        ]);

        const again = await post({ ...body, adminEmail: "other@jules-ferry.example" });
        assertEquals([again.status, errorOf(again.body)?.code], [410, "gone"]);
        const garbage = await post({});
        assertEquals(garbage.status, 410, "once set up, even a malformed body answers 410");
        const page = await fetch(`${server.url}/en/setup?token=${token}`);
        assertEquals(page.status, 410);
        assertMatch(await page.text(), /already set up/);
        assertEquals(await issueSetupToken(db), null, "a set-up database gets no new token");
      });
    } finally {
      await db.close();
    }
  },
);

dbKindTest("setup - two setups racing with two valid links create one establishment", async (kind) => {
  const db = await emptyDatabase(kind);
  try {
    const tokens = [await issueSetupToken(db), await issueSetupToken(db)];
    await withServer(db, async (server) => {
      const answers = await Promise.all(tokens.map((token, i) =>
        api(server.url, undefined, "/api/setup", {
          method: "POST",
          body: {
            token,
            establishmentName: `École ${i}`,
            adminName: `Admin ${i}`,
            adminEmail: `admin${i}@race.example`,
            password: PASSWORD,
          },
        })
      ));
      assertEquals(answers.map((a) => a.status).sort(), [201, 410]);
      const rows = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM establishments`);
      assertEquals(rows[0]?.n, 1);
    });
  } finally {
    await db.close();
  }
});

dbKindTest(
  "setup - in Chromium the setup page creates the school, signs the admin in, then refuses the link",
  async (kind) => {
    const db = await emptyDatabase(kind);
    const browser = await launchBrowser();
    try {
      const token = await issueSetupToken(db);
      await withServer(db, async (server) => {
        const context = await browser.newContext({ locale: "en-GB" });
        context.setDefaultTimeout(BROWSER_TIMEOUT);
        try {
          const page = await context.newPage();
          const errors = collectPageErrors(page);
          await page.goto(`${server.url}/setup?token=${token}`);
          assertEquals(new URL(page.url()).pathname, "/en/setup");
          await page.getByLabel("School name").fill("Collège Victor-Hugo");
          await page.getByLabel("Your name").fill("Samia Benali");
          await page.getByLabel("Your email address").fill("s.benali@victor-hugo.example");
          await page.getByLabel("Password").fill("too short");
          // The browser's own minlength check would stop the form; the server's answer is what we test.
          await page.locator("form").evaluate((form) => form.setAttribute("novalidate", ""));
          await page.click("button[type=submit]");
          await page.getByRole("alert").getByText("at least 12 characters").waitFor();
          assertEquals(await page.getByLabel("School name").inputValue(), "Collège Victor-Hugo");
          await page.getByLabel("Password").fill(PASSWORD);
          await Promise.all([page.waitForURL(/\/en\/admin/), page.click("button[type=submit]")]);
          const me = await page.evaluate(async () => (await fetch("/api/me")).json());
          assertEquals(me.memberships[0].establishmentName, "Collège Victor-Hugo");
          assertEquals(me.memberships[0].role, "admin");

          await page.goto(`${server.url}/setup?token=${token}`);
          await page.locator('[data-setup-state="done"]').waitFor();
          // The 400 and the 410 above are the answers under test; nothing else may fail.
          assertEquals(errors.filter((e) => !/status of (400|410)/.test(e)), []);
        } finally {
          await context.close();
        }
      });
    } finally {
      await browser.close();
      await db.close();
    }
  },
  { kinds: ["postgres"], ignore: ignoreWithoutBrowser() },
);
