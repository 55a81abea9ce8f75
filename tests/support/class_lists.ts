/**
 * Class lists as school administration software exports them, for the import tests and bench
 * (`tests/class_import_test.ts`, `bench/class_import_bench.ts`).
 */

export const CLASSES = ["CM1 A", "CM1 B", "CM2 A", "CM2 B"];

/** 1,500 rows: 20 bad ones (7 invalid emails, 7 unknown classes, 6 duplicates) at known lines. */
export function classList(options: { token: string; existingParent: string; french: boolean }) {
  const { token } = options;
  const header = options.french
    ? [
      "Numéro",
      "Nom élève",
      "Prénom",
      "Classe",
      "Responsable 1 nom",
      "Responsable 1 courriel",
      "Responsable 2 nom",
      "Responsable 2 courriel",
    ]
    : [
      "Pupil number",
      "Last name",
      "First name",
      "Class",
      "Guardian 1 name",
      "Guardian 1 email",
      "Guardian 2 name",
      "Guardian 2 email",
    ];
  const rows: string[][] = [];
  const bad = new Set<number>();
  for (let i = 0; i < 1500; i++) {
    const line = i + 2;
    let ref = `${token}-${i}`;
    let className = CLASSES[i % CLASSES.length]!;
    let email = `famille-${i}@${token}.test`;
    if (i % 75 === 10 && i < 1500 - 75 * 13) { // 7 rows: invalid email
      email = `famille-${i}-at-${token}.test`;
      bad.add(line);
    } else if (i % 75 === 20 && i < 1500 - 75 * 13) { // 7 rows: unknown class
      className = "CM3 Z";
      bad.add(line);
    } else if (i % 75 === 30 && i >= 75 * 14) { // 6 rows: the number of the row before
      ref = `${token}-${i - 1}`;
      bad.add(line);
    }
    // Siblings share their second guardian; every 50th family's second guardian already has an account.
    const second = i % 50 === 0 ? options.existingParent : `second-${Math.floor(i / 2)}@${token}.test`;
    rows.push([
      ref,
      `Lefèvre-${i}`,
      `Éloïse`,
      className,
      `Hélène Lefèvre ${i}`,
      email,
      `Noël Garçon ${i}`,
      second,
    ]);
  }
  const separator = options.french ? ";" : ",";
  const text = [header, ...rows].map((r) => r.join(separator)).join("\r\n") + "\r\n";
  return { text, bad };
}

/** Windows-1252 bytes of `text` (Latin-1 letters map to themselves; a few others by the table). */
export function cp1252(text: string): Uint8Array {
  const extra: Record<string, number> = { "œ": 0x9c, "€": 0x80, "’": 0x92 };
  return Uint8Array.from([...text].map((c) => {
    const code = c.codePointAt(0)!;
    if (code < 0x80 || (code >= 0xa0 && code < 0x100)) return code;
    const mapped = extra[c];
    if (mapped === undefined) throw new Error(`${c} is not in this test's Windows-1252 table`);
    return mapped;
  }));
}
