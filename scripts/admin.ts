/**
 * `deno task admin <command> [options]`: the operator's commands on the configured database
 * (`DATABASE_URL`, else the embedded PGlite in `PREAU_DATA_DIR` — stop Préau first, PGlite has one
 * user at a time). Each command uses the domain functions of the web pages (`domain/operator.ts`) and is
 * recorded in the audit log. Bad arguments print what to type and exit with 2; a refused action exits 1.
 */
import { parseArgs } from "node:util";
import { loadConfig } from "../server/config.ts";
import { openDatabase } from "../db/open.ts";
import { migrate } from "../db/migrate.ts";
import { AppError } from "../domain/errors.ts";
import { EventHub } from "../domain/events.ts";
import {
  addAdmin,
  createSchool,
  listEstablishments,
  operatorResetLink,
  operatorSetActive,
} from "../domain/operator.ts";
import type { Database } from "../db/types.ts";

interface Command {
  usage: string;
  summary: string;
  options: Record<string, { type: "string" | "boolean"; required?: boolean; help: string }>;
  run(db: Database, values: Record<string, string | boolean | undefined>, baseUrl: string): Promise<void>;
}

const COMMANDS: Record<string, Command> = {
  "list-establishments": {
    usage: "list-establishments",
    summary: "List every establishment with its id, slug and number of members and admins.",
    options: {},
    async run(db) {
      const rows = await listEstablishments(db);
      if (rows.length === 0) console.log("No establishment yet: create one with create-establishment.");
      for (const e of rows) {
        console.log(`${e.id}  ${e.slug}  ${e.name}  (${e.members} members, ${e.admins} admins)`);
      }
    },
  },
  "create-establishment": {
    usage: 'create-establishment --name "École Jules-Ferry" [--slug ecole-jules-ferry]',
    summary: "Create an establishment (then give it an admin with add-admin).",
    options: {
      name: { type: "string", required: true, help: "the establishment's name" },
      slug: {
        type: "string",
        help: "its short name in lower-case words joined by hyphens (default: from the name)",
      },
    },
    async run(db, values) {
      const e = await createSchool(db, {
        name: String(values.name),
        slug: values.slug as string | undefined,
      });
      console.log(`Created ${e.name}: id ${e.id}, slug ${e.slug}`);
    },
  },
  "add-admin": {
    usage: 'add-admin --establishment <slug or id> --email direction@school.example [--name "Claire Dubois"]',
    summary:
      "Make someone an admin of an establishment, creating their account (and a link to choose a password).",
    options: {
      establishment: { type: "string", required: true, help: "the establishment's slug or id" },
      email: { type: "string", required: true, help: "the person's email address" },
      name: { type: "string", help: "their name (required when they have no account yet)" },
    },
    async run(db, values, baseUrl) {
      const result = await addAdmin(db, baseUrl, {
        establishment: String(values.establishment),
        email: String(values.email),
        name: values.name as string | undefined,
      });
      console.log(
        `${result.user.name} <${result.user.email}> is now an admin${
          result.created ? " (new account)" : ""
        }.`,
      );
      if (result.link) console.log(`Password link (works once, for one hour): ${result.link}`);
    },
  },
  "reset-password": {
    usage: "reset-password --email someone@school.example",
    summary: "Print a one-time link (valid one hour) for the person to choose a new password.",
    options: { email: { type: "string", required: true, help: "the account's email address" } },
    async run(db, values, baseUrl) {
      console.log(await operatorResetLink(db, baseUrl, String(values.email)));
    },
  },
  deactivate: {
    usage: "deactivate --email someone@school.example [--reactivate]",
    summary: "Deactivate an account (sign-in refused, sessions ended; history kept), or reactivate it.",
    options: {
      email: { type: "string", required: true, help: "the account's email address" },
      reactivate: { type: "boolean", help: "reactivate instead" },
    },
    async run(db, values) {
      const active = values.reactivate === true;
      const { user, changed } = await operatorSetActive(db, new EventHub(), String(values.email), active);
      const state = active ? "active" : "deactivated";
      console.log(
        changed ? `${user.email} is now ${state}.` : `${user.email} was already ${state}; nothing changed.`,
      );
    },
  },
};

function overview(): string {
  return [
    "Usage: deno task admin <command> [options]   (--help after a command for its options)",
    "",
    ...Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(22)} ${c.summary}`),
  ].join("\n");
}

function help(command: Command): string {
  const lines = [`Usage: deno task admin ${command.usage}`, "", command.summary];
  for (const [option, spec] of Object.entries(command.options)) {
    lines.push(`  --${option.padEnd(16)} ${spec.help}${spec.required ? " (required)" : ""}`);
  }
  lines.push(`  --${"help".padEnd(16)} this help`);
  return lines.join("\n");
}

/** Runs `args`; returns the exit code (0 done, 1 refused, 2 bad arguments). */
export async function main(args: string[]): Promise<number> {
  const [name, ...rest] = args;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    console.log(overview());
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    console.error(`Unknown command "${name}".\n\n${overview()}`);
    return 2;
  }
  let values: Record<string, string | boolean | undefined>;
  try {
    const parsed = parseArgs({
      args: rest,
      options: {
        ...Object.fromEntries(Object.entries(command.options).map(([k, s]) => [k, { type: s.type }])),
        help: { type: "boolean", short: "h" },
      },
      strict: true,
      allowPositionals: false,
    });
    values = parsed.values as Record<string, string | boolean | undefined>;
  } catch (error) {
    console.error(`${error instanceof Error ? error.message : String(error)}\n\n${help(command)}`);
    return 2;
  }
  if (values.help) {
    console.log(help(command));
    return 0;
  }
  const missing = Object.entries(command.options).filter(([k, s]) => s.required && !values[k]).map(([k]) =>
    `--${k}`
  );
  if (missing.length > 0) {
    console.error(`Missing ${missing.join(", ")}.\n\n${help(command)}`);
    return 2;
  }
  const config = loadConfig();
  const db = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  try {
    await migrate(db);
    await command.run(db, values, config.publicUrl ?? `http://localhost:${config.port || 8000}`);
    return 0;
  } catch (error) {
    if (error instanceof AppError) {
      console.error(`${name}: ${error.message}`);
      return error.code === "bad_request" ? 2 : 1;
    }
    throw error;
  } finally {
    await db.close();
  }
}

if (import.meta.main) {
  try {
    Deno.exit(await main(Deno.args));
  } catch (error) {
    console.error(`admin failed: ${error instanceof Error ? error.message : String(error)}`);
    Deno.exit(1);
  }
}
