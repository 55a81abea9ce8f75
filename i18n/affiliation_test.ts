import { assertEquals } from "../tests/support/assert.ts";
import { translator } from "./mod.ts";
import { affiliationLabel, personWithAffiliation } from "./affiliation.ts";

const fr = translator("fr");
const en = translator("en");

Deno.test("affiliation label - a parent of one child names the child and the class, in French and English", () => {
  const affiliation = { children: [{ name: "Léa", classes: ["CM2 A"] }] };
  assertEquals(
    personWithAffiliation({ name: "Hélène Dupont", role: "parent", affiliation }, fr),
    "Hélène Dupont — parent de Léa, CM2 A",
  );
  assertEquals(affiliationLabel("parent", affiliation, en), "parent of Léa, CM2 A");
});

Deno.test("affiliation label - several children are listed with their classes, a child without class by name", () => {
  const affiliation = {
    children: [{ name: "Léa", classes: ["CM2 A"] }, { name: "Tom", classes: [] }, {
      name: "Zoé",
      classes: ["CP"],
    }],
  };
  assertEquals(affiliationLabel("parent", affiliation, fr), "parent de Léa (CM2 A), de Tom et de Zoé (CP)");
  assertEquals(affiliationLabel("parent", affiliation, en), "parent of Léa (CM2 A), Tom and Zoé (CP)");
});

Deno.test("affiliation label - teachers and pupils name their classes (and subject); no affiliation is the role", () => {
  assertEquals(
    personWithAffiliation({
      name: "Marc Martin",
      role: "teacher",
      affiliation: { classes: [{ name: "CM2 A" }] },
    }, fr),
    "Marc Martin — enseignant, CM2 A",
  );
  assertEquals(
    affiliationLabel("teacher", { classes: [{ name: "5e B", subject: "Maths" }, { name: "4e A" }] }, en),
    "teacher, 5e B (Maths), 4e A",
  );
  assertEquals(affiliationLabel("student", { classes: [{ name: "CM2 A" }] }, fr), "élève, CM2 A");
  assertEquals(affiliationLabel("admin", null, fr), "Direction");
  assertEquals(affiliationLabel("parent", undefined, en), "Parent");
});
