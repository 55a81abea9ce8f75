/**
 * Reading a class list as school administration software exports it: the bytes are UTF-8 (with or
 * without BOM) when they decode as such, else Windows-1252; the separator is `;` or `,`, whichever the
 * header line holds more of; headers are recognised in French or English whatever their accents, case
 * and punctuation ("Nom élève", "NOM ELEVE", "Last name"…). Parsing is csv-parse's (RFC 4180 quoting).
 * Pure: no database.
 */
import { parse } from "csv-parse/sync";
import { badRequest, tooLarge } from "./errors.ts";

/** Largest file accepted, in bytes. */
export const MAX_IMPORT_BYTES = 2 * 1024 * 1024;
/** Most data rows accepted in one file. */
export const MAX_IMPORT_ROWS = 5000;

/** The columns a class list may have. */
export type ImportColumn =
  | "ref"
  | "lastName"
  | "firstName"
  | "fullName"
  | "className"
  | "guardian1Name"
  | "guardian1FirstName"
  | "guardian1Email"
  | "guardian2Name"
  | "guardian2FirstName"
  | "guardian2Email";

/** Folds a header for matching: no accents, lower case, words separated by one space. */
export function foldHeader(header: string): string {
  return header.normalize("NFD").replace(/\p{M}/gu, "").toLowerCase().replace(/[^a-z0-9]+/g, " ").trim();
}

function guardianHeaders(n: 1 | 2): Record<string, ImportColumn> {
  const name = `guardian${n}Name` as const;
  const first = `guardian${n}FirstName` as const;
  const email = `guardian${n}Email` as const;
  const table: [string[], ImportColumn][] = [
    [[
      `responsable ${n} nom`,
      `nom responsable ${n}`,
      `responsable ${n}`,
      `resp ${n} nom`,
      `representant legal ${n}`,
      `representant legal ${n} nom`,
      `parent ${n} nom`,
      `nom parent ${n}`,
      `guardian ${n} name`,
      `guardian ${n}`,
      `guardian ${n} last name`,
      `parent ${n} name`,
      `parent ${n}`,
    ], name],
    [[
      `responsable ${n} prenom`,
      `prenom responsable ${n}`,
      `parent ${n} prenom`,
      `guardian ${n} first name`,
      `parent ${n} first name`,
    ], first],
    [[
      `responsable ${n} courriel`,
      `responsable ${n} email`,
      `responsable ${n} e mail`,
      `responsable ${n} mail`,
      `courriel responsable ${n}`,
      `email responsable ${n}`,
      `e mail responsable ${n}`,
      `mail responsable ${n}`,
      `parent ${n} courriel`,
      `parent ${n} email`,
      `guardian ${n} email`,
      `guardian ${n} e mail`,
      `parent ${n} e mail`,
    ], email],
  ];
  return Object.fromEntries(table.flatMap(([names, column]) => names.map((h) => [h, column])));
}

/** Every recognised (folded) header and its column. */
export const HEADERS: Readonly<Record<string, ImportColumn>> = {
  ...Object.fromEntries(
    [
      "numero",
      "numero eleve",
      "n eleve",
      "no eleve",
      "num eleve",
      "identifiant",
      "identifiant eleve",
      "ine",
      "id",
      "ref",
      "reference",
      "pupil number",
      "student number",
      "pupil id",
      "student id",
      "number",
    ].map((h) => [h, "ref" as const]),
  ),
  ...Object.fromEntries(
    [
      "nom",
      "nom eleve",
      "nom de l eleve",
      "nom de famille",
      "last name",
      "surname",
      "family name",
      "pupil last name",
      "student last name",
    ].map((h) => [h, "lastName" as const]),
  ),
  ...Object.fromEntries(
    [
      "prenom",
      "prenom eleve",
      "prenom de l eleve",
      "first name",
      "given name",
      "forename",
      "pupil first name",
      "student first name",
    ].map((h) => [h, "firstName" as const]),
  ),
  ...Object.fromEntries(
    [
      "eleve",
      "nom complet",
      "nom et prenom",
      "student",
      "pupil",
      "student name",
      "pupil name",
      "name",
      "full name",
    ]
      .map((h) => [h, "fullName" as const]),
  ),
  ...Object.fromEntries(
    ["classe", "class", "division", "class name", "form"].map((h) => [h, "className" as const]),
  ),
  ...guardianHeaders(1),
  ...guardianHeaders(2),
};

/** One data row, by column (absent columns are empty strings), with its line in the file. */
export interface ImportRow {
  line: number;
  cells: Record<ImportColumn, string>;
}

/** UTF-8 (a BOM dropped) when `bytes` decode as such, else Windows-1252. */
export function decodeClassList(bytes: Uint8Array): { text: string; encoding: "utf-8" | "windows-1252" } {
  try {
    return { text: new TextDecoder("utf-8", { fatal: true }).decode(bytes), encoding: "utf-8" };
  } catch {
    return { text: new TextDecoder("windows-1252").decode(bytes), encoding: "windows-1252" };
  }
}

/** `;` or `,`: whichever the first line holds more of (outside quotes), `;` on a tie. */
export function detectSeparator(text: string): ";" | "," {
  const firstLine = text.slice(0, Math.max(0, text.search(/\r?\n/)) || text.length).replace(/"[^"]*"/g, "");
  const count = (c: string) => firstLine.split(c).length - 1;
  return count(",") > count(";") ? "," : ";";
}

/**
 * The rows of a class list. Throws `413` over {@linkcode MAX_IMPORT_BYTES} or
 * {@linkcode MAX_IMPORT_ROWS}, and `400` saying what to fix for a file that is not CSV or lacks the pupil's
 * name or class column.
 */
export function parseClassList(bytes: Uint8Array): {
  rows: ImportRow[];
  columns: ImportColumn[];
  encoding: "utf-8" | "windows-1252";
  separator: ";" | ",";
} {
  if (bytes.byteLength === 0) {
    throw badRequest("file: the file is empty; choose the class list exported as CSV");
  }
  if (bytes.byteLength > MAX_IMPORT_BYTES) {
    throw tooLarge(
      `file: the file is over ${MAX_IMPORT_BYTES / 1024 / 1024} MB; split the class list into several files`,
    );
  }
  const { text, encoding } = decodeClassList(bytes);
  if (text.includes("\u0000")) {
    throw badRequest("file: this is not a CSV file; export the class list as CSV (text) and try again");
  }
  const separator = detectSeparator(text);
  let records: { record: string[]; info: { lines: number } }[];
  try {
    records = parse(text, {
      info: true,
      delimiter: separator,
      bom: true,
      relax_column_count: true,
      relax_quotes: true,
      skip_empty_lines: true,
      trim: true,
    }) as unknown as { record: string[]; info: { lines: number } }[];
  } catch (error) {
    const where = (error as { lines?: number }).lines;
    throw badRequest(
      `file: the CSV cannot be read${
        where ? ` near line ${where}` : ""
      }; check its quotes and export it again`,
    );
  }
  const [first, ...data] = records;
  const header = first?.record;
  if (!header) throw badRequest("file: the file is empty; choose the class list exported as CSV");
  const mapped = header.map((h) => HEADERS[foldHeader(h)]);
  const has = (c: ImportColumn) => mapped.includes(c);
  if (!(has("lastName") || has("fullName")) || !has("className")) {
    throw badRequest(
      `file: the first line must name the columns, with at least the pupil's name ("Nom élève" or "Élève") ` +
        `and the class ("Classe"); found: ${header.slice(0, 12).join(", ") || "nothing"}. ` +
        "Download the template to see the expected columns.",
    );
  }
  const rows: ImportRow[] = [];
  for (const { record, info } of data) {
    if (record.every((cell) => cell === "")) continue;
    const cells = Object.fromEntries(Object.values(HEADERS).map((c) => [c, ""])) as Record<
      ImportColumn,
      string
    >;
    mapped.forEach((column, i) => {
      if (column && cells[column] === "") cells[column] = (record[i] ?? "").normalize("NFC").trim();
    });
    // The line the record ends on, as an editor numbers it (blank lines count).
    rows.push({ line: info.lines, cells });
  }
  if (rows.length > MAX_IMPORT_ROWS) {
    throw tooLarge(`file: ${rows.length} rows; at most ${MAX_IMPORT_ROWS} per file — split the class list`);
  }
  return { rows, columns: [...new Set(mapped.filter((c) => c !== undefined))], encoding, separator };
}

/** The template of a class list in `locale`: the header line and one example row, UTF-8 with BOM. */
export function classListTemplate(locale: "fr" | "en"): string {
  const lines = locale === "fr"
    ? [
      "Numéro;Nom élève;Prénom;Classe;Responsable 1 nom;Responsable 1 courriel;Responsable 2 nom;Responsable 2 courriel",
      "12345;Dupont;Léa;CM2 A;Hélène Dupont;helene.dupont@example.org;Paul Dupont;paul.dupont@example.org",
    ]
    : [
      "Pupil number,Last name,First name,Class,Guardian 1 name,Guardian 1 email,Guardian 2 name,Guardian 2 email",
      "12345,Dupont,Léa,CM2 A,Hélène Dupont,helene.dupont@example.org,Paul Dupont,paul.dupont@example.org",
    ];
  return `\uFEFF${lines.join("\r\n")}\r\n`;
}
