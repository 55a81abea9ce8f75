/**
 * Everything a Préau process needs before it can answer requests, shared by `deno task start`
 * (`server/start.ts`) and `deno serve` (`serve.ts`): the database, migrations, demo data on the
 * embedded default, the secret, and the app with its realtime core. Each resource registers its
 * closer on `shutdown` as soon as it exists, so a failure halfway closes what was opened.
 */
import { openDatabase } from "../db/open.ts";
import { migrate } from "../db/migrate.ts";
import { DEMO_PASSWORD, seedDemo } from "../db/seed.ts";
import { hashPassword } from "../domain/passwords.ts";
import { deploymentOptions } from "../realtime/options.ts";
import { type Config, ConfigError } from "./config.ts";
import { createApp, type PreauApp } from "./app.ts";
import { resolveSecret } from "./secret.ts";
import { createMailService } from "../domain/mail/mail_service.ts";
import { outboxTransport, smtpTransport } from "../domain/mail/transport.ts";
import type { Shutdown } from "./shutdown.ts";
import { issueSetupToken } from "../domain/setup.ts";

/** Options of {@linkcode composePreau}. */
export interface ComposeOptions {
  /** Lines for people (migrations applied, demo seeded). Default `console.log`. */
  log?: (line: string) => void;
  /** Build islands unminified in memory. Default `false`. */
  dev?: boolean;
  /** Other isolates of this process serve too (`deno serve --parallel`). Default `false`. */
  parallel?: boolean;
}

/** A composed Préau, with its first-run setup token when the database holds no establishment yet. */
export interface ComposedPreau extends PreauApp {
  /** For `Setup: open <url>/setup?token=…`; null once an establishment exists. */
  setupToken: string | null;
}

/**
 * Opens, migrates (and on the embedded default, unless `PREAU_DEMO=0`, seeds) the database, issues a
 * setup token if nothing is set up yet, then builds the app.
 */
export async function composePreau(
  config: Config,
  shutdown: Shutdown,
  opts: ComposeOptions = {},
): Promise<ComposedPreau> {
  const log = opts.log ?? console.log;
  const db = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  shutdown.add("database", () => db.close());
  const { applied } = await migrate(db);
  if (applied.length > 0) log(`database: applied ${applied.join(", ")}`);
  if (config.databaseUrl === undefined && config.demo) {
    const seeded = await seedDemo(db, { passwordHash: () => hashPassword(DEMO_PASSWORD) });
    if (seeded.created) log("database: seeded the demo establishments");
  }
  const setupToken = await issueSetupToken(db);
  const secret = await resolveSecret({ secret: config.secret, dataDir: config.dataDir });
  const mail = createMailService({
    db,
    transport: config.smtpUrl ? smtpTransport(config.smtpUrl) : outboxTransport(`${config.dataDir}/outbox`),
    from: config.mailFrom,
    baseUrl: config.publicUrl ?? `http://localhost:${config.port || 8000}`,
    secret,
    delayMs: config.notifyDelayMs,
  });
  shutdown.add("mail", () => mail.close());
  log(
    config.smtpUrl
      ? `mail: sent through ${mail.transport.description}`
      : `mail: no PREAU_SMTP_URL, so every mail is written to ${config.dataDir}/outbox (admins: /fr/admin/outbox)`,
  );
  const preau = await createApp({
    db,
    config,
    secret,
    mail,
    dev: opts.dev,
    isStopping: () => shutdown.stopping,
    realtime: deploymentOptions(config.databaseUrl, { parallel: opts.parallel }),
  });
  shutdown.add("app", () => preau.close());
  mail.start(shutdown.signal);
  return { ...preau, setupToken };
}

/** The one line printed when a start fails: configuration problems are named as such. */
export function startFailureMessage(err: unknown): string {
  const reason = err instanceof ConfigError
    ? `configuration error: ${err.message}`
    : String(err instanceof Error ? err.message : err);
  return `Préau could not start. ${reason}`;
}
