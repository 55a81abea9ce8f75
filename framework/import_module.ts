import { pathToFileURL } from "node:url";

/** Imports a module by absolute path; a failure names the file (`label`) and says to fix it. */
export async function importModule(absPath: string, label: string): Promise<Record<string, unknown>> {
  try {
    return await import(pathToFileURL(absPath).href);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new Error(`${label}: could not be loaded; fix this error: ${message}`, { cause: error });
  }
}
