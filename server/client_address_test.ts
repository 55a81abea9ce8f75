import { assertEquals, assertThrows } from "../tests/support/assert.ts";
import {
  inRanges,
  parseAddressRange,
  parseAddressRanges,
  parseIp,
  resolveClientAddress,
} from "./client_address.ts";

const ranges = (list: string) => parseAddressRanges(list);
const within = (address: string, list: string) => inRanges(parseIp(address)!, ranges(list));

Deno.test("client address - IPv4 CIDR ranges match by prefix, bare addresses exactly", () => {
  assertEquals(within("10.1.2.3", "10.0.0.0/8"), true);
  assertEquals(within("11.0.0.1", "10.0.0.0/8"), false);
  assertEquals(within("192.168.1.130", "192.168.1.128/25"), true);
  assertEquals(within("192.168.1.127", "192.168.1.128/25"), false);
  assertEquals(within("203.0.113.7", "203.0.113.7"), true);
  assertEquals(within("203.0.113.8", "203.0.113.7"), false);
  assertEquals(within("8.8.8.8", "0.0.0.0/0"), true, "/0 is everything");
  assertEquals(within("10.0.0.1", "172.16.0.0/12, 10.0.0.1"), true, "any entry of the list");
});

Deno.test("client address - IPv6 ranges, compressed forms and IPv4-mapped peers", () => {
  assertEquals(within("2001:db8:1::5", "2001:db8::/32"), true);
  assertEquals(within("2001:db9::5", "2001:db8::/32"), false);
  assertEquals(within("0:0:0:0:0:0:0:1", "::1"), true, "one address, however it is written");
  assertEquals(within("::ffff:10.0.0.9", "10.0.0.0/24"), true, "a mapped IPv4 peer is IPv4");
  assertEquals(within("10.0.0.9", "::ffff:10.0.0.0/120"), true, "a mapped range is an IPv4 range");
  assertEquals(within("10.0.0.1", "::/0"), false, "an IPv4 address is not in an IPv6 range");
  assertEquals(within("::1", "0.0.0.0/0"), false, "nor an IPv6 address in an IPv4 range");
});

Deno.test("client address - bad ranges are refused with what to write instead", () => {
  for (
    const bad of ["10.0.0.0/33", "10.0.0.0/", "10.0.0.0/8x", "2001:db8::/129", "127.1", "0x7f.0.0.1", "proxy"]
  ) {
    const error = assertThrows(() => parseAddressRange(bad), RangeError);
    assertEquals(error.message.includes(`"${bad}"`), true, error.message);
  }
  assertEquals(ranges(" , "), [], "blanks between commas are ignored");
  assertEquals(ranges("10.0.0.0/8 , ::1").map((r) => r.prefixLength), [8, 128]);
});

Deno.test("client address - without trusted proxies the peer is the client, X-Forwarded-For ignored", () => {
  assertEquals(resolveClientAddress("203.0.113.7", "198.51.100.1", []), "203.0.113.7");
  assertEquals(resolveClientAddress("::ffff:127.0.0.2", null, []), "127.0.0.2");
  assertEquals(resolveClientAddress("2001:DB8:0:0::1", null, []), "2001:db8::1", "canonical IPv6");
  assertEquals(resolveClientAddress(undefined, "198.51.100.1", []), "unknown");
});

Deno.test("client address - a spoofed X-Forwarded-For from an untrusted peer is ignored", () => {
  const trusted = ranges("10.0.0.0/8");
  // Sent straight to the app, past the load balancer: the header is the client's own invention.
  assertEquals(resolveClientAddress("198.51.100.9", "10.0.0.5, 192.0.2.1", trusted), "198.51.100.9");
});

Deno.test("client address - behind trusted proxies, the right-most untrusted address wins", () => {
  const trusted = ranges("10.0.0.0/8, fd00::/8");
  assertEquals(resolveClientAddress("10.0.0.2", "192.0.2.44", trusted), "192.0.2.44");
  // The client forged the first entry; the proxy appended the address it really saw.
  assertEquals(resolveClientAddress("10.0.0.2", "6.6.6.6, 192.0.2.44", trusted), "192.0.2.44");
  // Two proxies in a row (CDN → load balancer → app): both trusted hops are skipped.
  assertEquals(resolveClientAddress("10.0.0.2", "6.6.6.6, 192.0.2.44, 10.9.9.9", trusted), "192.0.2.44");
  assertEquals(resolveClientAddress("fd00::2", "2001:db8::77, fd00::9", trusted), "2001:db8::77");
  assertEquals(
    resolveClientAddress("10.0.0.2", "[2001:db8::77]:51234, 192.0.2.44:443", trusted),
    "192.0.2.44",
    "ports some proxies add are dropped",
  );
  assertEquals(resolveClientAddress("10.0.0.2", null, trusted), "10.0.0.2", "no header: the proxy itself");
  assertEquals(resolveClientAddress("10.0.0.2", "10.0.0.7, 10.0.0.8", trusted), "10.0.0.7", "all trusted");
  assertEquals(
    resolveClientAddress("10.0.0.2", "192.0.2.44, garbage, 10.0.0.8", trusted),
    "10.0.0.8",
    "a malformed entry stops the walk at the last trusted hop",
  );
});
