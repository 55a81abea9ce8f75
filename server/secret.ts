import { join } from "node:path";

/** How many random bytes a generated secret holds (48 bytes = 64 base64url characters). */
const GENERATED_BYTES = 48;

/**
 * Returns the session-token key: `PREAU_SECRET` when configured, otherwise the key kept in
 * `<dataDir>/secret`, generated on the embedded default's first start. Keeping it on disk means
 * sessions survive restarts without asking a newcomer to configure anything.
 */
export async function resolveSecret(opts: { secret: string | undefined; dataDir: string }): Promise<string> {
  if (opts.secret !== undefined) return opts.secret;
  const path = join(opts.dataDir, "secret");
  try {
    const existing = (await Deno.readTextFile(path)).trim();
    if (existing.length >= 32) return existing;
    throw new Error(
      `${path} holds a secret shorter than 32 characters; delete the file to generate a new one`,
    );
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
  }
  await Deno.mkdir(opts.dataDir, { recursive: true });
  const bytes = crypto.getRandomValues(new Uint8Array(GENERATED_BYTES));
  const secret = btoa(String.fromCharCode(...bytes)).replaceAll("+", "-").replaceAll("/", "_")
    .replaceAll("=", "");
  // createNew: two processes starting together must not overwrite each other's key.
  try {
    await Deno.writeTextFile(path, secret + "\n", { createNew: true, mode: 0o600 });
    return secret;
  } catch (err) {
    if (err instanceof Deno.errors.AlreadyExists) return (await Deno.readTextFile(path)).trim();
    throw err;
  }
}
