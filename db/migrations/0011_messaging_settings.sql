-- Messaging settings per establishment (issue 12, item 4) and the availability hours of staff.
-- An establishment without a row uses the defaults below (domain/permissions.ts DEFAULT_SETTINGS):
-- open messaging, the class rules of item 3 untouched, families answered Monday–Friday 7:30–19:00
-- Europe/Paris.

CREATE TABLE establishment_settings (
  establishment_id uuid PRIMARY KEY REFERENCES establishments (id) ON DELETE CASCADE,
  -- open: everyone may start conversations the rules allow; staff_start: only admins and teachers
  -- start conversations (families answer); families_silenced: parents and students may not send at all.
  messaging_mode text NOT NULL DEFAULT 'open'
    CHECK (messaging_mode IN ('open', 'staff_start', 'families_silenced')),
  -- Loosening switches of the class rules.
  parents_in_class boolean NOT NULL DEFAULT false,
  students_in_class boolean NOT NULL DEFAULT false,
  parents_to_all_teachers boolean NOT NULL DEFAULT false,
  -- The establishment's availability hours for families writing to staff: a bit per weekday
  -- (bit 0 = Monday … bit 6 = Sunday), opening and closing minute of the day in `time_zone`.
  hours_days smallint NOT NULL DEFAULT 31 CHECK (hours_days BETWEEN 0 AND 127),
  hours_opens smallint NOT NULL DEFAULT 450 CHECK (hours_opens BETWEEN 0 AND 1439),
  hours_closes smallint NOT NULL DEFAULT 1140 CHECK (hours_closes BETWEEN 1 AND 1440),
  time_zone text NOT NULL DEFAULT 'Europe/Paris' CHECK (char_length(time_zone) BETWEEN 1 AND 64),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CHECK (hours_opens < hours_closes)
);

-- A staff member's own hours in one establishment (in that establishment's time zone), replacing
-- the establishment's.
CREATE TABLE staff_hours (
  establishment_id uuid NOT NULL REFERENCES establishments (id) ON DELETE CASCADE,
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  days smallint NOT NULL CHECK (days BETWEEN 0 AND 127),
  opens smallint NOT NULL CHECK (opens BETWEEN 0 AND 1439),
  closes smallint NOT NULL CHECK (closes BETWEEN 1 AND 1440),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (establishment_id, user_id),
  CHECK (opens < closes)
);
