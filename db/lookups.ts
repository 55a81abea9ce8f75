/**
 * The input of a statement that answers many lookups at once (concurrent requests gathered by
 * `util/statement_batcher.ts`): the rows `i` of `columns`, numbered by an `ord integer` column so
 * that answers can be matched back. Many rows come as one array parameter per column, through
 * `unnest`, whose row count the planner reads from the arrays (it guesses 100 rows for a function
 * such as `jsonb_to_recordset`, and then scans whole tables for a batch of five); a single row (an
 * idle server, most requests) as plain parameters.
 */

/** One lookup's values, in the order of the columns given to {@linkcode lookupSource}. */
export type LookupRow = Record<string, unknown> & { ord: number };

/** `columns` (`"ord integer, viewer uuid"`) as [name, type] pairs. */
function parseColumns(columns: string): [string, string][] {
  return columns.split(",").map((column) => {
    const [name, type] = column.trim().split(/\s+/);
    return [name!, type!];
  });
}

/**
 * The FROM item naming the rows `i`. `columns` is SQL such as `"ord integer, viewer uuid"`, with `ord`
 * first and the keys of each row in the same order.
 */
export function lookupSource(rows: readonly LookupRow[], columns: string): string {
  const parsed = parseColumns(columns);
  if (rows.length === 1) {
    return `(SELECT ${parsed.map(([name, type], n) => `$${n + 1}::${type} AS ${name}`).join(", ")}) AS i`;
  }
  const arrays = parsed.map(([, type], n) => `$${n + 1}::${type}[]`).join(", ");
  return `unnest(${arrays}) AS i(${parsed.map(([name]) => name).join(", ")})`;
}

/** The parameters that go with {@linkcode lookupSource} for the same rows: one per column. */
export function lookupParams(rows: readonly LookupRow[]): unknown[] {
  if (rows.length === 1) return Object.values(rows[0]!);
  const columns = Object.keys(rows[0] ?? {});
  return columns.map((column) => rows.map((row) => row[column]));
}

/**
 * Runs `statement` for the lookups in `wanted` (no statement when none is) and spreads its rows
 * back by `ord`: one entry for each of the `count` lookups, in order, undefined where no row came
 * back (a lookup left out of `wanted`, such as a malformed id, has no row either).
 */
export async function rowsByOrd<R extends { ord: number }>(
  count: number,
  wanted: readonly LookupRow[],
  statement: (wanted: readonly LookupRow[]) => Promise<R[]>,
): Promise<(R | undefined)[]> {
  const found = new Map<number, R>();
  if (wanted.length > 0) { for (const row of await statement(wanted)) found.set(row.ord, row); }
  return Array.from({ length: count }, (_, ord) => found.get(ord));
}
