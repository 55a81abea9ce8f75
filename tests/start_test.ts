/**
 * The real entry point, as `deno task start` runs it: embedded default on a fresh and a reused data
 * directory, a real PostgreSQL through DATABASE_URL, configuration errors, and SIGTERM.
 */
import { fileURLToPath } from "node:url";
import { assert, assertEquals, assertMatch, assertStringIncludes } from "./support/assert.ts";
import { newPostgresDatabaseUrl, sanitized, testPostgresUrl } from "./support/databases.ts";
import { openDatabase } from "../db/open.ts";
import { makeEstablishment, makeSchoolClassWith, makeUser } from "../db/factories.ts";
import { hashPassword } from "../domain/passwords.ts";
import { startTestSmtp } from "./support/smtp.ts";
import { appendMessage } from "../db/messages.ts";
import { api, loginCookie } from "./support/server.ts";
import { TimeoutError, withTimeout } from "../util/timeout.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const STARTUP_TIMEOUT_MS = 90_000;

interface Started {
  url: string;
  output: () => string;
  /** Resolves with the first match of `pattern` in the output (now or once printed). */
  waitFor(pattern: RegExp): Promise<RegExpExecArray>;
  stop(signal?: Deno.Signal): Promise<Deno.CommandStatus>;
}

/** Runs main.ts with `env` and resolves once it prints its URL (or rejects with its output). */
async function startMain(env: Record<string, string>): Promise<Started> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--unstable-bundle", "main.ts"],
    cwd: ROOT,
    env: { PORT: "0", HOSTNAME: "127.0.0.1", DATABASE_URL: "", PREAU_SECRET: "", ...env },
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let text = "";
  const found = Promise.withResolvers<string>();
  const waiters = new Set<() => void>();
  const pump = async (stream: ReadableStream<Uint8Array>) => {
    const decoder = new TextDecoder();
    for await (const chunk of stream) {
      text += decoder.decode(chunk, { stream: true });
      const match = /running at (http:\/\/\S+)/.exec(text);
      if (match) found.resolve(match[1]!);
      for (const waiter of waiters) waiter();
    }
  };
  const pumps = Promise.all([pump(child.stdout), pump(child.stderr)]);
  const status = child.status.then((s) => {
    found.reject(new Error(`main.ts exited with ${s.code} before listening:\n${text}`));
    return s;
  });
  try {
    const url = await withTimeout(found.promise, STARTUP_TIMEOUT_MS, { what: "its URL" }).catch((error) => {
      throw error instanceof TimeoutError ? new Error(`${error.message}:\n${text}`) : error;
    });
    return {
      url,
      output: () => text,
      waitFor(pattern) {
        const seen = Promise.withResolvers<RegExpExecArray>();
        const check = () => {
          const match = pattern.exec(text);
          if (match) {
            waiters.delete(check);
            seen.resolve(match);
          }
        };
        waiters.add(check);
        check();
        return withTimeout(seen.promise, STARTUP_TIMEOUT_MS, { what: `${pattern} in the output` }).finally(
          () => waiters.delete(check),
        );
      },
      async stop(signal = "SIGTERM") {
        try {
          child.kill(signal);
        } catch { /* already gone */ }
        const s = await status;
        await pumps;
        return s;
      },
    };
  } catch (err) {
    try {
      child.kill("SIGKILL");
    } catch { /* already gone */ }
    await status;
    await pumps;
    throw err;
  }
}

/**
 * Readiness, a styled page, and — after signing in as `email` — a page with islands that loads the
 * hashed boot script.
 */
async function checkServes(url: string, email: string, password: string): Promise<void> {
  const ready = await fetch(`${url}/readyz`);
  assertEquals([ready.status, await ready.json()], [200, { status: "ready" }]);
  const login = await fetch(`${url}/fr/login`);
  assertEquals(login.status, 200);
  assertStringIncludes(await login.text(), "<style data-twind>");
  const signIn = await fetch(`${url}/api/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email, password }),
  });
  assertEquals(signIn.status, 200, `signing in as ${email}`);
  await signIn.body?.cancel();
  const cookie = signIn.headers.getSetCookie().find((c) => c.startsWith("preau_session="))!.split(";")[0]!;
  const page = await fetch(`${url}/fr/parents/messagerie`, { headers: { cookie }, redirect: "manual" });
  const html = await page.text();
  assertEquals(page.status, 200);
  assertStringIncludes(html, "<style data-twind>");
  const boot = /<script type="module"[^>]*src="(\/_islands\/js\/boot-[0-9a-f]+\.js)"/.exec(html);
  assert(boot, "a page with islands loads the hashed boot script");
  const script = await fetch(`${url}${boot[1]}`);
  assertEquals(script.status, 200);
  assertMatch(script.headers.get("cache-control") ?? "", /immutable/);
  await script.body?.cancel();
}

Deno.test({
  name: "start - the embedded default serves a styled page, seeds the demo, and reuses its data directory",
  ...sanitized(),
  async fn() {
    const dataDir = await Deno.makeTempDir({ prefix: "preau-start-" });
    try {
      const first = await startMain({ PREAU_DATA_DIR: dataDir });
      try {
        await checkServes(first.url, "parent.dupont@example.test", "preau-demo");
        assertStringIncludes(first.output(), "seeded the demo");
        assertStringIncludes(first.output(), `written to ${dataDir}/outbox`);
        assertStringIncludes(first.output(), "parent.dupont@example.test");
      } finally {
        assertEquals((await first.stop("SIGTERM")).code, 0, "SIGTERM ends the process cleanly");
      }
      const secret = await Deno.readTextFile(`${dataDir}/secret`);
      const second = await startMain({ PREAU_DATA_DIR: dataDir });
      try {
        await checkServes(second.url, "parent.dupont@example.test", "preau-demo");
        assert(!second.output().includes("seeded"), "a second start does not seed again");
        assert(!second.output().includes("applied"), "a second start applies no migration");
        assertEquals(await Deno.readTextFile(`${dataDir}/secret`), secret, "the secret is kept");
      } finally {
        await second.stop();
      }
    } finally {
      await Deno.remove(dataDir, { recursive: true });
    }
  },
});

Deno.test({
  name: "start - with DATABASE_URL it migrates a real PostgreSQL and serves the same page, without demo data",
  ignore: !testPostgresUrl() && !Deno.env.get("CI"),
  ...sanitized(),
  async fn() {
    const databaseUrl = await newPostgresDatabaseUrl();
    const started = await startMain({ DATABASE_URL: databaseUrl, PREAU_SECRET: "s".repeat(40) });
    try {
      // No demo data on a production database: make one parent to sign in with.
      const db = await openDatabase({ databaseUrl, dataDir: "unused" });
      try {
        const school = await makeEstablishment(db);
        await makeUser(db, {
          establishmentId: school.id,
          role: "parent",
          email: "parent@start.test",
          passwordHash: await hashPassword("start-password"),
        });
      } finally {
        await db.close();
      }
      const [setupLine] = await started.waitFor(/Setup: open \S+\/setup\?token=\S+/);
      assertStringIncludes(setupLine, `Setup: open ${started.url}/setup?token=`);
      await checkServes(started.url, "parent@start.test", "start-password");
      assertStringIncludes(started.output(), "applied 0001_schema.sql");
      assert(!started.output().includes("seeded"), "a production database gets no demo data");
    } finally {
      assertEquals((await started.stop("SIGINT")).code, 0);
    }
  },
});

Deno.test({
  name: "start - PREAU_DEMO=0 starts the embedded default empty and prints a setup link that works once",
  ...sanitized(),
  async fn() {
    const dataDir = await Deno.makeTempDir({ prefix: "preau-start-empty-" });
    try {
      const started = await startMain({ PREAU_DATA_DIR: dataDir, PREAU_DEMO: "0" });
      try {
        const [, link] = await started.waitFor(/Setup: open (\S+)/);
        const url = new URL(link!);
        assertEquals(url.origin + url.pathname, `${started.url}/setup`);
        assert(!started.output().includes("seeded"), "PREAU_DEMO=0 seeds nothing");
        assert(!started.output().includes("Demo logins"), "no demo logins are offered");
        const body = {
          token: url.searchParams.get("token"),
          establishmentName: "École du Centre",
          adminName: "Nadia Roux",
          adminEmail: "n.roux@centre.example",
          password: "a long enough password",
        };
        const first = await api(started.url, undefined, "/api/setup", { method: "POST", body });
        assertEquals(first.status, 201);
        const second = await api(started.url, undefined, "/api/setup", { method: "POST", body });
        assertEquals(second.status, 410);
        await loginCookie(started.url, "n.roux@centre.example", "a long enough password");
      } finally {
        assertEquals((await started.stop()).code, 0);
      }
      const again = await startMain({ PREAU_DATA_DIR: dataDir, PREAU_DEMO: "0" });
      assertEquals((await again.stop()).code, 0);
      // Read once the process has ended, so a line printed late would be in it.
      assert(!again.output().includes("Setup:"), "a set-up database prints no setup link");
    } finally {
      await Deno.remove(dataDir, { recursive: true });
    }
  },
});

Deno.test({
  name: "start - invalid configuration and an unreachable database stop the start with a clear message",
  ...sanitized(),
  async fn() {
    const run = async (env: Record<string, string>) => {
      const out = await new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", "--unstable-bundle", "main.ts"],
        cwd: ROOT,
        env: { DATABASE_URL: "", PREAU_SECRET: "", ...env },
      }).output();
      return { code: out.code, text: new TextDecoder().decode(out.stderr) };
    };
    const badPort = await run({ PORT: "eighty" });
    assertEquals(badPort.code, 1);
    assertStringIncludes(badPort.text, "PORT");
    const noSecret = await run({ DATABASE_URL: "postgres://u@127.0.0.1:1/db" });
    assertEquals(noSecret.code, 1);
    assertStringIncludes(noSecret.text, "PREAU_SECRET");
    const unreachable = await run({
      DATABASE_URL: "postgres://u@127.0.0.1:1/db",
      PREAU_SECRET: "s".repeat(40),
    });
    assertEquals(unreachable.code, 1);
    assertStringIncludes(unreachable.text, "127.0.0.1:1");
  },
});

Deno.test("start - an invalid PREAU_SMTP_URL stops the start with a message naming the variable", async () => {
  for (const value of ["http://mail.example", "smtp://", "not a url"]) {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "--unstable-bundle", "main.ts"],
      cwd: ROOT,
      env: { DATABASE_URL: "", PREAU_SECRET: "", PREAU_SMTP_URL: value },
    }).output();
    const text = new TextDecoder().decode(out.stderr);
    assertEquals(out.code, 1, value);
    assertStringIncludes(text, "configuration error: PREAU_SMTP_URL");
    assertStringIncludes(text, "smtp://user:password@host");
  }
});

Deno.test({
  name:
    "start - the mail worker runs with the app: a message left unread reaches the SMTP server, then SIGTERM closes it",
  ignore: !testPostgresUrl() && !Deno.env.get("CI"),
  ...sanitized(),
  async fn() {
    const smtp = await startTestSmtp();
    const databaseUrl = await newPostgresDatabaseUrl();
    const started = await startMain({
      DATABASE_URL: databaseUrl,
      PREAU_SECRET: "s".repeat(40),
      PREAU_SMTP_URL: smtp.url,
      PREAU_MAIL_FROM: "École <ecole@start.test>",
      PREAU_NOTIFY_DELAY_MINUTES: "0.02",
    });
    try {
      assertMatch(started.output(), /mail: sent through SMTP 127\.0\.0\.1:\d+/);
      const db = await openDatabase({ databaseUrl, dataDir: "unused" });
      let parentEmail = "";
      try {
        const school = await makeEstablishment(db);
        const hash = await hashPassword("start-password");
        const teacher = await makeUser(db, {
          establishmentId: school.id,
          role: "teacher",
          passwordHash: hash,
        });
        const parent = await makeUser(db, { establishmentId: school.id, role: "parent" });
        await makeSchoolClassWith(db, {
          establishmentId: school.id,
          teacherIds: [teacher.id],
          parentIds: [parent.id],
        });
        parentEmail = parent.email;
        const cookie = await loginCookie(started.url, teacher.email, "start-password");
        const conversation = await api(started.url, cookie, "/api/conversations", {
          method: "POST",
          headers: { origin: started.url },
          body: { establishmentId: school.id, participantIds: [parent.id] },
        });
        const id = (conversation.body as { conversation: { id: string } }).conversation.id;
        // Messages are sent over the socket; storing one directly is the same row for the worker.
        await appendMessage(db, {
          conversationId: id,
          senderId: teacher.id,
          clientId: "start-mail-1",
          body: "Bonjour depuis le vrai serveur",
        });
      } finally {
        await db.close();
      }
      await smtp.waitFor(1, 30_000);
      const [mail] = smtp.received;
      assertEquals(mail?.to && !Array.isArray(mail.to) ? mail.to.value[0]?.address : undefined, parentEmail);
      assertStringIncludes(mail?.text ?? "", "Bonjour depuis le vrai serveur");
      assertEquals(mail?.from?.value[0]?.address, "ecole@start.test");
    } finally {
      assertEquals((await started.stop("SIGTERM")).code, 0);
      assertStringIncludes(started.output(), "shutdown: closed mail");
      await smtp.close();
    }
  },
});
