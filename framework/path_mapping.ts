/**
 * Maps route file paths (relative to the routes folder, `/`-separated) to URL segments and hono
 * patterns, and orders routes the way Fresh does: at the first position where two routes differ,
 * a static segment wins over `[param]`, which wins over `[...rest]`.
 */

/** One URL segment of a route. */
export type Segment =
  | { kind: "static"; value: string }
  | { kind: "param"; name: string }
  | { kind: "rest"; name: string };

const PARAM_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const ROUTE_EXTENSIONS = [".tsx", ".ts", ".jsx", ".js"];

/** Thrown for file names the conventions cannot map; the message names the file (`label`). */
export class RoutePathError extends Error {
  constructor(label: string, reason: string) {
    super(`${label}: ${reason}`);
    this.name = "RoutePathError";
  }
}

/** The extension of a route/island source file, or undefined for files that are not modules. */
export function moduleExtension(fileName: string): string | undefined {
  return ROUTE_EXTENSIONS.find((ext) => fileName.endsWith(ext) && fileName.length > ext.length);
}

/** Whether a file is a test (`*_test.ts`, `*.test.tsx`, …) that scanning must skip. */
export function isTestFile(fileName: string): boolean {
  const ext = moduleExtension(fileName);
  if (ext === undefined) return false;
  const stem = fileName.slice(0, -ext.length);
  return stem.endsWith("_test") || stem.endsWith(".test");
}

/** Whether a folder name is a `(group)`: it holds files without adding a URL segment. */
export function isGroupDir(name: string): boolean {
  return name.length > 2 && name.startsWith("(") && name.endsWith(")");
}

/** Parses one folder or file-stem name into a segment; groups return undefined. `label` names the file. */
export function parseSegment(name: string, label: string): Segment | undefined {
  if (isGroupDir(name)) return undefined;
  const rest = /^\[\.\.\.(.+)\]$/.exec(name);
  if (rest) {
    if (!PARAM_NAME.test(rest[1]!)) {
      throw new RoutePathError(label, `"${rest[1]}" is not a valid parameter name`);
    }
    return { kind: "rest", name: rest[1]! };
  }
  const param = /^\[(.+)\]$/.exec(name);
  if (param) {
    if (!PARAM_NAME.test(param[1]!)) {
      throw new RoutePathError(
        label,
        `"${param[1]}" is not a valid parameter name (use letters, digits, _)`,
      );
    }
    return { kind: "param", name: param[1]! };
  }
  if (/[[\]():*?{}]/.test(name)) {
    throw new RoutePathError(
      label,
      `segment "${name}" mixes text and brackets; a segment is either static, [param] or [...rest]`,
    );
  }
  return { kind: "static", value: name };
}

/**
 * Segments of a route file path such as `blog/(public)/[id].tsx`; `index` adds none. `label`
 * names the file in errors (default: `relPath`).
 */
export function routeSegments(relPath: string, label = relPath): Segment[] {
  const parts = relPath.split("/");
  const file = parts.pop()!;
  const ext = moduleExtension(file);
  if (ext === undefined) throw new RoutePathError(label, "is not a .ts/.tsx/.js/.jsx module");
  const stem = file.slice(0, -ext.length);
  const segments: Segment[] = [];
  for (const dir of parts) {
    const segment = parseSegment(dir, label);
    if (segment?.kind === "rest") {
      throw new RoutePathError(
        label,
        `folder "${dir}" cannot be a catch-all; use a [...${segment.name}] file`,
      );
    }
    if (segment) segments.push(segment);
  }
  if (stem !== "index") {
    const segment = parseSegment(stem, label);
    if (segment === undefined) throw new RoutePathError(label, "a (group) name cannot be a route file");
    segments.push(segment);
  }
  return segments;
}

/**
 * Segments of a `config.routeOverride` pattern: static parts, `:name` parameters and a final
 * `:name*` catch-all, e.g. `/books/:id` or `/files/:path*`.
 */
export function overrideSegments(pattern: string, label: string): Segment[] {
  if (!pattern.startsWith("/")) {
    throw new RoutePathError(label, `config.routeOverride "${pattern}" must start with "/"`);
  }
  const parts = pattern.split("/").filter((p) => p !== "");
  return parts.map((part, i): Segment => {
    const match = /^:(.+?)(\*?)$/.exec(part);
    if (match === null) {
      if (/[[\]():*?{}]/.test(part)) {
        throw new RoutePathError(
          label,
          `config.routeOverride segment "${part}" is neither static, :param nor a final :rest*`,
        );
      }
      return { kind: "static", value: part };
    }
    const [, name, star] = match as unknown as [string, string, string];
    if (!PARAM_NAME.test(name)) {
      throw new RoutePathError(label, `config.routeOverride: "${name}" is not a valid parameter name`);
    }
    if (star && i !== parts.length - 1) {
      throw new RoutePathError(
        label,
        `config.routeOverride: only the last segment may be a catch-all (:${name}*)`,
      );
    }
    return star ? { kind: "rest", name } : { kind: "param", name };
  });
}

/**
 * Hono patterns for the segments. A trailing catch-all also matches its parent path, so
 * `docs/[...slug].tsx` answers both `/docs` (slug "") and `/docs/a/b` (slug "a/b").
 */
export function honoPatterns(segments: Segment[]): string[] {
  const toPath = (list: Segment[]) =>
    "/" +
    list.map((s) => s.kind === "static" ? s.value : s.kind === "param" ? `:${s.name}` : `:${s.name}{.+}`)
      .join("/");
  const last = segments[segments.length - 1];
  if (last?.kind === "rest") return [toPath(segments.slice(0, -1)), toPath(segments)];
  return [toPath(segments)];
}

/** The route's path in Fresh notation (`/blog/:id`, `/docs/:slug*`), for messages and listings. */
export function describeSegments(segments: Segment[]): string {
  return "/" +
    segments.map((s) => s.kind === "static" ? s.value : s.kind === "param" ? `:${s.name}` : `:${s.name}*`)
      .join("/");
}

const RANK = { static: 0, param: 1, rest: 2 } as const;

/** Sort order for routes: static before `[param]` before `[...rest]`, then shorter first. */
export function compareSegments(a: Segment[], b: Segment[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const sa = a[i];
    const sb = b[i];
    // A route that ends here is more specific than one that continues (index before [param]).
    const ra = sa === undefined ? -1 : RANK[sa.kind];
    const rb = sb === undefined ? -1 : RANK[sb.kind];
    if (ra !== rb) return ra - rb;
    if (sa?.kind === "static" && sb?.kind === "static" && sa.value !== sb.value) {
      return sa.value < sb.value ? -1 : 1;
    }
  }
  return 0;
}

/** Key that two routes share exactly when they answer the same URLs (`[a]` and `[b]` collide). */
export function collisionKey(segments: Segment[]): string {
  return describeSegments(segments.map((s) => s.kind === "static" ? s : { ...s, name: "" }));
}
