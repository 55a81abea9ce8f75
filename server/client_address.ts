/**
 * Who is on the other end of a request: the address of the TCP peer, or — only when that peer is a
 * reverse proxy or load balancer listed in `PREAU_TRUSTED_PROXIES` — the address the proxies recorded
 * in `X-Forwarded-For`. Login throttling and the sessions table use it, so a client must never be
 * able to choose it: from an untrusted peer the header is ignored, and through trusted proxies the
 * right-most address that is not itself a trusted proxy wins (each proxy appends the address it
 * received from, so everything left of that is whatever the client sent). This is what nginx's
 * `real_ip_recursive on` and Express's `trust proxy` do.
 *
 * Addresses are canonical text (`ipaddr.js`): IPv4-mapped IPv6 (`::ffff:10.0.0.1`) becomes IPv4, and
 * IPv6 is written in its RFC 5952 form, so one client always yields one rate-limit key.
 */
import ipaddr from "ipaddr.js";

type Ip = ipaddr.IPv4 | ipaddr.IPv6;

/** An address range: a network address and its prefix length (a single address has 32 or 128). */
export interface AddressRange {
  /** The range as configured, for messages. */
  readonly text: string;
  readonly network: Ip;
  readonly prefixLength: number;
}

/** What callers get when the peer address is not known (e.g. `app.request()` in tests). */
export const UNKNOWN_ADDRESS = "unknown";

/**
 * Parses an IP address strictly: four-part decimal IPv4 (not `127.1` nor `0x7f.0.0.1`, which
 * `ipaddr.js` would also accept), or IPv6 with an optional zone; IPv4-mapped IPv6 becomes IPv4.
 * `undefined` when `text` is not an address.
 */
export function parseIp(text: string): Ip | undefined {
  if (ipaddr.IPv4.isValidFourPartDecimal(text)) return ipaddr.IPv4.parse(text);
  if (!ipaddr.IPv6.isValid(text)) return undefined;
  const v6 = ipaddr.IPv6.parse(text);
  return v6.isIPv4MappedAddress() ? v6.toIPv4Address() : v6;
}

/** The canonical text of `ip` (see the module documentation). */
function canonical(ip: Ip): string {
  return ip.kind() === "ipv6" ? (ip as ipaddr.IPv6).toRFC5952String() : ip.toString();
}

/**
 * Parses one range: `10.0.0.0/8`, `192.168.1.7`, `2001:db8::/32`, `::1`. Throws a `RangeError`
 * saying what is wrong and what is expected.
 */
export function parseAddressRange(text: string): AddressRange {
  const slash = text.indexOf("/");
  const addressText = slash === -1 ? text : text.slice(0, slash);
  const network = parseIp(addressText);
  if (network === undefined) {
    throw new RangeError(
      `"${text}" is not an IP address or CIDR range; write e.g. 10.0.0.0/8, 192.168.1.7 or 2001:db8::/32`,
    );
  }
  // A range written in IPv4-mapped form (`::ffff:10.0.0.0/104`) is an IPv4 range of 32 bits fewer.
  const max = network.kind() === "ipv4" ? 32 : 128;
  const mappedOffset = network.kind() === "ipv4" && addressText.includes(":") ? 96 : 0;
  if (slash === -1) return { text, network, prefixLength: max };
  const lengthText = text.slice(slash + 1);
  const written = Number(lengthText);
  const prefixLength = written - mappedOffset;
  if (!/^\d{1,3}$/.test(lengthText) || prefixLength < 0 || prefixLength > max) {
    throw new RangeError(
      `"${text}": the prefix length must be a whole number from ${mappedOffset} to ${max + mappedOffset}`,
    );
  }
  return { text, network, prefixLength };
}

/**
 * Parses a comma-separated list of ranges (`PREAU_TRUSTED_PROXIES`); blanks between commas are
 * ignored, so an empty string is the empty list. Throws a `RangeError` naming the bad entry.
 */
export function parseAddressRanges(list: string): AddressRange[] {
  return list.split(",").map((s) => s.trim()).filter((s) => s !== "").map(parseAddressRange);
}

/** Whether `ip` lies in one of `ranges` (an IPv4 address never matches an IPv6 range and vice versa). */
export function inRanges(ip: Ip, ranges: readonly AddressRange[]): boolean {
  return ranges.some((range) =>
    range.network.kind() === ip.kind() && ip.match(range.network, range.prefixLength)
  );
}

/**
 * One `X-Forwarded-For` entry as an address. Proxies write plain addresses, but some add a port
 * (`203.0.113.7:51234`, `[2001:db8::1]:443`) or quote the entry; both are accepted.
 */
function parseForwardedEntry(entry: string): Ip | undefined {
  let text = entry.trim().replace(/^"(.*)"$/, "$1");
  const bracketed = text.match(/^\[([^\]]+)\](?::\d+)?$/);
  if (bracketed) text = bracketed[1]!;
  else if (/^[\d.]+:\d+$/.test(text)) text = text.slice(0, text.lastIndexOf(":"));
  return parseIp(text);
}

/**
 * The client's address for a request whose TCP peer is `peer` (`undefined` when unknown) and whose
 * `X-Forwarded-For` header is `forwardedFor` (`null` when absent), given the `trusted` proxies.
 *
 * - peer unknown: {@linkcode UNKNOWN_ADDRESS};
 * - peer not trusted (always so with the default, empty list): the peer, header ignored;
 * - peer trusted: walking the header from the right, the first address that is not trusted; if
 *   every address is trusted, the left-most; if the walk meets an entry that is not an address (a
 *   misconfigured proxy), the last good address before it — never a value the client could forge.
 */
export function resolveClientAddress(
  peer: string | undefined,
  forwardedFor: string | null,
  trusted: readonly AddressRange[],
): string {
  if (peer === undefined || peer === "") return UNKNOWN_ADDRESS;
  const peerIp = parseIp(peer);
  // Deno always reports an address; anything else (a Unix socket path) is used as it is.
  if (peerIp === undefined) return peer;
  let client = peerIp;
  if (forwardedFor === null || !inRanges(peerIp, trusted)) return canonical(client);
  const hops = forwardedFor.split(",");
  for (let i = hops.length - 1; i >= 0; i--) {
    if (hops[i]!.trim() === "") continue;
    const hop = parseForwardedEntry(hops[i]!);
    if (hop === undefined) break;
    client = hop;
    if (!inRanges(hop, trusted)) break;
  }
  return canonical(client);
}
