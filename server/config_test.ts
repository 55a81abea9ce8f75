import { assertEquals, assertThrows } from "../tests/support/assert.ts";
import { ConfigError, loadConfig } from "./config.ts";

Deno.test("config - defaults apply when nothing is set", () => {
  const config = loadConfig({});
  assertEquals(config.port, 8000);
  assertEquals(config.databaseUrl, undefined);
  assertEquals(config.dataDir, "./data");
  assertEquals(config.secret, undefined);
  assertEquals(config.allowedOrigins, []);
});

Deno.test("config - an invalid PORT names the variable", () => {
  for (const port of ["abc", "70000", "80.5", "-1", "8o"]) {
    const err = assertThrows(() => loadConfig({ PORT: port }), ConfigError);
    assertEquals(err.variable, "PORT");
  }
});

Deno.test("config - DATABASE_URL must be a postgres URL", () => {
  const err = assertThrows(
    () => loadConfig({ DATABASE_URL: "mysql://x@localhost/db", PREAU_SECRET: "x".repeat(40) }),
    ConfigError,
  );
  assertEquals(err.variable, "DATABASE_URL");
  assertThrows(() => loadConfig({ DATABASE_URL: "not a url", PREAU_SECRET: "x".repeat(40) }), ConfigError);
});

Deno.test("config - PREAU_SECRET is required with DATABASE_URL and must be long enough", () => {
  const missing = assertThrows(() => loadConfig({ DATABASE_URL: "postgres://u@localhost/db" }), ConfigError);
  assertEquals(missing.variable, "PREAU_SECRET");
  const short = assertThrows(
    () => loadConfig({ DATABASE_URL: "postgres://u@localhost/db", PREAU_SECRET: "short" }),
    ConfigError,
  );
  assertEquals(short.variable, "PREAU_SECRET");
  const ok = loadConfig({ DATABASE_URL: "postgresql://u@localhost/db", PREAU_SECRET: "s".repeat(32) });
  assertEquals(ok.databaseUrl, "postgresql://u@localhost/db");
});

Deno.test("config - allowed origins are normalised and validated", () => {
  const config = loadConfig({ PREAU_ALLOWED_ORIGINS: " https://a.example , http://b.example:8080/ ," });
  assertEquals(config.allowedOrigins, ["https://a.example", "http://b.example:8080"]);
  const err = assertThrows(
    () => loadConfig({ PREAU_ALLOWED_ORIGINS: "https://a.example/path" }),
    ConfigError,
  );
  assertEquals(err.variable, "PREAU_ALLOWED_ORIGINS");
  assertThrows(() => loadConfig({ PREAU_ALLOWED_ORIGINS: "ftp://x" }), ConfigError);
});

Deno.test("config - mail: SMTP URL, sender and delay are validated, with documented defaults", () => {
  const defaults = loadConfig({});
  assertEquals(defaults.smtpUrl, undefined);
  assertEquals(defaults.mailFrom, { name: "Préau", address: "preau@localhost" });
  assertEquals(defaults.notifyDelayMs, 600_000);
  const set = loadConfig({
    PREAU_SMTP_URL: "smtps://user:p%40ss@mail.example:465",
    PREAU_MAIL_FROM: "École <no-reply@school.test>",
    PREAU_NOTIFY_DELAY_MINUTES: "0.5",
  });
  assertEquals(set.smtpUrl, "smtps://user:p%40ss@mail.example:465");
  assertEquals(set.mailFrom, { name: "École", address: "no-reply@school.test" });
  assertEquals(set.notifyDelayMs, 30_000);
  for (
    const [name, value] of [
      ["PREAU_SMTP_URL", "http://mail.example"],
      ["PREAU_SMTP_URL", "smtp://:secret@mail.example"],
      ["PREAU_SMTP_URL", "smtp://mail.example/path"],
      ["PREAU_MAIL_FROM", "not an address"],
      ["PREAU_MAIL_FROM", "a@b.test\r\nBcc: c@d.test"],
      ["PREAU_NOTIFY_DELAY_MINUTES", "-1"],
      ["PREAU_NOTIFY_DELAY_MINUTES", "ten"],
    ] as const
  ) {
    const err = assertThrows(() => loadConfig({ [name]: value }), ConfigError);
    assertEquals(err.variable, name, value);
  }
});

Deno.test("config - PREAU_TRUSTED_PROXIES is empty by default and takes addresses and CIDR ranges", () => {
  assertEquals(loadConfig({}).trustedProxies, []);
  const { trustedProxies } = loadConfig({ PREAU_TRUSTED_PROXIES: "10.0.0.0/8, 192.168.1.7 ,2001:db8::/32" });
  assertEquals(trustedProxies.map((r) => [r.text, r.prefixLength]), [
    ["10.0.0.0/8", 8],
    ["192.168.1.7", 32],
    ["2001:db8::/32", 32],
  ]);
  const err = assertThrows(
    () => loadConfig({ PREAU_TRUSTED_PROXIES: "10.0.0.0/8,load-balancer" }),
    ConfigError,
  );
  assertEquals(err.variable, "PREAU_TRUSTED_PROXIES");
  assertEquals(err.message.includes(`"load-balancer"`), true, err.message);
});

Deno.test("config - PREAU_DEMO is on by default, 0 turns the demo seed off, anything else is refused", () => {
  assertEquals(loadConfig({}).demo, true);
  assertEquals(loadConfig({ PREAU_DEMO: "0" }).demo, false);
  assertEquals(loadConfig({ PREAU_DEMO: "false" }).demo, false);
  assertEquals(loadConfig({ PREAU_DEMO: "1" }).demo, true);
  assertThrows(() => loadConfig({ PREAU_DEMO: "maybe" }), ConfigError);
});
