/**
 * Finds the text fields of a valibot schema that skip a required check (for Préau: `storableText`,
 * so that no NUL or lone surrogate reaches PostgreSQL). Used by `domain/schemas_test.ts` over every
 * client schema, so a new `v.string()` field without the check fails a test instead of a request.
 */

/** The parts of a valibot schema or action that the walk reads. */
interface Node {
  kind?: string;
  type?: string;
  pipe?: readonly Node[];
  entries?: Record<string, Node>;
  rest?: Node;
  wrapped?: Node;
  item?: Node;
  items?: readonly Node[];
  options?: readonly Node[];
  key?: Node;
  value?: Node;
}

/** Schemas that let any value (so any string) through. */
const UNCHECKED = new Set(["string", "unknown", "any"]);

/**
 * Dot paths (`participantIds[]`, `(root)` for the schema itself) of every place in `schema` where a
 * string, `unknown` or `any` is accepted without `check` in its pipe (or an enclosing one).
 */
export function uncheckedTextPaths(schema: unknown, check: unknown): string[] {
  const found: string[] = [];
  const walk = (node: Node, path: string, checked: boolean): void => {
    if (node.pipe !== undefined) {
      // A piped schema is its root (pipe[0], itself possibly piped) followed by actions.
      const [root] = node.pipe;
      if (root !== undefined && root !== node) walk(root, path, checked || node.pipe.includes(check as Node));
      return;
    }
    const at = (key: string) => (path === "" ? key : `${path}.${key}`);
    if (UNCHECKED.has(node.type ?? "") && !checked) found.push(path === "" ? "(root)" : path);
    for (const [key, entry] of Object.entries(node.entries ?? {})) walk(entry, at(key), false);
    if (node.rest !== undefined) walk(node.rest, at("*"), false);
    if (node.wrapped !== undefined) walk(node.wrapped, path, checked);
    if (node.item !== undefined) walk(node.item, `${path}[]`, false);
    for (const [i, item] of (node.items ?? []).entries()) walk(item, `${path}[${i}]`, false);
    for (const option of node.options ?? []) walk(option, path, false);
    if (node.key !== undefined) walk(node.key, at("(key)"), false);
    if (node.value !== undefined) walk(node.value, at("*"), false);
  };
  walk(schema as Node, "", false);
  return found;
}
