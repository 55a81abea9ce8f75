import { Hono } from "hono";
import { assertEquals } from "../tests/support/assert.ts";
import { CONTENT_SECURITY_POLICY, securityHeaders } from "./security_headers.ts";

Deno.test("security headers - every response gets a strict CSP and no-sniff", async () => {
  const app = new Hono();
  app.use("*", securityHeaders());
  app.get("/", (c) => c.html("<p>hi</p>"));
  app.get("/redirect", () => Response.redirect("http://localhost/elsewhere", 302));
  app.get("/own", () => new Response("x", { headers: { "content-security-policy": "default-src 'none'" } }));
  const res = await app.request("/");
  assertEquals(res.headers.get("content-security-policy"), CONTENT_SECURITY_POLICY);
  assertEquals(res.headers.get("x-content-type-options"), "nosniff");
  assertEquals(res.headers.get("x-frame-options"), "DENY");
  assertEquals(res.headers.get("referrer-policy"), "same-origin");
  assertEquals(res.headers.get("cross-origin-opener-policy"), "same-origin");
  assertEquals(res.headers.get("permissions-policy"), "camera=(), microphone=(), geolocation=()");
  assertEquals(res.headers.get("strict-transport-security"), null, "no HSTS on plain http");
  const redirect = await app.request("/redirect");
  assertEquals(redirect.status, 302);
  assertEquals(redirect.headers.get("location"), "http://localhost/elsewhere");
  assertEquals(redirect.headers.get("x-frame-options"), "DENY", "immutable redirect headers are handled");
  const own = await app.request("/own");
  assertEquals(own.headers.get("content-security-policy"), "default-src 'none'", "a route's own policy wins");
});

Deno.test("security headers - the policy is the strict one, word for word", () => {
  assertEquals(
    CONTENT_SECURITY_POLICY,
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
      "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; " +
      "frame-ancestors 'none'",
  );
});

Deno.test("security headers - HSTS when served over https", async () => {
  const app = new Hono();
  app.use("*", securityHeaders({ hsts: true }));
  app.get("/", (c) => c.text("ok"));
  const res = await app.request("/");
  assertEquals(res.headers.get("strict-transport-security"), "max-age=31536000; includeSubDomains");
});
