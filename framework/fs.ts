/** File-system helpers of the framework. */

/** The entries of `dir`, or none when it does not exist (every folder the framework reads is optional). */
export async function entriesOf(dir: string): Promise<Deno.DirEntry[]> {
  try {
    return await Array.fromAsync(Deno.readDir(dir));
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return [];
    throw error;
  }
}
