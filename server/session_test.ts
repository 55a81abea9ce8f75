import { Hono } from "hono";
import { assertEquals } from "../tests/support/assert.ts";
import type { AuthService } from "../domain/auth.ts";
import { AppError, unauthorized } from "../domain/errors.ts";
import { authenticate } from "./session.ts";

/** An app whose only route reports what `authenticate` made of the cookie, over `auth`. */
function appOver(auth: Pick<AuthService, "authenticate">) {
  const app = new Hono();
  app.get("/", async (c) => {
    try {
      const session = await authenticate(c, {
        auth: auth as AuthService,
        originPolicy: { allowedOrigins: [] },
      });
      return c.text(session === undefined ? "none" : session.sessionId);
    } catch (error) {
      return c.text(error instanceof AppError ? error.code : "outage", 401);
    }
  });
  return (cookie?: string) => app.request("/", { headers: cookie ? { cookie } : {} });
}

const user = { id: "u1", name: "Ana", email: "ana@example.test", locale: "fr" as const };

Deno.test("session - no cookie is no session, and nothing is set", async () => {
  const res = await appOver({ authenticate: () => Promise.reject(new Error("not called")) })();
  assertEquals([await res.text(), res.headers.get("set-cookie")], ["none", null]);
});

Deno.test("session - a renewed token is set as the new cookie", async () => {
  const expiresAt = new Date(Date.now() + 3600_000);
  const res = await appOver({
    authenticate: () =>
      Promise.resolve({ user, sessionId: "s1", expiresAt, renewed: { token: "fresh", expiresAt } }),
  })("preau_session=old");
  assertEquals(await res.text(), "s1");
  assertEquals(res.headers.get("set-cookie")?.startsWith("preau_session=fresh;"), true);
});

Deno.test("session - an ended session removes the cookie; a database outage keeps it", async () => {
  const ended = await appOver({ authenticate: () => Promise.reject(unauthorized()) })("preau_session=t");
  assertEquals(await ended.text(), "unauthorized");
  assertEquals(ended.headers.get("set-cookie")?.includes("Max-Age=0"), true);

  const outage = await appOver({ authenticate: () => Promise.reject(new Error("connection refused")) })(
    "preau_session=t",
  );
  assertEquals([await outage.text(), outage.headers.get("set-cookie")], ["outage", null]);
});
