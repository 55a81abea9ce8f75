import { assertEquals } from "../tests/support/assert.ts";
import { isSameOriginOrAllowed, isUnsafeMethod } from "./origin.ts";

const policy = { allowedOrigins: ["https://app.example"] };
const req = (headers: Record<string, string>) => new Request("http://localhost:8000/api/x", { headers });

Deno.test("origin - own origin, listed origins and header-less clients are accepted", () => {
  assertEquals(isSameOriginOrAllowed(req({ origin: "http://localhost:8000" }), policy), true);
  assertEquals(isSameOriginOrAllowed(req({ origin: "https://app.example" }), policy), true);
  assertEquals(isSameOriginOrAllowed(req({}), policy), true);
  assertEquals(isSameOriginOrAllowed(req({ "sec-fetch-site": "same-origin" }), policy), true);
});

Deno.test("origin - foreign, opaque and cross-site requests are refused", () => {
  assertEquals(isSameOriginOrAllowed(req({ origin: "https://evil.example" }), policy), false);
  assertEquals(isSameOriginOrAllowed(req({ origin: "null" }), policy), false);
  assertEquals(isSameOriginOrAllowed(req({ origin: "http://localhost:8001" }), policy), false);
  assertEquals(isSameOriginOrAllowed(req({ "sec-fetch-site": "cross-site" }), policy), false);
  assertEquals(isSameOriginOrAllowed(req({ "sec-fetch-site": "same-site" }), policy), false);
});

Deno.test("origin - behind a proxy the public URL is the own origin", () => {
  const proxied = { allowedOrigins: [], publicUrl: "https://preau.example" };
  assertEquals(isSameOriginOrAllowed(req({ origin: "https://preau.example" }), proxied), true);
  assertEquals(isSameOriginOrAllowed(req({ origin: "http://localhost:8000" }), proxied), false);
});

Deno.test("origin - only state-changing methods are unsafe", () => {
  assertEquals(["GET", "HEAD", "OPTIONS"].map(isUnsafeMethod), [false, false, false]);
  assertEquals(["POST", "PUT", "PATCH", "DELETE", "post"].map(isUnsafeMethod), [
    true,
    true,
    true,
    true,
    true,
  ]);
});
