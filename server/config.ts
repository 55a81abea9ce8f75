/**
 * Configuration from environment variables. Every variable has a documented default; an invalid
 * value stops the start with a {@linkcode ConfigError} that names the variable and says why.
 *
 * | variable | default | meaning |
 * |---|---|---|
 * | `PORT` | `8000` | TCP port to listen on (0–65535; 0 picks a free port, printed at start) |
 * | `HOSTNAME` | `0.0.0.0` | interface to listen on |
 * | `DATABASE_URL` | unset | `postgres://…` of a PostgreSQL server; unset = embedded PGlite |
 * | `PREAU_DATA_DIR` | `./data` | PGlite data directory and generated secret (embedded default only) |
 * | `PREAU_SECRET` | generated into the data dir | HMAC key for session tokens, ≥ 32 characters; required with `DATABASE_URL` |
 * | `PREAU_ALLOWED_ORIGINS` | empty | extra origins (comma-separated `scheme://host[:port]`) allowed for unsafe requests and WebSockets |
 * | `PREAU_PUBLIC_URL` | unset | the app's own public origin when behind a proxy (e.g. `https://preau.example`) |
 * | `PREAU_TRUSTED_PROXIES` | empty | reverse proxies / load balancers (comma-separated IPv4 or IPv6 addresses or CIDR ranges) whose `X-Forwarded-For` gives the client's address |
 * | `PREAU_SMTP_URL` | unset | `smtp://user:pass@host:587` or `smtps://…:465`; unset = `.eml` files in `<data dir>/outbox` |
 * | `PREAU_MAIL_FROM` | `Préau <preau@localhost>` | sender of every mail (`Name <address>` or `address`) |
 * | `PREAU_NOTIFY_DELAY_MINUTES` | `10` | minutes a message stays unread before its recipient gets a digest (fractions allowed) |
 */
import { type AddressRange, parseAddressRanges } from "./client_address.ts";
import { parseMailbox } from "../domain/mail/content.ts";

/** A configuration value that cannot be used; `variable` names the culprit. */
export class ConfigError extends Error {
  constructor(readonly variable: string, reason: string) {
    super(`${variable}: ${reason}`);
    this.name = "ConfigError";
  }
}

/** The validated configuration. */
export interface Config {
  port: number;
  hostname: string;
  /** Set when a real PostgreSQL server is used. */
  databaseUrl: string | undefined;
  /** PGlite data directory (embedded default). */
  dataDir: string;
  /** Session-token key; `undefined` means "generate or read it from the data directory". */
  secret: string | undefined;
  /** Origins allowed besides the request's own. */
  allowedOrigins: string[];
  /** The public origin, when the app runs behind a proxy. */
  publicUrl: string | undefined;
  /** Peers whose `X-Forwarded-For` is believed (see `server/client_address.ts`); empty: none. */
  trustedProxies: AddressRange[];
  /** SMTP server URL; `undefined` = write mails to the outbox directory. */
  smtpUrl: string | undefined;
  /** Sender of every mail. */
  mailFrom: { name: string; address: string };
  /** How long a message stays unread before a digest, in ms. */
  notifyDelayMs: number;
  /**
   * `PREAU_DEMO`: seed the demo establishments on the embedded default. Default true; `PREAU_DEMO=0`
   * starts it empty, like a real PostgreSQL (which never gets demo data), with a first-run setup link.
   */
  demo: boolean;
}

/** Reads and validates configuration from `env` (defaults to `Deno.env`). */
export function loadConfig(env: Record<string, string | undefined> = Deno.env.toObject()): Config {
  const port = parsePort(env.PORT);
  const hostname = env.HOSTNAME?.trim() || "0.0.0.0";
  const databaseUrl = parseDatabaseUrl(env.DATABASE_URL);
  const dataDir = env.PREAU_DATA_DIR?.trim() || "./data";
  const secret = parseSecret(env.PREAU_SECRET, databaseUrl !== undefined);
  const allowedOrigins = (env.PREAU_ALLOWED_ORIGINS ?? "").split(",").map((s) => s.trim())
    .filter((s) => s !== "").map((s) => parseOrigin("PREAU_ALLOWED_ORIGINS", s));
  const publicUrl = env.PREAU_PUBLIC_URL?.trim()
    ? parseOrigin("PREAU_PUBLIC_URL", env.PREAU_PUBLIC_URL.trim())
    : undefined;
  const trustedProxies = parseTrustedProxies(env.PREAU_TRUSTED_PROXIES);
  const smtpUrl = parseSmtpUrl(env.PREAU_SMTP_URL);
  const mailFrom = parseMailFrom(env.PREAU_MAIL_FROM);
  const notifyDelayMs = parseDelayMinutes(env.PREAU_NOTIFY_DELAY_MINUTES);
  const demo = parseDemo(env.PREAU_DEMO);
  return {
    port,
    hostname,
    databaseUrl,
    dataDir,
    secret,
    allowedOrigins,
    publicUrl,
    trustedProxies,
    smtpUrl,
    mailFrom,
    notifyDelayMs,
    demo,
  };
}

function parseDemo(raw: string | undefined): boolean {
  const value = raw?.trim().toLowerCase() ?? "";
  if (value === "" || value === "1" || value === "true") return true;
  if (value === "0" || value === "false") return false;
  throw new ConfigError(
    "PREAU_DEMO",
    `"${raw}" is not understood; expected 1 (demo data) or 0 (start empty)`,
  );
}

function parseSmtpUrl(raw: string | undefined): string | undefined {
  if (raw === undefined || raw.trim() === "") return undefined;
  const hint = "expected smtp://user:password@host:587 or smtps://user:password@host:465";
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw new ConfigError("PREAU_SMTP_URL", `is not a URL; ${hint}`);
  }
  if (url.protocol !== "smtp:" && url.protocol !== "smtps:") {
    throw new ConfigError("PREAU_SMTP_URL", `scheme "${url.protocol}" is not supported; ${hint}`);
  }
  if (url.hostname === "") throw new ConfigError("PREAU_SMTP_URL", `names no host; ${hint}`);
  if (url.password !== "" && url.username === "") {
    throw new ConfigError("PREAU_SMTP_URL", `has a password but no user; ${hint}`);
  }
  if ((url.pathname !== "" && url.pathname !== "/") || url.search !== "") {
    throw new ConfigError("PREAU_SMTP_URL", `must not have a path or query; ${hint}`);
  }
  return raw.trim();
}

function parseMailFrom(raw: string | undefined): { name: string; address: string } {
  if (raw === undefined || raw.trim() === "") return { name: "Préau", address: "preau@localhost" };
  const mailbox = parseMailbox(raw);
  if (!mailbox) {
    throw new ConfigError(
      "PREAU_MAIL_FROM",
      `"${raw}" is not a mail address; expected "Préau <no-reply@school.example>" or no-reply@school.example`,
    );
  }
  return mailbox;
}

function parseDelayMinutes(raw: string | undefined): number {
  if (raw === undefined || raw.trim() === "") return 10 * 60_000;
  const minutes = Number(raw.trim());
  if (!/^\d+(\.\d+)?$/.test(raw.trim()) || !Number.isFinite(minutes) || minutes > 7 * 24 * 60) {
    throw new ConfigError(
      "PREAU_NOTIFY_DELAY_MINUTES",
      `"${raw}" is not a number of minutes; use e.g. 10 (fractions like 0.5 allowed, at most 10080)`,
    );
  }
  return Math.round(minutes * 60_000);
}

function parseTrustedProxies(raw: string | undefined): AddressRange[] {
  try {
    return parseAddressRanges(raw ?? "");
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    throw new ConfigError(
      "PREAU_TRUSTED_PROXIES",
      `${error.message}; list the addresses of your reverse proxies or load balancers, comma-separated`,
    );
  }
}

function parsePort(raw: string | undefined): number {
  if (raw === undefined || raw.trim() === "") return 8000;
  const port = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || port > 65535) {
    throw new ConfigError("PORT", `"${raw}" is not a port number; use an integer from 0 to 65535`);
  }
  return port;
}

function parseDatabaseUrl(raw: string | undefined): string | undefined {
  if (raw === undefined || raw.trim() === "") return undefined;
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw new ConfigError("DATABASE_URL", "is not a URL; expected postgres://user:password@host:5432/dbname");
  }
  if (url.protocol !== "postgres:" && url.protocol !== "postgresql:") {
    throw new ConfigError(
      "DATABASE_URL",
      `scheme "${url.protocol}" is not supported; expected postgres:// or postgresql://`,
    );
  }
  return raw.trim();
}

function parseSecret(raw: string | undefined, required: boolean): string | undefined {
  if (raw === undefined || raw === "") {
    if (required) {
      throw new ConfigError(
        "PREAU_SECRET",
        "is required when DATABASE_URL is set; generate one with `openssl rand -base64 48`",
      );
    }
    return undefined;
  }
  if ([...raw].length < 32) {
    throw new ConfigError("PREAU_SECRET", "is too short; use at least 32 random characters");
  }
  return raw;
}

function parseOrigin(variable: string, raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(variable, `"${raw}" is not an origin like https://school.example`);
  }
  if (
    (url.protocol !== "http:" && url.protocol !== "https:") || url.pathname !== "/" && url.pathname !== ""
  ) {
    throw new ConfigError(variable, `"${raw}" is not an origin like https://school.example`);
  }
  return url.origin;
}
