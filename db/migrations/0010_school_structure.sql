-- Running a real school, part 2: classes per school year, pupils in classes, teachers assigned to
-- classes, guardians linked to their children. The rules of who may write to whom (domain/permissions.ts)
-- and the admin pages read these tables.

-- A class of one establishment for one school year ("CM2 A", "2026-2027").
CREATE TABLE classes (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  establishment_id uuid NOT NULL REFERENCES establishments (id) ON DELETE CASCADE,
  name text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 100),
  -- "YYYY-YYYY", the second year following the first.
  school_year text NOT NULL CHECK (
    school_year ~ '^[0-9]{4}-[0-9]{4}$'
    AND substr(school_year, 6, 4)::integer = substr(school_year, 1, 4)::integer + 1
  ),
  created_at timestamptz NOT NULL DEFAULT now()
);
-- One "CM2 A" per establishment and year, whatever the case.
CREATE UNIQUE INDEX classes_establishment_year_name_key ON classes (establishment_id, school_year, lower(name));

-- A pupil of one establishment. Most pupils have no account (the class list of the school's
-- administration software names them); `user_id` links the pupil's own account (role student) when
-- there is one. `external_ref` is the pupil's number in that software, the key a re-import matches on.
CREATE TABLE pupils (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  establishment_id uuid NOT NULL REFERENCES establishments (id) ON DELETE CASCADE,
  name text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 200),
  -- The first name alone, when known ("Léa"), for short labels ("parent de Léa, CM2 A").
  given_name text NULL CHECK (given_name IS NULL OR char_length(given_name) BETWEEN 1 AND 100),
  external_ref text NULL CHECK (external_ref IS NULL OR char_length(external_ref) BETWEEN 1 AND 64),
  user_id uuid NULL REFERENCES users (id) ON DELETE SET NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX pupils_establishment_ref_key ON pupils (establishment_id, external_ref)
  WHERE external_ref IS NOT NULL;
-- One pupil record per student account and establishment.
CREATE UNIQUE INDEX pupils_establishment_user_key ON pupils (establishment_id, user_id)
  WHERE user_id IS NOT NULL;
CREATE INDEX pupils_user_idx ON pupils (user_id) WHERE user_id IS NOT NULL;

-- Pupils in classes (a pupil may be in several classes, e.g. a language group).
CREATE TABLE class_pupils (
  class_id uuid NOT NULL REFERENCES classes (id) ON DELETE CASCADE,
  pupil_id uuid NOT NULL REFERENCES pupils (id) ON DELETE CASCADE,
  PRIMARY KEY (class_id, pupil_id)
);
CREATE INDEX class_pupils_pupil_idx ON class_pupils (pupil_id);

-- Teachers assigned to classes, optionally with the subject they teach there.
CREATE TABLE class_teachers (
  class_id uuid NOT NULL REFERENCES classes (id) ON DELETE CASCADE,
  teacher_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  subject text NULL CHECK (subject IS NULL OR char_length(subject) BETWEEN 1 AND 100),
  PRIMARY KEY (class_id, teacher_id)
);
CREATE INDEX class_teachers_teacher_idx ON class_teachers (teacher_id);

-- Guardians of pupils; a pupil may have several, a guardian several pupils, in several establishments.
-- A guardian invited by a class-list import has no account yet: the link names the invitation, and
-- accepting the invitation turns it into a link to the new account.
CREATE TABLE guardianships (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  pupil_id uuid NOT NULL REFERENCES pupils (id) ON DELETE CASCADE,
  guardian_id uuid NULL REFERENCES users (id) ON DELETE CASCADE,
  invitation_id uuid NULL REFERENCES invitations (id) ON DELETE CASCADE,
  created_at timestamptz NOT NULL DEFAULT now(),
  CHECK ((guardian_id IS NULL) <> (invitation_id IS NULL))
);
CREATE UNIQUE INDEX guardianships_pupil_guardian_key ON guardianships (pupil_id, guardian_id)
  WHERE guardian_id IS NOT NULL;
CREATE UNIQUE INDEX guardianships_pupil_invitation_key ON guardianships (pupil_id, invitation_id)
  WHERE invitation_id IS NOT NULL;
CREATE INDEX guardianships_guardian_idx ON guardianships (guardian_id) WHERE guardian_id IS NOT NULL;
-- A pupil's guardians (pages, import) and an invitation's links (its acceptance): the partial unique
-- indexes above cannot serve these lookups.
CREATE INDEX guardianships_pupil_idx ON guardianships (pupil_id);
CREATE INDEX guardianships_invitation_idx ON guardianships (invitation_id) WHERE invitation_id IS NOT NULL;

-- The audit log names classes and pupils as targets too (class.create, guardian.link, class_import.apply…).
ALTER TABLE audit_log DROP CONSTRAINT audit_log_target_type_check;
ALTER TABLE audit_log ADD CONSTRAINT audit_log_target_type_check
  CHECK (target_type IS NULL OR target_type IN ('person', 'establishment', 'membership', 'class', 'pupil'));
