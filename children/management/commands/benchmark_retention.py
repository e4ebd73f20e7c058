"""Measure the retention run (``apply_retention``) on a large invented record.

    LISA_DB_ROLE=superuser python manage.py benchmark_retention           # 300,000 children
    LISA_DB_ROLE=superuser python manage.py benchmark_retention --children 2000

The record is built in its own database (``lisa_benchmark_retention`` by default, on the same
server) with set-based SQL (INSERT … SELECT over generate_series). A real run archives and removes
what is due, so a record is used up once measured: **every run builds it again** (about a
minute for 300,000 children). The database itself is kept, so that later runs skip creating and
migrating it, and so that what the run left can be looked at afterwards. Creating a database
and loading with triggers off need a superuser, hence the role.

The record, for the default retention schedule (18, 2, 1 and 6 years) on the day of the run:

- a dozen agencies, 70 practitioners and a central-team user;
- children aged 0–18 (uniform by date of birth), most active, some closed or moved out of the
  area, with when their status changed; about seven in ten have one to three open
  involvements (some with a lead professional), a third have a concern with its history, some
  have a parent recorded or a family, a few a current break-glass grant;
- 4% **due to be archived**: aged 18 or 19, and either still active (turned 18) or closed or
  moved out more than two years ago;
- 1% archived more than six years ago, so **due to be removed**, each with its family, one or
  two parents, two ended involvements, three closed concerns with their categories and
  history, a message thread (two participants, three messages) and a parent's consent
  agreement, half of them with a scanned form (a small file written to a temporary media
  folder, which removal deletes); one in five of them also had a Family Support Meeting (with
  the child, the mother and two practitioners invited) that started a support plan, with an
  outcome and an action;
- Family Support Meetings for one in ten of the other children, a third of them with a plan;
- records that are *not* due though they are near it: 5% archived less than six years ago,
  0.5% aged 18 or 19 but closed or moved out less than two years ago, 0.1% restored by the
  central team less than a year ago;
- legal holds standing on 0.1% of the children, all of them due (four in five of them due to
  be archived, one in five due to be removed), lifted holds on a third as many other due
  records (which hold nothing back), and a few holds on records not due.

Then it times ``apply_retention`` on that day with ``--dry-run`` first, then for real, and
reports the records archived, removed and held back, the files removed, the wall time of each
pass (and of its phases: choosing the records, removing, archiving), the queries made and the
time spent waiting for the database, the throughput and the peak memory of the process. It
checks afterwards that what was done is exactly what was built to be due (the references
archived and removed, less those held back; no failures; the files deleted; the records under
a hold untouched) and fails if not.
"""

from __future__ import annotations

import datetime as dt
import os
import platform
import resource
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path

from auditlog.models import LogEntry
from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.test import override_settings
from django.utils import timezone

from audit.models import AuditEvent
from children.models import BreakGlass, Child, Involvement, LegalHold, RemovedRecord
from children.retention import Report, Schedule, apply_retention
from concerns.models import Category
from consent.uploads import SCAN_FOLDER
from lisa.benchmarking import load_step, use_database
from lisa.models import Agency, AgencyType, Role, User
from meetings.models import Meeting, SupportPlan

# The schedule the record is built for (the defaults), whatever the environment sets.
SCHEDULE = Schedule(archive_age=18, after_closing_years=2, after_restore_years=1,
                    remove_after_years=6)  # fmt: skip

# Shares of the children, in order: the groups the record is made of (see the docstring).
SHARES = [
    ("remove", 0.01),  # archived more than six years ago: due to be removed
    ("archive", 0.04),  # due to be archived
    ("archived", 0.05),  # archived less than six years ago
    ("waiting", 0.005),  # 18 or over, closed or moved out less than two years ago
    ("restored", 0.001),  # restored less than a year ago
]
HELD_SHARE = 0.001  # of all children: a legal hold standing on a due record

# (name, type, practitioners): invented agencies.
AGENCIES = [
    ("Riverside Health Visiting", AgencyType.HEALTH, 10),
    ("Brookside Medical Practice", AgencyType.HEALTH, 4),
    ("Oakfield Primary School", AgencyType.EDUCATION, 8),
    ("Hollybrook Secondary School", AgencyType.EDUCATION, 8),
    ("Maple Lane Nursery", AgencyType.EDUCATION, 4),
    ("Children's Social Care Front Door", AgencyType.SOCIAL_CARE, 8),
    ("Early Help Family Service", AgencyType.SOCIAL_CARE, 8),
    ("Police Child Safeguarding Team", AgencyType.POLICE, 5),
    ("Youth Justice Service", AgencyType.YOUTH_OFFENDING, 4),
    ("Housing Options Service", AgencyType.HOUSING, 4),
    ("Bridge Family Support", AgencyType.VOLUNTARY, 7),
    ("LISA Central Team", AgencyType.OTHER, 0),
]
CENTRAL_USERNAME = "benchmark.retention.central"
FORENAMES = (
    "Amelia Oliver Isla George Ava Noah Freya Leo Ivy Arthur Aisha Yusuf Kwame Abena Chidi "
    "Ngozi Tobi Shanice Kai Zuzanna Andrei Ioana Giulia Emre Linh Wei Priya Arjun Niamh Rhys"
).split()
SURNAMES = (
    "Ashdown Birchall Coldwell Dunmore Elsworth Fairbank Gatling Hartwell Ibbotson Jessop "
    "Kettering Lindqvist Marchbank Netherby Okonjo Pemberton Quarrie Rushworth Stanbury Tolland "
    "Underhill Varney Whitlock Yardley Adebayo Mensah Kowalczyk Popescu Nguyen Chaudhry"
).split()

# --- the build, in SQL ----------------------------------------------------------------------------
# Random numbers are drawn in an inner subquery, which PostgreSQL evaluates once a row, so
# every use of a draw in the outer query sees the same value. Days are counted back from
# "now" with a margin of at least a day (two for dates of birth) from each limit of the
# schedule, so that no record sits on the edge of being due whatever the time of day.

TRUNCATE = """
TRUNCATE lisa_agency, lisa_user, children_family, children_child, children_involvement,
    children_parentalresponsibility, children_legalhold, children_removedrecord,
    children_breakglass, concerns_concern, concerns_concern_categories, concerns_concernchange,
    messaging_thread, messaging_participant, messaging_message, consent_agreement,
    meetings_meeting, meetings_meeting_children, meetings_meeting_concerns, meetings_invitee,
    meetings_supportplan, meetings_supportplan_children, meetings_planoutcome,
    meetings_planaction, meetings_planaction_children, audit_auditevent, audit_alert,
    auditlog_logentry, lisa_session
RESTART IDENTITY CASCADE
"""

STAFF = """
CREATE TEMP TABLE bench_staff AS
SELECT row_number() OVER (ORDER BY id)::int AS n, id AS user_id, agency_id
FROM lisa_user WHERE 'practitioner' = ANY(roles)
"""

# Each child's group, by a random rank so that the groups have exactly the sizes asked for.
PLAN = """
CREATE TEMP TABLE bench_plan AS
SELECT id,
    CASE WHEN k <= %(upto_remove)s THEN 'remove' WHEN k <= %(upto_archive)s THEN 'archive'
         WHEN k <= %(upto_archived)s THEN 'archived' WHEN k <= %(upto_waiting)s THEN 'waiting'
         WHEN k <= %(upto_restored)s THEN 'restored' ELSE 'live' END AS grp,
    r_dob, r_status, r_created, r_when, r_changed, r_name1, r_name2, r_family, r_inv, r_count,
    r_lead, r_concern, r_parent, r_scan, r_glass, r_meeting, r_meeting_day
FROM (
    SELECT g AS id, row_number() OVER (ORDER BY r_order) AS k, r_dob, r_status, r_created,
        r_when, r_changed, r_name1, r_name2, r_family, r_inv, r_count, r_lead, r_concern,
        r_parent, r_scan, r_glass, r_meeting, r_meeting_day
    FROM (
        SELECT g, random() r_order, random() r_dob, random() r_status, random() r_created,
            random() r_when, random() r_changed, random() r_name1, random() r_name2,
            random() r_family, random() r_inv, random() r_count, random() r_lead,
            random() r_concern, random() r_parent, random() r_scan, random() r_glass,
            random() r_meeting, random() r_meeting_day
        FROM generate_series(1, %(children)s) g
    ) draws
) ranked
"""

# Dates: when archived or restored; the date of birth; the status and when it changed; when
# the record was made.
DATES = """
CREATE TEMP TABLE bench_child AS
SELECT *,
    CASE WHEN grp IN ('archived', 'remove') THEN
        CASE WHEN status = 'closed'
                  AND (changed_at_final AT TIME ZONE %(zone)s)::date + 730 > dob + 6575
             THEN '2 years after the record was closed' ELSE 'turned 18' END
    ELSE '' END AS archive_rule
FROM (
    SELECT *,
        CASE WHEN grp = 'live' AND status <> 'active'
                 THEN created_at + r_changed * (%(now)s - created_at)
             WHEN grp IN ('archived', 'remove') AND status = 'closed'
                 THEN created_at + r_changed * 250 * interval '1 day'
             ELSE changed_at END AS changed_at_final
    FROM (
        SELECT *,
            CASE WHEN grp = 'live'
                     THEN %(now)s - r_created * least(%(today)s::date - dob, 3650)
                          * interval '1 day'
                 WHEN grp = 'archive' AND status = 'active'
                     THEN %(now)s - r_created * 3650 * interval '1 day'
                 WHEN grp IN ('archive', 'waiting')
                     THEN changed_at - r_created * 1500 * interval '1 day'
                 WHEN grp = 'restored'
                     THEN restored_at - (400 + r_created * 2000) * interval '1 day'
                 ELSE archived_at - (1000 + r_created * 2000) * interval '1 day'
            END AS created_at
        FROM (
            SELECT *,
                CASE WHEN grp = 'archive' AND status <> 'active'
                         THEN %(now)s - (733 + r_changed * 900) * interval '1 day'
                     WHEN grp = 'waiting'
                         THEN %(now)s - (1 + r_changed * 700) * interval '1 day'
                END AS changed_at
            FROM (
                SELECT *,
                    CASE WHEN grp = 'live' THEN %(adult)s::date + 2
                             + floor(r_dob * (%(today)s::date - %(adult)s::date - 2))::int
                         WHEN grp IN ('archived', 'remove') THEN
                             (archived_at AT TIME ZONE %(zone)s)::date - 6576
                             - floor(r_dob * 90)::int
                         ELSE %(adult)s::date - 2 - floor(r_dob * 700)::int
                    END AS dob,
                    CASE WHEN grp = 'live' THEN
                             CASE WHEN r_status < 0.86 THEN 'active'
                                  WHEN r_status < 0.92 THEN 'moved_out' ELSE 'closed' END
                         WHEN grp = 'archive' THEN
                             CASE WHEN r_status < 0.75 THEN 'active'
                                  WHEN r_status < 0.87 THEN 'closed' ELSE 'moved_out' END
                         WHEN grp = 'waiting' THEN
                             CASE WHEN r_status < 0.5 THEN 'closed' ELSE 'moved_out' END
                         WHEN grp = 'restored' THEN 'active'
                         ELSE CASE WHEN r_status < 0.8 THEN 'active' ELSE 'closed' END
                    END AS status
                FROM (
                    SELECT *,
                        CASE grp
                            WHEN 'archived' THEN %(now)s - (1 + r_when * 2180) * interval '1 day'
                            WHEN 'remove' THEN %(now)s - (2200 + r_when * 400) * interval '1 day'
                        END AS archived_at,
                        CASE WHEN grp = 'restored'
                             THEN %(now)s - (1 + r_when * 300) * interval '1 day' END
                            AS restored_at
                    FROM bench_plan
                ) s1
            ) s2
        ) s3
    ) s4
) s5
"""

FAMILIES = """
INSERT INTO children_family (id, created_at, created_by_id)
SELECT id, created_at, NULL FROM bench_child WHERE grp = 'remove' OR r_family < 0.3 ORDER BY id
"""

CHILDREN = """
INSERT INTO children_child (id, lisa_ref, forenames, surname, other_names, date_of_birth, gender,
    address_line_1, address_line_2, town, postcode, postcode_district, nhs_number, upn, school,
    first_language, interpreter_needed, shielded, status, merged_at, merged_into_id, family_id,
    search_keys, status_changed_at, archived_at, archive_rule, restored_at, created_at,
    created_by_id, updated_at)
SELECT id, 'L' || lpad(id::text, 7, '0') || chr(65 + mod(id, 26)),
    (%(forenames)s::text[])[1 + floor(r_name1 * cardinality(%(forenames)s::text[]))::int],
    (%(surnames)s::text[])[1 + floor(r_name2 * cardinality(%(surnames)s::text[]))::int], '',
    dob, CASE WHEN mod(id, 2) = 0 THEN 'female' ELSE 'male' END,
    (1 + mod(id, 180)) || ' Invented Road', '', 'London',
    'SE' || (1 + mod(id, 28)) || ' ' || mod(id, 9) || 'AB', 'SE' || (1 + mod(id, 28)),
    '9' || lpad(id::text, 9, '0'), '', '', 'English', false, mod(id, 50) = 0, status, NULL, NULL,
    CASE WHEN grp = 'remove' OR r_family < 0.3 THEN id END, '{}', changed_at_final, archived_at,
    archive_rule, restored_at, created_at, NULL,
    greatest(created_at, archived_at, changed_at_final, restored_at)
FROM bench_child ORDER BY id
"""

# Open involvements (one to three practitioners, the first of them the lead professional for
# some) for seven in ten records not archived; two ended at archiving for archived records.
INVOLVEMENTS = """
INSERT INTO children_involvement (role, started_on, ended_at, end_reason, lead_professional,
    how_began, reason, entered_in_error, error_reason, created_at, updated_at, agency_id,
    child_id, created_by_id, ended_by_id, practitioner_id)
SELECT CASE WHEN lead THEN 'Lead professional' ELSE 'Practitioner' END,
    (began AT TIME ZONE %(zone)s)::date, ended_at,
    CASE WHEN ended_at IS NULL THEN '' ELSE 'Record archived' END, lead, 'concern', '', false,
    '', began, coalesce(ended_at, began), st.agency_id, x.id, st.user_id, NULL, st.user_id
FROM (
    SELECT c.id, k, k = 1 AND r_lead < 0.15 AS lead,
        created_at + (coalesce(archived_at, %(now)s) - created_at) * (k / 4.0) AS began,
        NULL::timestamptz AS ended_at
    FROM bench_child c, generate_series(1, 1 + floor(r_count * 3)::int) k
    WHERE grp IN ('live', 'archive', 'waiting', 'restored') AND r_inv < 0.7
    UNION ALL
    SELECT c.id, k, false, created_at + (archived_at - created_at) * (k / 4.0), archived_at
    FROM bench_child c, generate_series(1, 2) k
    WHERE grp IN ('archived', 'remove')
) x
JOIN bench_staff st ON st.n = 1 + mod(x.id * 7 + x.k, %(staff)s)
ORDER BY began
"""

# Three closed concerns for each record due to be removed; one for a third of the others,
# some still open. The outcome follows the level (level 1 resolved, so closed).
CONCERNS = """
INSERT INTO concerns_concern (child_id, raised_by_id, agency_id, date, level, what_was_seen,
    discussed_with_parent, not_discussed_reason, action_agreed, outcome, status, closed_at,
    entered_in_error, error_reason, created_at, updated_at)
SELECT id, st.user_id, st.agency_id, date, level, 'What was seen (invented).', true, '',
    'What was agreed (invented).',
    CASE level WHEN 1 THEN 'resolved_in_agency' WHEN 2 THEN 'multi_agency'
               WHEN 3 THEN 'meeting_requested' ELSE 'social_care' END,
    CASE WHEN closed THEN 'closed' ELSE 'open' END,
    CASE WHEN closed THEN least(%(now)s, logged_at + interval '30 days') END, false, '',
    logged_at, CASE WHEN closed THEN least(%(now)s, logged_at + interval '30 days')
                    ELSE logged_at END
FROM (
    SELECT *, level = 1 OR grp IN ('archived', 'remove') OR r_open < 0.5 AS closed,
        least(%(now)s, (date + time '10:00') AT TIME ZONE %(zone)s) AS logged_at
    FROM (
        SELECT c.id, c.grp, k,
            first_day + floor(random() * greatest(1, last_day - first_day))::int AS date,
            1 + floor(random() * 4)::int AS level, random() AS r_open
        FROM (
            SELECT *, (created_at AT TIME ZONE %(zone)s)::date AS first_day,
                (coalesce(archived_at, %(now)s) AT TIME ZONE %(zone)s)::date AS last_day
            FROM bench_child
        ) c, generate_series(1, CASE WHEN c.grp = 'remove' THEN 3 ELSE 1 END) k
        WHERE c.grp = 'remove' OR c.r_concern < 0.33
    ) s
) x
JOIN bench_staff st ON st.n = 1 + mod(x.id * 7 + x.k, %(staff)s)
ORDER BY x.logged_at
"""

CATEGORIES = """
INSERT INTO concerns_concern_categories (concern_id, category_id)
SELECT id, (%(categories)s::bigint[])
    [1 + floor(random() * cardinality(%(categories)s::bigint[]))::int]
FROM concerns_concern ORDER BY id
"""

CHANGES = """
INSERT INTO concerns_concernchange (at, kind, from_level, to_level, from_outcome, to_outcome,
    from_status, to_status, note, by_id, concern_id)
SELECT created_at, 'logged', NULL, level, '', outcome, '', 'open', '', raised_by_id, id
FROM concerns_concern
UNION ALL
SELECT closed_at, CASE WHEN outcome = 'resolved_in_agency' THEN 'resolved' ELSE 'closed' END,
    level, level, outcome, outcome, 'open', 'closed', '', raised_by_id, id
FROM concerns_concern WHERE status = 'closed'
ORDER BY 1
"""

# A mother (2 × child − 1) for every record due to be removed and for three in ten others; a
# father (2 × child) as well for six in ten of those due to be removed.
PARENTS = """
INSERT INTO children_parentalresponsibility (id, name, relationship, address, phone, email,
    entered_in_error, error_reason, created_at, updated_at, child_id, created_by_id)
SELECT 2 * c.id - 2 + p.k,
    (%(forenames)s::text[])[1 + mod(c.id * 3 + p.k, cardinality(%(forenames)s::text[]))::int]
        || ' ' || ch.surname,
    CASE p.k WHEN 1 THEN 'Mother' ELSE 'Father' END,
    ch.address_line_1 || ', London ' || ch.postcode,
    '020 7946 0' || lpad(mod(c.id, 1000)::text, 3, '0'), '', false, '', c.created_at,
    c.created_at, c.id, NULL
FROM bench_child c JOIN children_child ch ON ch.id = c.id,
    (VALUES (1), (2)) AS p(k)
WHERE (c.grp = 'remove' AND (p.k = 1 OR c.r_parent < 0.6))
    OR (c.grp <> 'remove' AND p.k = 1 AND c.r_parent < 0.3)
ORDER BY 1
"""

# For each record due to be removed: a thread (numbered as the child) between the two
# practitioners who were involved, with three messages, and a parent's agreement.
THREADS = """
INSERT INTO messaging_thread (id, subject, created_at, last_message_at, child_id, created_by_id)
SELECT id, 'About the family (invented)', started, started + interval '2 days', id, st.user_id
FROM (SELECT id, archived_at - (100 + r_when * 500) * interval '1 day' AS started
      FROM bench_child WHERE grp = 'remove') c
JOIN bench_staff st ON st.n = 1 + mod(c.id * 7 + 1, %(staff)s)
ORDER BY id
"""

PARTICIPANTS = """
INSERT INTO messaging_participant (joined_at, last_read_at, user_id, thread_id)
SELECT t.created_at, t.last_message_at, st.user_id, t.id
FROM messaging_thread t CROSS JOIN generate_series(1, 2) k
JOIN bench_staff st ON st.n = 1 + mod(t.id * 7 + k, %(staff)s)
ORDER BY t.id, k
"""

MESSAGES = """
INSERT INTO messaging_message (body, sent_at, entered_in_error, error_reason, error_at,
    author_id, thread_id)
SELECT 'A message about the family (invented).', t.created_at + (k - 1) * interval '1 day',
    false, '', NULL, st.user_id, t.id
FROM messaging_thread t CROSS JOIN generate_series(1, 3) k
JOIN bench_staff st ON st.n = 1 + mod(t.id * 7 + 2 - mod(k, 2), %(staff)s)
ORDER BY t.id, k
"""

AGREEMENTS = """
INSERT INTO consent_agreement (kind, decision, signed_on, sufficient_understanding,
    understanding_assessed_by, capacity_note, copy_to_child, copy_to_child_on,
    copy_to_coordinator, copy_to_coordinator_on, withdrawn_on, withdrawn_by, withdrawal_how,
    notes, scan_name, scan_content_type, scan_uploaded_at, entered_in_error, error_reason,
    created_at, updated_at, agency_id, child_id, created_by_id, parent_id, professional_id,
    withdrawal_recorded_by_id)
SELECT 'parent_carer', 'agree', (signed AT TIME ZONE %(zone)s)::date, NULL, '', '', false, NULL,
    false, NULL, NULL, '', '', '',
    CASE WHEN scanned THEN md5('scan' || c.id) || '.pdf' ELSE '' END,
    CASE WHEN scanned THEN 'application/pdf' ELSE '' END,
    CASE WHEN scanned THEN signed END, false, '', signed, signed, st.agency_id, c.id,
    st.user_id, 2 * c.id - 1, st.user_id, NULL
FROM (SELECT id, r_scan < 0.5 AS scanned,
             archived_at - (200 + r_when * 500) * interval '1 day' AS signed
      FROM bench_child WHERE grp = 'remove') c
JOIN bench_staff st ON st.n = 1 + mod(c.id * 7 + 1, %(staff)s)
ORDER BY c.id
"""

# Family Support Meetings: for one in five records due to be removed, a held initial meeting
# (about the child's first concern) that started a support plan, closed since; for one in ten
# of the others, a held initial meeting, a third of them with a plan (open or closed). The two
# practitioners first involved are invited and the first chairs and leads; the mother and the
# young person are invited too for those due to be removed.
MEETING_PLAN = """
CREATE TEMP TABLE bench_meet AS
SELECT row_number() OVER (ORDER BY day, child_id)::int AS id, child_id, grp, day, archived_at,
    grp = 'remove' OR r_meeting < 0.033 AS planned,
    grp = 'remove' OR day + 180 < %(today)s::date AS closed
FROM (
    SELECT id AS child_id, grp, archived_at, r_meeting,
        least(last_day - 1, first_day + 14
              + floor(r_meeting_day * greatest(1, last_day - first_day - 60))::int) AS day
    FROM (
        SELECT *, (created_at AT TIME ZONE %(zone)s)::date AS first_day,
            (coalesce(archived_at, %(now)s) AT TIME ZONE %(zone)s)::date AS last_day
        FROM bench_child
        WHERE (grp = 'remove' AND r_meeting < 0.2) OR (grp <> 'remove' AND r_meeting < 0.1)
    ) c
) m
"""

MEETINGS = """
INSERT INTO meetings_meeting (id, kind, date, start_time, end_time, venue, joining,
    joining_details, prepared_on, prepared_by, parent_told_of_sharing,
    young_person_not_invited_reason, summary, strengths, family_views, status, held_recorded_at,
    next_review_on, record_sent_at, entered_in_error, error_reason, created_at, updated_at,
    chair_id, created_by_id, location_id, record_sent_by_id, plan_id, correction_reason)
SELECT m.id, 'initial', m.day, '10:00', '11:30', 'Family room, Riverside Children''s Centre',
    'in_person', '', NULL, '', true, '', 'Invented summary.', '', '', 'held',
    least(%(now)s, (m.day + time '12:00') AT TIME ZONE %(zone)s), m.day + 42,
    least(%(now)s, (m.day + 2 + time '12:00') AT TIME ZONE %(zone)s), false, '',
    (m.day - 14 + time '09:00') AT TIME ZONE %(zone)s, %(now)s, st.user_id, st.user_id, NULL,
    st.user_id, CASE WHEN m.planned THEN m.id END, ''
FROM bench_meet m JOIN bench_staff st ON st.n = 1 + mod(m.child_id * 7 + 1, %(staff)s)
ORDER BY m.id
"""

MEETING_CHILDREN = """
INSERT INTO meetings_meeting_children (meeting_id, child_id)
SELECT id, child_id FROM bench_meet ORDER BY id
"""

MEETING_CONCERNS = """
INSERT INTO meetings_meeting_concerns (meeting_id, concern_id)
SELECT m.id, min(k.id) FROM bench_meet m JOIN concerns_concern k ON k.child_id = m.child_id
GROUP BY m.id ORDER BY m.id
"""

PLANS = """
INSERT INTO meetings_supportplan (id, status, closed_at, closure_reason, closure_text,
    entered_in_error, error_reason, created_at, updated_at, closed_by_id, created_by_id, lead_id,
    closure_agreed_by_id)
SELECT m.id, CASE WHEN m.closed THEN 'closed' ELSE 'open' END,
    CASE WHEN m.closed THEN least(coalesce(m.archived_at, %(now)s),
        (m.day + 180 + time '15:00') AT TIME ZONE %(zone)s) END,
    CASE WHEN m.closed THEN 'outcomes_met' ELSE '' END, '', false, '',
    (m.day + time '11:30') AT TIME ZONE %(zone)s, %(now)s,
    CASE WHEN m.closed THEN st.user_id END, st.user_id, st.user_id, NULL
FROM bench_meet m JOIN bench_staff st ON st.n = 1 + mod(m.child_id * 7 + 1, %(staff)s)
WHERE m.planned ORDER BY m.id
"""

PLAN_CHILDREN = """
INSERT INTO meetings_supportplan_children (supportplan_id, child_id)
SELECT id, child_id FROM bench_meet WHERE planned ORDER BY id
"""

INVITEES = """
INSERT INTO meetings_invitee (kind, name, role, organisation, contact, attendance, substitute,
    parent_id, practitioner_id, young_person_id, meeting_id)
SELECT 'practitioner', '', 'Practitioner', '', '', 'attended', '', NULL::bigint, st.user_id,
    NULL::bigint, m.id
FROM bench_meet m CROSS JOIN generate_series(1, 2) k
JOIN bench_staff st ON st.n = 1 + mod(m.child_id * 7 + k, %(staff)s)
UNION ALL
SELECT 'parent', '', '', '', '', 'attended', '', 2 * m.child_id - 1, NULL, NULL, m.id
FROM bench_meet m WHERE m.grp = 'remove'
UNION ALL
SELECT 'young_person', '', '', '', '', 'attended', '', NULL, NULL, m.child_id, m.id
FROM bench_meet m WHERE m.grp = 'remove'
ORDER BY 11
"""

OUTCOMES = """
INSERT INTO meetings_planoutcome (headline, description, created_at, meeting_id, plan_id)
SELECT 'health', 'An outcome the family wants (invented).',
    (m.day + time '11:30') AT TIME ZONE %(zone)s, m.id, m.id
FROM bench_meet m WHERE m.planned ORDER BY m.id
"""

ACTIONS = """
INSERT INTO meetings_planaction (what, owner_kind, owner_name, due_on, status, not_done_reason,
    entered_in_error, error_reason, created_at, updated_at, agency_id, created_by_id, meeting_id,
    owner_id, owner_parent_id, owner_young_person_id, service_id, outcome_id, plan_id)
SELECT 'An action agreed at the meeting (invented).', 'practitioner', '', m.day + 60,
    CASE WHEN m.closed THEN 'done' ELSE 'in_progress' END, '', false, '',
    (m.day + time '11:30') AT TIME ZONE %(zone)s, %(now)s, NULL, st.user_id, m.id, st.user_id,
    NULL, NULL, NULL, o.id, m.id
FROM bench_meet m JOIN bench_staff st ON st.n = 1 + mod(m.child_id * 7 + 1, %(staff)s)
JOIN meetings_planoutcome o ON o.plan_id = m.id
WHERE m.planned ORDER BY m.id
"""

ACTION_CHILDREN = """
INSERT INTO meetings_planaction_children (planaction_id, child_id)
SELECT a.id, m.child_id FROM meetings_planaction a JOIN bench_meet m ON m.id = a.plan_id
ORDER BY a.id
"""

# Holds standing on the first ``held_*`` of each due group in a random order, lifted ones on
# the next ``lifted_*``, and a few standing on records not due.
HOLDS = """
INSERT INTO children_legalhold (reason, set_at, lifted_at, lift_reason, child_id, lifted_by_id,
    set_by_id)
SELECT 'Litigation about the family (invented).',
    %(now)s - CASE WHEN lifted THEN 400 ELSE 30 + mod(id, 300) END * interval '1 day',
    CASE WHEN lifted THEN %(now)s - interval '100 days' END,
    CASE WHEN lifted THEN 'The claim was settled (invented).' ELSE '' END, id,
    CASE WHEN lifted THEN %(central)s::bigint END, %(central)s::bigint
FROM (
    SELECT id,
        (grp = 'remove' AND rn > %(held_remove)s) OR (grp = 'archive' AND rn > %(held_archive)s)
            AS lifted
    FROM (SELECT id, grp, row_number() OVER (PARTITION BY grp ORDER BY random()) AS rn
          FROM bench_child WHERE grp IN ('remove', 'archive', 'live')) s
    WHERE (grp = 'remove' AND rn <= %(held_remove)s + %(lifted_remove)s)
        OR (grp = 'archive' AND rn <= %(held_archive)s + %(lifted_archive)s)
        OR (grp = 'live' AND rn <= %(held_live)s)
) x
ORDER BY id
"""

BREAK_GLASS = """
INSERT INTO children_breakglass (category, reason, created_at, expires_at, user_id, child_id)
SELECT 'safeguarding', 'Safeguarding concern out of hours (invented).',
    %(now)s - interval '2 hours', %(now)s + interval '22 hours', st.user_id, c.id
FROM bench_child c JOIN bench_staff st ON st.n = 1 + mod(c.id * 11, %(staff)s)
WHERE grp IN ('live', 'archive') AND r_glass < 0.01
"""

# What the retention run must do: each due record, whether a hold stands on it, and the scans
# of those due to be removed.
EXPECTED = """
SELECT c.id, c.grp, h.id IS NOT NULL, a.scan_name
FROM bench_child c
LEFT JOIN children_legalhold h ON h.child_id = c.id AND h.lifted_at IS NULL
LEFT JOIN consent_agreement a ON a.child_id = c.id AND a.scan_name <> ''
WHERE c.grp IN ('archive', 'remove')
"""

SEQUENCED = [
    "children_family",
    "children_child",
    "children_parentalresponsibility",
    "messaging_thread",
    "meetings_meeting",
    "meetings_supportplan",
]
TEMPORARY = ["bench_staff", "bench_plan", "bench_child", "bench_meet"]


def lisa_ref(pk: int) -> str:
    """The reference the build gives child ``pk``."""
    return f"L{pk:07d}{chr(65 + pk % 26)}"


@dataclass
class Expected:
    """What the record was built to hold on the run's day."""

    today: dt.date
    children: int
    archive: set[str] = field(default_factory=set)  # due to be archived (held or not)
    remove: set[str] = field(default_factory=set)  # due to be removed (held or not)
    held: set[str] = field(default_factory=set)  # due, with a hold standing
    scans: dict[str, str] = field(default_factory=dict)  # reference -> scan of those to remove

    @property
    def archived(self) -> set[str]:
        return self.archive - self.held

    @property
    def removed(self) -> set[str]:
        return self.remove - self.held


class Tally:
    """Counts the queries the connection makes and the time spent waiting for them."""

    def __init__(self) -> None:
        self.queries = 0
        self.seconds = 0.0

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.queries += 1
            self.seconds += time.perf_counter() - started


class Phases:
    """The progress hook of ``apply_retention``, used as a stopwatch: it is called as each phase
    starts (removing, then archiving); what comes before is choosing the records."""

    def __init__(self, tally: Tally) -> None:
        self.tally = tally
        self.marks = [("choosing", time.perf_counter(), tally.queries, tally.seconds)]

    def __call__(self, label: str, total: int):
        self.marks.append(
            (label.lower(), time.perf_counter(), self.tally.queries, self.tally.seconds)
        )
        return lambda done: None

    def end(self) -> list[tuple[str, float, int, float]]:
        """Each phase: its name, seconds, queries and seconds waiting for the database."""
        marks = [*self.marks, ("", time.perf_counter(), self.tally.queries, self.tally.seconds)]
        return [
            (name, t1 - t0, q1 - q0, d1 - d0)
            for (name, t0, q0, d0), (_, t1, q1, d1) in pairwise(marks)
        ]


@dataclass
class Pass:
    report: Report
    seconds: float
    phases: list[tuple[str, float, int, float]]
    queries: int
    database_seconds: float


class Command(BaseCommand):
    help = (
        "Build a large invented record with about 5% of it due for archiving or removal, in a "
        "database of its own, and time apply_retention on it (a dry run, then a real run)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--children", type=int, default=300_000)
        parser.add_argument(
            "--batch-size", type=int, default=500, help="records archived per transaction"
        )
        parser.add_argument(
            "--database",
            default="lisa_benchmark_retention",
            help="the database to build in; its name must contain 'benchmark' or start with "
            "'test_', so that a real record is never emptied",
        )
        parser.add_argument("--seed", type=float, default=0.2026)

    def handle(self, *args, **options):
        self.verbosity = options["verbosity"]
        name = options["database"]
        if "benchmark" not in name and not name.startswith("test_"):
            raise CommandError(
                "The benchmark empties the database it builds in: name one containing "
                "'benchmark' (or a test database)."
            )
        if options["children"] < 1000:
            raise CommandError("Build at least 1,000 children (so that every group has some).")
        if options["batch_size"] < 1:
            raise CommandError("The batch size must be at least 1.")
        if not -1 <= options["seed"] <= 1:
            raise CommandError("The seed is a number from -1 to 1 (PostgreSQL's setseed).")
        use_database(name, self.stdout)
        expected = self._build(options["children"], options["seed"])
        self._measure(expected, options["batch_size"])

    # --- the database -------------------------------------------------------------------------

    def _step(self, label: str, sql: str, params: dict) -> int:
        return load_step(self, label, sql, params)

    def _build(self, children: int, seed: float) -> Expected:
        started = time.perf_counter()
        self.stdout.write(f"Building the invented record ({children:,} children)…")
        with transaction.atomic():
            with connection.cursor() as cursor:
                # No foreign-key or append-only triggers while loading (the rows are consistent
                # by construction; CHECK constraints still apply), and the same record from the
                # same seed.
                cursor.execute("SET session_replication_role = replica")
                cursor.execute("SET LOCAL work_mem = '256MB'")
                cursor.execute(TRUNCATE)
                cursor.execute("SELECT setseed(%s)", [seed])
                for table in TEMPORARY:
                    cursor.execute(f"DROP TABLE IF EXISTS {table}")
            params = self._people(children)
            step = self._step
            step("plan", PLAN, params)
            step("dates", DATES, params)
            step("families", FAMILIES, params)
            step("children", CHILDREN, params)
            step("involvements", INVOLVEMENTS, params)
            step("concerns", CONCERNS, params)
            step("concern categories", CATEGORIES, params)
            step("concern history", CHANGES, params)
            step("parents", PARENTS, params)
            step("threads", THREADS, params)
            step("participants", PARTICIPANTS, params)
            step("messages", MESSAGES, params)
            step("agreements", AGREEMENTS, params)
            step("meeting plan", MEETING_PLAN, params)
            step("meetings", MEETINGS, params)
            step("meetings' children", MEETING_CHILDREN, params)
            step("meetings' concerns", MEETING_CONCERNS, params)
            step("support plans", PLANS, params)
            step("plans' children", PLAN_CHILDREN, params)
            step("invitees", INVITEES, params)
            step("plan outcomes", OUTCOMES, params)
            step("plan actions", ACTIONS, params)
            step("actions' children", ACTION_CHILDREN, params)
            step("legal holds", HOLDS, params)
            step("break-glass grants", BREAK_GLASS, params)
            expected = Expected(today=params["today"], children=children)
            with connection.cursor() as cursor:
                cursor.execute(EXPECTED)
                for pk, group, held, scan in cursor.fetchall():
                    ref = lisa_ref(pk)
                    (expected.archive if group == "archive" else expected.remove).add(ref)
                    if held:
                        expected.held.add(ref)
                    if scan:
                        expected.scans[ref] = scan
                for table in SEQUENCED:
                    # The table names are this module's own (SEQUENCED), never input.
                    cursor.execute(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                        f"(SELECT coalesce(max(id), 0) + 1 FROM {table}), false)"
                    )
                for table in TEMPORARY:
                    cursor.execute(f"DROP TABLE {table}")
                cursor.execute("SET session_replication_role = DEFAULT")
        with connection.cursor() as cursor:
            # A live database is vacuumed by autovacuum; a fresh load is not yet.
            cursor.execute("ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE")
        self.stdout.write(f"Built in {time.perf_counter() - started:.1f} s.")
        return expected

    def _people(self, children: int) -> dict:
        """Agencies and their people (a few dozen rows: made with the ORM), and the numbers
        the SQL needs."""
        today = timezone.localdate()
        agencies = Agency.objects.bulk_create(
            Agency(name=name, agency_type=kind) for name, kind, _ in AGENCIES
        )
        people = [
            User(
                username=f"bench.retention.{agency.pk}.{n}",
                password="!",  # unusable: nobody signs in as them
                first_name=FORENAMES[(agency.pk * 5 + n) % len(FORENAMES)],
                last_name=SURNAMES[(agency.pk * 3 + n * 7) % len(SURNAMES)],
                email=f"bench.retention.{agency.pk}.{n}@example.org",
                agency=agency,
                roles=[Role.PRACTITIONER],
                job_title="Practitioner",
                training_date=today,
            )
            for agency, (_, _, count) in zip(agencies, AGENCIES, strict=True)
            for n in range(1, count + 1)
        ]
        central = User(
            username=CENTRAL_USERNAME,
            password="!",
            first_name="Robin",
            last_name="Benchmark",
            email="benchmark.retention.central@example.org",
            agency=agencies[-1],
            roles=[Role.CENTRAL_TEAM],
            training_date=today,
        )
        User.objects.bulk_create([*people, central])
        with connection.cursor() as cursor:
            cursor.execute(STAFF)
            cursor.execute("SELECT count(*) FROM bench_staff")
            staff = cursor.fetchone()[0]
        sizes = {group: round(children * share) for group, share in SHARES}
        bounds, upto = {}, 0
        for group, _ in SHARES:
            upto += sizes[group]
            bounds[f"upto_{group}"] = upto
        held = max(2, round(children * HELD_SHARE))
        held_remove = max(1, round(held * sizes["remove"] / (sizes["remove"] + sizes["archive"])))
        held_archive = held - held_remove
        return {
            "children": children,
            **bounds,
            "today": today,
            "now": timezone.now(),
            "zone": settings.TIME_ZONE,
            # Eighteen years before the run's day: born after it, not yet of age.
            "adult": today - relativedelta(years=SCHEDULE.archive_age),
            "staff": staff,
            "central": User.objects.get(username=CENTRAL_USERNAME).pk,
            "forenames": FORENAMES,
            "surnames": SURNAMES,
            "categories": list(Category.objects.order_by("position").values_list("pk", flat=True)),
            "held_remove": held_remove,
            "held_archive": held_archive,
            "lifted_remove": max(1, held_remove // 3),
            "lifted_archive": max(1, held_archive // 3),
            "held_live": max(1, held // 5),
        }

    # --- the measurements ---------------------------------------------------------------------

    def _measure(self, expected: Expected, batch_size: int) -> None:
        today = expected.today
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            server = cursor.fetchone()[0]
        self.stdout.write(
            f"Python {platform.python_version()}, PostgreSQL {server}, {os.cpu_count()} CPUs "
            f"(load average {os.getloadavg()[0]:.1f}), debug {'on' if settings.DEBUG else 'off'}; "
            f"applying the schedule as on {today:%-d %B %Y}, archiving {batch_size} records a "
            "transaction."
        )
        media = tempfile.mkdtemp(prefix="lisa-benchmark-retention-")
        try:
            with override_settings(MEDIA_ROOT=media):
                folder = Path(media) / SCAN_FOLDER
                folder.mkdir()
                for name in expected.scans.values():
                    (folder / name).write_bytes(b"%PDF-1.4\n% an invented scan\n")
                before = self._snapshot()
                rss_before = _peak_rss_mb()
                dry = self._run(today, dry_run=True, batch_size=batch_size)
                if self._snapshot() != before:
                    raise CommandError("The dry run changed the record.")
                run_started = timezone.now()
                real = self._run(today, dry_run=False, batch_size=batch_size)
                rss_after = _peak_rss_mb()
                problems = self._check(expected, dry, real, run_started, folder)
        finally:
            shutil.rmtree(media, ignore_errors=True)
        self._table(expected, dry, real, rss_before, rss_after)
        if problems:
            raise CommandError("The counts do not check out:\n- " + "\n- ".join(problems))
        self.stdout.write(
            "\nThe counts check out: every record due was archived or removed except those "
            "under a legal hold, nothing else was, and no removal failed."
        )

    def _run(self, today, *, dry_run: bool, batch_size: int) -> Pass:
        tally = Tally()
        phases = Phases(tally)
        with connection.execute_wrapper(tally):
            started = time.perf_counter()
            report = apply_retention(
                today, dry_run=dry_run, schedule=SCHEDULE, progress=phases, batch_size=batch_size
            )
            seconds = time.perf_counter() - started
        return Pass(report, seconds, phases.end(), tally.queries, tally.seconds)

    @staticmethod
    def _snapshot() -> tuple[int, int, int, int]:
        return (
            Child.objects.count(),
            Child.objects.filter(archived_at__isnull=False).count(),
            RemovedRecord.objects.count(),
            Involvement.objects.filter(ended_at__isnull=True).count(),
        )

    def _check(self, expected: Expected, dry: Pass, real: Pass, run_started, folder) -> list[str]:
        problems = []

        def same(label: str, got, want) -> None:
            got, want = set(got), set(want)
            if got != want:
                problems.append(
                    f"{label}: {len(got):,} rather than {len(want):,} "
                    f"(e.g. unexpected {sorted(got - want)[:3]}, missing {sorted(want - got)[:3]})"
                )

        want_files = sum(1 for ref in expected.removed if ref in expected.scans)
        for label, run in (("dry run", dry), ("run", real)):
            report = run.report
            same(f"{label}: archived", report.archived, expected.archived)
            same(f"{label}: removed", report.removed, expected.removed)
            same(f"{label}: held back", report.held, expected.held)
            if report.failed:
                problems.append(f"{label}: {len(report.failed)} removals failed")
            if report.files_removed != want_files:
                problems.append(
                    f"{label}: {report.files_removed} files removed rather than {want_files}"
                )
        # What the database holds afterwards.
        if Child.objects.count() != expected.children - len(expected.removed):
            problems.append("children left: not the children built less those removed")
        same("tombstones", RemovedRecord.objects.values_list("lisa_ref", flat=True),
             expected.removed)  # fmt: skip
        same(
            "records archived by the run",
            Child.objects.filter(archived_at__gte=run_started).values_list("lisa_ref", flat=True),
            expected.archived,
        )
        archived_today = Child.objects.filter(archived_at__gte=run_started)
        if Involvement.objects.filter(child__in=archived_today, ended_at__isnull=True).exists():
            problems.append("an involvement of a record archived is still open")
        if BreakGlass.objects.current().filter(child__in=archived_today).exists():
            problems.append("a break-glass grant on a record archived is still current")
        held = Child.objects.filter(lisa_ref__in=expected.held)
        if held.count() != len(expected.held) or held.filter(archived_at__gte=run_started).exists():
            problems.append("a record under a legal hold was archived or removed")
        if LegalHold.objects.filter(lifted_at__isnull=True).count() < len(expected.held):
            problems.append("a standing legal hold went")
        # Every meeting and plan built was about one child: none is left without one.
        if Meeting.objects.filter(children__isnull=True).exists():
            problems.append("a meeting of a removed record is left")
        if SupportPlan.objects.filter(children__isnull=True).exists():
            problems.append("a support plan of a removed record is left")
        left = {path.name for path in folder.iterdir()}
        gone = {name for ref, name in expected.scans.items() if ref in expected.removed}
        if left & gone:
            problems.append(f"{len(left & gone)} scans of removed records are still on disk")
        if left != set(expected.scans.values()) - gone:
            problems.append("a scan of a record not removed was deleted")
        return problems

    def _table(self, expected: Expected, dry: Pass, real: Pass, rss_before, rss_after) -> None:
        events = AuditEvent.objects.filter(detail__has_any_keys=["archived", "removed"]).count()
        history = LogEntry.objects.filter(action=LogEntry.Action.DELETE).count()

        def phase(run: Pass, name: str) -> str:
            for label, seconds, queries, waited in run.phases:
                if label == name:
                    return (
                        f"{seconds:,.1f} s ({queries:,} queries, {waited:,.1f} s in the database)"
                    )
            return "–"

        rows = [
            ("children", f"{expected.children:,}", ""),
            ("due to be archived", f"{len(expected.archive):,}", ""),
            ("due to be removed", f"{len(expected.remove):,}", ""),
            (
                "held back by a legal hold",
                f"{len(dry.report.held):,}",
                f"{len(real.report.held):,}",
            ),
            ("archived", f"{len(dry.report.archived):,}", f"{len(real.report.archived):,}"),
            ("removed", f"{len(dry.report.removed):,}", f"{len(real.report.removed):,}"),
            ("files removed", f"{dry.report.files_removed:,}", f"{real.report.files_removed:,}"),
            ("removals failed", f"{len(dry.report.failed):,}", f"{len(real.report.failed):,}"),
            ("wall time", f"{dry.seconds:,.1f} s", f"{real.seconds:,.1f} s"),
            ("– choosing the records", phase(dry, "choosing"), phase(real, "choosing")),
            ("– removing", phase(dry, "removing"), phase(real, "removing")),
            ("– archiving", phase(dry, "archiving"), phase(real, "archiving")),
            ("queries", f"{dry.queries:,}", f"{real.queries:,}"),
            (
                "time waiting for the database",
                f"{dry.database_seconds:,.1f} s",
                f"{real.database_seconds:,.1f} s",
            ),  # fmt: skip
            ("records a second", _throughput(dry), _throughput(real)),
            ("removed a second", _rate(dry, "removing"), _rate(real, "removing")),
            ("archived a second", _rate(dry, "archiving"), _rate(real, "archiving")),
            ("audit events written", "", f"{events:,}"),
            ("field-history entries written", "", f"{history:,}"),
            (
                "peak RSS of the process",
                f"{rss_before:,.0f} MB before the runs",
                f"{rss_after:,.0f} MB",
            ),  # fmt: skip
        ]
        self.stdout.write("\n| | dry run | run |\n|---|---|---|")
        for label, first, second in rows:
            self.stdout.write(f"| {label} | {first} | {second} |")


def _throughput(run: Pass) -> str:
    done = len(run.report.archived) + len(run.report.removed)
    return f"{done / run.seconds:,.0f}"


def _rate(run: Pass, name: str) -> str:
    """Records a second in the phase ``name`` (removing or archiving)."""
    records = run.report.removed if name == "removing" else run.report.archived
    for label, seconds, _, _ in run.phases:
        if label == name and seconds > 0:
            return f"{len(records) / seconds:,.0f}"
    return "–"


def _peak_rss_mb() -> float:
    """The process's peak resident set so far (Linux reports kilobytes)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
