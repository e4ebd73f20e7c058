"""Measure the figures pages and their CSVs on a large invented record.

    LISA_DB_ROLE=superuser python manage.py benchmark_figures          # the sizes of the target
    LISA_DB_ROLE=superuser python manage.py benchmark_figures --runs 50 --rebuild

The record is built in its own database (``lisa_benchmark_figures`` by default, on the same
server) with set-based SQL (INSERT … SELECT over generate_series), and kept for the next run;
``--rebuild`` starts it again. By default: 30 agencies of every type (three of them sensitive
services) and about 550 practitioners; 300,000 children across the borough's postcode sectors,
some shielded; 1,000,000 concerns over five years with their categories and their history
(logged, changed to "meeting requested", resolved or closed, re-opened, entered in error);
100,000 Family Support Meetings with their children, concerns and invitees (with attendance);
50,000 support plans with outcomes and actions (some overdue); involvements and lead
professionals; 20,000 alerts; 1,000,000 audit events; and the field history of children's
status. Creating a database and loading with triggers off need a superuser, hence the role.

Then, in-process through the whole middleware stack, signed in as a central-team user and as
a designated officer of the largest agency, it requests each section's page for the default
twelve months: once first (the charts are drawn then and cached per process, so a first view
is slower) and ``--runs`` times more, reporting the median and p95; and each figure's CSV
``--csv-runs`` times, reporting the slowest. Targets: page p95 <= 1 s, any CSV <= 2 s.
"""

from __future__ import annotations

import os
import platform
import re
import statistics
import time

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.test import Client
from django.utils import timezone

from children.models import Child
from concerns.models import Category
from directory.areas import SECTOR_WARDS
from figures import views  # noqa: F401  (registers every section's figures)
from figures.base import SECTION_TITLES, SECTIONS
from figures.scope import default_range
from lisa.benchmarking import load_step, use_database
from lisa.models import Agency, AgencyType, Role, User

PAGE_TARGET_MS = 1000
CSV_TARGET_MS = 2000
DAYS = 5 * 365 + 1  # five years of concerns
INVENTED = "invented"  # marks the invented audit events, told apart from the runs' own

# (name, type, sensitive service, practitioners): invented agencies of every type.
AGENCIES = [
    ("Riverside Health Visiting", AgencyType.HEALTH, False, 60),
    ("Northgate School Nursing", AgencyType.HEALTH, False, 25),
    ("Eastfield Hospital Paediatrics", AgencyType.HEALTH, False, 30),
    ("Brookside Medical Practice", AgencyType.HEALTH, False, 15),
    ("Harbour Child and Adolescent Mental Health", AgencyType.HEALTH, True, 20),
    ("Willowbank Sexual Health Clinic", AgencyType.HEALTH, True, 8),
    ("Fernlea Drug and Alcohol Service", AgencyType.HEALTH, True, 8),
    ("Oakfield Primary School", AgencyType.EDUCATION, False, 25),
    ("Ashgrove Primary School", AgencyType.EDUCATION, False, 20),
    ("Hollybrook Secondary School", AgencyType.EDUCATION, False, 30),
    ("Kingfisher Academy", AgencyType.EDUCATION, False, 30),
    ("Maple Lane Nursery", AgencyType.EDUCATION, False, 10),
    ("Larkspur Primary School", AgencyType.EDUCATION, False, 20),
    ("Millbrook Sixth Form College", AgencyType.EDUCATION, False, 15),
    ("Education Welfare Service", AgencyType.EDUCATION, False, 15),
    ("Children's Social Care Front Door", AgencyType.SOCIAL_CARE, False, 30),
    ("Early Help Family Service", AgencyType.SOCIAL_CARE, False, 40),
    ("Police Child Safeguarding Team", AgencyType.POLICE, False, 20),
    ("Youth Justice Service", AgencyType.YOUTH_OFFENDING, False, 15),
    ("Housing Options Service", AgencyType.HOUSING, False, 12),
    ("Greenway Housing Association", AgencyType.HOUSING, False, 10),
    ("Bridge Family Support", AgencyType.VOLUNTARY, False, 15),
    ("Lantern Young Carers", AgencyType.VOLUNTARY, False, 8),
    ("Open Door Food Bank", AgencyType.VOLUNTARY, False, 6),
    ("Haven Domestic Abuse Service", AgencyType.VOLUNTARY, False, 10),
    ("Stepping Stones Parenting Project", AgencyType.VOLUNTARY, False, 10),
    ("Kite Youth Club", AgencyType.VOLUNTARY, False, 8),
    ("Libraries and Leisure", AgencyType.OTHER, False, 6),
    ("Adult Learning Service", AgencyType.OTHER, False, 6),
    ("LISA Central Team", AgencyType.OTHER, False, 0),
]
CENTRAL_USERNAME = "benchmark.central"
FORENAMES = (
    "Oliver Amelia George Olivia Harry Isla Noah Ava Jack Mia Leo Ivy Arthur Freya Lily Oscar "
    "Ayaan Aisha Yusuf Fatima Kwame Ama Kofi Abena Chidi Ngozi Tobi Segun Shanice Jayden Kai "
    "Mateusz Zuzanna Andrei Ioana Luca Giulia Elif Emre Linh Minh Wei Mei Priya Arjun Niamh "
    "Connor Rhys Seren Ewan Hannah Samuel Chloe Ella Mason Zara Maya Nia"
).split()
SURNAMES = (
    "Smith Jones Williams Taylor Brown Davies Evans Wilson Thomas Roberts Walker White Green "
    "Hall Lewis Harris Clarke Patel Jackson Wood Turner Cooper Hill Ward Morris King Baker Khan "
    "Singh Begum Ali Hussain Rahman Okafor Adeyemi Mensah Asante Boateng Owusu Campbell Reid "
    "Grant Francis Nowak Kowalski Popescu Rossi Yilmaz Nguyen Chen Wang Sharma Gupta Byrne Quinn"
).split()
# Sectors outside the ward table (their children count under the postcode district) and
# outside the borough.
OTHER_SECTORS = ["SE13 9", "SE10 8", "SE9 6", "SE4 9", "SE15 3", "BR3 1", "SE5 7", "CR0 2"]

# --- the build, in SQL ----------------------------------------------------------------------------
# Each statement is one INSERT … SELECT. Random numbers are drawn in an inner subquery, which
# PostgreSQL evaluates once a row (a subquery with volatile functions is never flattened), so
# that every use of a draw in the outer query sees the same value. Rows that a live database
# gains day by day (children, concerns and their history, alerts, audit events) are written
# in time order, as they would lie on disk: a period's rows are then near one another.

TRUNCATE = """
TRUNCATE lisa_agency, lisa_user, children_child, children_involvement, concerns_concern,
    concerns_concern_categories, concerns_concernchange, meetings_meeting,
    meetings_meeting_children, meetings_meeting_concerns, meetings_invitee, meetings_supportplan,
    meetings_supportplan_children, meetings_planoutcome, meetings_planaction,
    meetings_planaction_children, audit_alert, audit_auditevent, auditlog_logentry,
    lisa_session
RESTART IDENTITY CASCADE
"""

# Practitioners numbered 1..n with the agencies interleaved, so that consecutive numbers are
# people of different agencies (a meeting invites a run of them).
STAFF = """
CREATE TEMP TABLE bench_staff AS
SELECT row_number() OVER (ORDER BY rank_in_agency, agency_id)::int AS n, id AS user_id, agency_id
FROM (
    SELECT id, agency_id, row_number() OVER (PARTITION BY agency_id ORDER BY id) AS rank_in_agency
    FROM lisa_user WHERE 'practitioner' = ANY(roles)
) s
"""

CHILDREN = """
INSERT INTO children_child (id, lisa_ref, forenames, surname, other_names, date_of_birth, gender,
    address_line_1, address_line_2, town, postcode, postcode_district, nhs_number, upn, school,
    first_language, interpreter_needed, shielded, status, merged_at, merged_into_id, search_keys,
    created_at, updated_at)
SELECT g, 'L' || lpad(g::text, 7, '0') || chr(65 + mod(g, 26)::int),
    (%(forenames)s::text[])[1 + floor(r1 * cardinality(%(forenames)s::text[]))::int],
    (%(surnames)s::text[])[1 + floor(r2 * cardinality(%(surnames)s::text[]))::int], '',
    %(today)s::date - floor(r3 * 6650)::int,
    CASE WHEN r4 < 0.49 THEN 'female' WHEN r4 < 0.98 THEN 'male' WHEN r4 < 0.99 THEN 'other'
         ELSE 'not_known' END,
    CASE WHEN postcode = '' THEN '' ELSE (1 + floor(r4 * 180))::int || ' Example Road' END, '',
    'London', postcode, split_part(postcode, ' ', 1), '', '', '', 'English', false, r5 < 0.02,
    CASE WHEN r6 < 0.86 THEN 'active' WHEN r6 < 0.93 THEN 'moved_out' WHEN r6 < 0.98 THEN 'closed'
         ELSE 'archived' END,
    CASE WHEN g > 1 AND mod(g, 997) = 0 THEN created_at + interval '1 day' END,
    CASE WHEN g > 1 AND mod(g, 997) = 0 THEN g - 1 END,
    '{}', created_at, %(now)s
FROM (
    SELECT g, r1, r2, r3, r4, r5, r6,
        %(now)s - (%(children)s - g + r7) / %(children)s * interval '2190 days' AS created_at,
        CASE WHEN r8 < 0.02 THEN ''
             WHEN r8 < 0.90 THEN (%(sectors)s::text[])
                      [1 + floor(r9 * cardinality(%(sectors)s::text[]))::int]
                  || substr('ABDEFGHJLNPQRSTUWXYZ', 1 + floor(r10 * 20)::int, 1)
                  || substr('ABDEFGHJLNPQRSTUWXYZ', 1 + floor(r11 * 20)::int, 1)
             ELSE (%(other_sectors)s::text[])
                      [1 + floor(r9 * cardinality(%(other_sectors)s::text[]))::int]
                  || substr('ABDEFGHJLNPQRSTUWXYZ', 1 + floor(r10 * 20)::int, 1)
                  || substr('ABDEFGHJLNPQRSTUWXYZ', 1 + floor(r11 * 20)::int, 1)
        END AS postcode
    FROM (
        SELECT g, random() r1, random() r2, random() r3, random() r4, random() r5, random() r6,
            random() r7, random() r8, random() r9, random() r10, random() r11
        FROM generate_series(1, %(children)s) g
    ) draws
) s
"""

# Levels 1–4 (30/35/25/10%); the outcome depends on the level (a level 4 concern is always
# referred); resolved concerns are closed, and so are most of the others after a while.
CONCERNS = """
INSERT INTO concerns_concern (id, child_id, raised_by_id, agency_id, date, level, what_was_seen,
    discussed_with_parent, not_discussed_reason, action_agreed, outcome, status, closed_at,
    entered_in_error, error_reason, created_at, updated_at)
SELECT id, child_id, user_id, agency_id, date, level, 'What was seen (invented).',
    r_discussed >= 0.1, CASE WHEN r_discussed < 0.1 THEN 'The parent could not be reached.'
                             ELSE '' END,
    'What was agreed (invented).', outcome,
    CASE WHEN closed THEN 'closed' ELSE 'open' END,
    CASE WHEN closed THEN greatest(created_at, least(%(now)s,
        ((date + close_after)::timestamp + interval '16 hours') AT TIME ZONE %(zone)s)) END,
    r_error < 0.01, CASE WHEN r_error < 0.01 THEN 'Logged about the wrong child.' ELSE '' END,
    created_at, %(now)s
FROM (
    SELECT *,
        outcome = 'resolved_in_agency'
            OR (date + close_after + 30 < %(today)s::date AND r_open >= 0.05) AS closed
    FROM (
        SELECT *,
            CASE level
                WHEN 1 THEN CASE WHEN r_outcome < 0.7 THEN 'resolved_in_agency'
                                 ELSE 'multi_agency' END
                WHEN 2 THEN CASE WHEN r_outcome < 0.45 THEN 'resolved_in_agency'
                                 WHEN r_outcome < 0.86 THEN 'multi_agency'
                                 WHEN r_outcome < 0.93 THEN 'meeting_requested'
                                 ELSE 'social_care' END
                WHEN 3 THEN CASE WHEN r_outcome < 0.15 THEN 'resolved_in_agency'
                                 WHEN r_outcome < 0.52 THEN 'multi_agency'
                                 WHEN r_outcome < 0.70 THEN 'meeting_requested'
                                 WHEN r_outcome < 0.92 THEN 'social_care'
                                 ELSE 'child_protection' END
                ELSE CASE WHEN r_outcome < 0.6 THEN 'social_care' ELSE 'child_protection' END
            END AS outcome,
            least(%(now)s, ((date::timestamp + interval '9 hours' + r_time * interval '8 hours')
                AT TIME ZONE %(zone)s)) AS created_at
        FROM (
            SELECT g AS id, 1 + floor(r_child * %(children)s)::int AS child_id, st.user_id,
                st.agency_id,
                %(today)s::date - %(days)s + 1
                    + floor((g - 1 + r_date) * %(days)s / %(concerns)s)::int AS date,
                CASE WHEN r_level < 0.30 THEN 1 WHEN r_level < 0.65 THEN 2
                     WHEN r_level < 0.90 THEN 3 ELSE 4 END AS level,
                1 + floor(r_close * 120)::int AS close_after,
                r_outcome, r_discussed, r_error, r_open, r_time
            FROM (
                SELECT g, random() r_child, random() r_staff, random() r_date, random() r_level,
                    random() r_outcome, random() r_close, random() r_discussed, random() r_error,
                    random() r_open, random() r_time
                FROM generate_series(1, %(concerns)s) g
            ) draws
            JOIN bench_staff st ON st.n = 1 + floor(r_staff * %(staff)s)::int
        ) s1
    ) s2
) s3
"""

# One category for every concern, a second (different) one for three in ten; the list is
# skewed so that some categories are much commoner than others, as in life.
CATEGORIES = """
WITH drawn AS MATERIALIZED (
    SELECT id, floor(power(random(), 1.6) * cardinality(%(categories)s::bigint[]))::int AS first,
        random() AS r_second, random() AS r_other
    FROM concerns_concern
)
INSERT INTO concerns_concern_categories (concern_id, category_id)
SELECT id, (%(categories)s::bigint[])[1 + first] FROM drawn
UNION ALL
SELECT id, (%(categories)s::bigint[])
    [1 + mod(first + 1 + floor(r_other * (cardinality(%(categories)s::bigint[]) - 1))::int,
             cardinality(%(categories)s::bigint[]))]
FROM drawn WHERE r_second < 0.3
ORDER BY 1
"""

# The history: logged; for half the "meeting requested" concerns, logged as a multi-agency
# discussion and changed to a meeting request a few days later; resolved or closed; one closed
# concern in 97 closed, re-opened and closed again; and the corrections.
CHANGES = """
INSERT INTO concerns_concernchange (at, kind, from_level, to_level, from_outcome, to_outcome,
    from_status, to_status, note, by_id, concern_id)
SELECT created_at, 'logged', NULL, level, '',
    CASE WHEN outcome = 'meeting_requested' AND mod(id, 2) = 1 THEN 'multi_agency'
         ELSE outcome END,
    '', 'open', '', raised_by_id, id
FROM concerns_concern
UNION ALL
SELECT least(%(now)s, created_at + (1 + mod(id, 7)) * interval '1 day'), 'changed', level, level,
    'multi_agency', 'meeting_requested', 'open', 'open', '', raised_by_id, id
FROM concerns_concern WHERE outcome = 'meeting_requested' AND mod(id, 2) = 1
UNION ALL
SELECT closed_at, CASE WHEN outcome = 'resolved_in_agency' THEN 'resolved' ELSE 'closed' END,
    level, level, outcome, outcome, 'open', 'closed', '', raised_by_id, id
FROM concerns_concern WHERE status = 'closed'
UNION ALL
SELECT closed_at - step * interval '1 day', kind, level, level, outcome, outcome, from_status,
    to_status, 'Invented change.', raised_by_id, id
FROM concerns_concern,
    (VALUES (2, 'closed', 'open', 'closed'), (1, 'reopened', 'closed', 'open'))
        AS v(step, kind, from_status, to_status)
WHERE status = 'closed' AND mod(id, 97) = 0 AND closed_at > created_at + interval '3 days'
UNION ALL
SELECT least(%(now)s, created_at + interval '1 day'), 'entered_in_error', level, level, outcome,
    outcome, status, status, error_reason, raised_by_id, id
FROM concerns_concern WHERE entered_in_error
ORDER BY 1
"""

# Concerns whose outcome became "meeting requested", in a random order, with the local date it
# first did (as the figures read it).
REQUESTS = """
CREATE TEMP TABLE bench_requests AS
SELECT row_number() OVER (ORDER BY random())::int AS rn, c.id AS concern_id, c.child_id,
    (r.requested_at AT TIME ZONE %(zone)s)::date AS requested_on
FROM (
    SELECT concern_id, min(at) AS requested_at FROM concerns_concernchange
    WHERE to_outcome = 'meeting_requested' GROUP BY concern_id
) r
JOIN concerns_concern c ON c.id = r.concern_id
WHERE NOT c.entered_in_error
"""

# The first meeting of the first ``initial`` requests, 3–47 days after the request; held if
# its date has passed. The first ``plans`` held ones start a support plan.
INITIAL = """
CREATE TEMP TABLE bench_initial AS
SELECT rn AS meeting_id, concern_id, child_id, date, held,
    CASE WHEN held AND row_number() OVER (PARTITION BY held ORDER BY rn) <= %(plans)s
         THEN row_number() OVER (PARTITION BY held ORDER BY rn) END::int AS plan_id
FROM (
    SELECT rn, concern_id, child_id, date, date < %(today)s::date AS held
    FROM (SELECT rn, concern_id, child_id, requested_on + 3 + floor(random() * 45)::int AS date
          FROM bench_requests WHERE rn <= %(initial)s) s
) s
"""

# A plan lasts three months to nearly two years; one ending before today is closed, for a
# reason (mostly outcomes met). The lead professional also starts it.
PLANS = """
INSERT INTO meetings_supportplan (id, status, closed_at, closure_reason, closure_text,
    entered_in_error, error_reason, created_at, updated_at, closed_by_id, created_by_id, lead_id,
    closure_agreed_by_id)
SELECT plan_id, CASE WHEN closed THEN 'closed' ELSE 'open' END,
    CASE WHEN closed THEN (close_on::timestamp + interval '15 hours') AT TIME ZONE %(zone)s END,
    CASE WHEN NOT closed THEN ''
         WHEN r_reason < 0.45 THEN 'outcomes_met' WHEN r_reason < 0.65 THEN 'stepped_down'
         WHEN r_reason < 0.77 THEN 'stepped_up' WHEN r_reason < 0.87 THEN 'moved'
         WHEN r_reason < 0.95 THEN 'withdrew' ELSE 'other' END,
    CASE WHEN closed AND r_reason >= 0.95 THEN 'The family asked to end the plan.' ELSE '' END,
    mod(plan_id, 331) = 0, CASE WHEN mod(plan_id, 331) = 0 THEN 'Recorded twice.' ELSE '' END,
    (date::timestamp + interval '11 hours 30 minutes') AT TIME ZONE %(zone)s, %(now)s,
    CASE WHEN closed THEN st.user_id END, st.user_id, st.user_id, NULL
FROM (
    SELECT plan_id, date, close_on, close_on < %(today)s::date AS closed, r_reason, r_lead
    FROM (SELECT plan_id, date, date + 90 + floor(random() * 540)::int AS close_on,
                 random() r_reason, random() r_lead
          FROM bench_initial WHERE plan_id IS NOT NULL) s
) s
JOIN bench_staff st ON st.n = 1 + floor(r_lead * %(staff)s)::int
"""

# Every meeting, before it is written: the initial meetings, a closing meeting for some closed
# plans, and review meetings of random plans between their start and their end (or two months
# from now: those are arranged, not yet held). ``base`` picks the run of practitioners
# invited, the first of whom chairs.
MEETING_PLAN = """
CREATE TEMP TABLE bench_meetings AS
SELECT meeting_id AS id, 'initial' AS kind, date, plan_id, concern_id, child_id
FROM bench_initial
UNION ALL
SELECT %(initial)s + row_number() OVER (ORDER BY random())::int, 'closing',
    (p.closed_at AT TIME ZONE %(zone)s)::date, p.id, NULL::bigint, b.child_id
FROM (SELECT * FROM meetings_supportplan WHERE status = 'closed' ORDER BY random()
      LIMIT %(closing)s) p
JOIN bench_initial b ON b.plan_id = p.id
UNION ALL
SELECT %(initial)s + %(closing)s + g, 'review',
    start_on + 42 + floor(r_date * greatest(1, end_on - start_on - 42))::int, p.id, NULL, b.child_id
FROM (SELECT g, 1 + floor(random() * %(plans)s)::int AS plan_id, random() AS r_date
      FROM generate_series(1, %(reviews)s) g) s
JOIN (SELECT id, (created_at AT TIME ZONE %(zone)s)::date AS start_on,
             coalesce((closed_at AT TIME ZONE %(zone)s)::date, %(today)s::date + 60) AS end_on
      FROM meetings_supportplan) p ON p.id = s.plan_id
JOIN bench_initial b ON b.plan_id = p.id
"""

MEETINGS = """
INSERT INTO meetings_meeting (id, kind, date, start_time, end_time, venue, joining,
    joining_details, prepared_on, prepared_by, parent_told_of_sharing,
    young_person_not_invited_reason, summary, strengths, family_views, status, held_recorded_at,
    next_review_on, record_sent_at, entered_in_error, error_reason, created_at, updated_at,
    chair_id, created_by_id, location_id, record_sent_by_id, plan_id, correction_reason)
SELECT m.id, m.kind, m.date, '10:00', '11:30', 'Family room, Riverside Children''s Centre',
    'in_person', '', NULL, '', true, '', CASE WHEN held THEN 'Invented summary.' ELSE '' END, '',
    '', CASE WHEN held THEN 'held' ELSE 'arranged' END,
    CASE WHEN held THEN (m.date::timestamp + interval '12 hours') AT TIME ZONE %(zone)s END,
    CASE WHEN held AND m.kind <> 'closing' THEN m.date + 42 END,
    CASE WHEN sent THEN (m.date::timestamp + interval '2 days 12 hours') AT TIME ZONE %(zone)s END,
    mod(m.id, 211) = 0, CASE WHEN mod(m.id, 211) = 0 THEN 'Arranged twice.' ELSE '' END,
    least(%(now)s, (m.date::timestamp - interval '14 days' + interval '9 hours')
        AT TIME ZONE %(zone)s),
    %(now)s, st.user_id, st.user_id, NULL, CASE WHEN sent THEN st.user_id END, m.plan_id, ''
FROM (
    SELECT *, date < %(today)s::date AS held, date + 2 < %(today)s::date AND mod(id, 10) > 0 AS sent
    FROM bench_meetings
) m
JOIN bench_staff st ON st.n = 1 + m.base
"""

# Three to eight practitioners a meeting, a run of ``bench_staff`` (so of different agencies);
# the first chairs and attends.
INVITEES = """
INSERT INTO meetings_invitee (kind, name, role, organisation, contact, attendance, substitute,
    parent_id, practitioner_id, young_person_id, meeting_id)
SELECT 'practitioner', '', 'Practitioner', '', '', attendance,
    CASE WHEN attendance = 'sent_someone' THEN 'A colleague from the same team' ELSE '' END,
    NULL, st.user_id, NULL, x.id
FROM (
    SELECT id, k, base,
        CASE WHEN status <> 'held' THEN ''
             WHEN k = 1 OR r < 0.68 THEN 'attended' WHEN r < 0.80 THEN 'apologies'
             WHEN r < 0.86 THEN 'sent_someone' ELSE 'did_not_attend' END AS attendance
    FROM (SELECT m.id, m.status, b.base, k, random() AS r
          FROM meetings_meeting m JOIN bench_meetings b ON b.id = m.id,
               generate_series(1, 3 + mod(m.id, 6)::int) k) s
) x
JOIN bench_staff st ON st.n = 1 + mod(x.base + x.k - 1, %(staff)s)
"""

OUTCOMES = """
INSERT INTO meetings_planoutcome (headline, description, created_at, meeting_id, plan_id)
SELECT (%(headlines)s::text[])[1 + floor(random() * cardinality(%(headlines)s::text[]))::int],
    'An outcome the family wants (invented).', p.created_at, b.meeting_id, p.id
FROM meetings_supportplan p JOIN bench_initial b ON b.plan_id = p.id,
    generate_series(1, 1 + mod(p.id, 4)::int) k
"""

# Two to six actions a plan, due two weeks to six months after it started; on open plans some
# whose date has passed are not done yet (overdue). One in seven is someone else's to do.
ACTIONS = """
INSERT INTO meetings_planaction (what, owner_kind, owner_name, due_on, status, not_done_reason,
    entered_in_error, error_reason, created_at, updated_at, agency_id, created_by_id, meeting_id,
    owner_id, owner_parent_id, owner_young_person_id, service_id, outcome_id, plan_id)
SELECT 'An action agreed at the meeting (invented).',
    CASE WHEN other THEN 'other' ELSE 'practitioner' END,
    CASE WHEN other THEN 'A family friend' ELSE '' END, due_on, status,
    CASE WHEN status = 'not_done' THEN 'There was no place on the course.' ELSE '' END,
    false, '', created_at, %(now)s,
    CASE WHEN other AND r_agency < 0.5
         THEN (%(voluntary)s::bigint[])
              [1 + floor(r_agency * 2 * cardinality(%(voluntary)s::bigint[]))::int]
    END,
    created_by_id, meeting_id, CASE WHEN NOT other THEN st.user_id END, NULL, NULL, NULL,
    o.outcome_id, s.plan_id
FROM (
    SELECT *,
        CASE WHEN plan_status = 'closed' THEN
                 CASE WHEN r_status < 0.85 THEN 'done' ELSE 'not_done' END
             WHEN due_on < %(today)s::date THEN
                 CASE WHEN r_status < 0.55 THEN 'done' WHEN r_status < 0.65 THEN 'not_done'
                      WHEN r_status < 0.82 THEN 'in_progress' ELSE 'not_started' END
             WHEN r_status < 0.5 THEN 'not_started' ELSE 'in_progress' END AS status
    FROM (
        SELECT p.id AS plan_id, p.status AS plan_status, p.created_at, p.created_by_id,
            b.meeting_id, (p.created_at AT TIME ZONE %(zone)s)::date + 14
                + floor(random() * 170)::int AS due_on,
            random() < 0.14 AS other, random() AS r_agency, random() AS r_status,
            random() AS r_owner
        FROM meetings_supportplan p JOIN bench_initial b ON b.plan_id = p.id,
            generate_series(1, 2 + mod(p.id, 5)::int) k
    ) s0
) s
JOIN bench_staff st ON st.n = 1 + floor(r_owner * %(staff)s)::int
LEFT JOIN (SELECT plan_id, min(id) AS outcome_id FROM meetings_planoutcome GROUP BY plan_id) o
    ON o.plan_id = s.plan_id
"""

LINKS = [
    """INSERT INTO meetings_meeting_children (meeting_id, child_id)
       SELECT id, child_id FROM bench_meetings""",
    """INSERT INTO meetings_meeting_concerns (meeting_id, concern_id)
       SELECT id, concern_id FROM bench_meetings WHERE concern_id IS NOT NULL""",
    """INSERT INTO meetings_supportplan_children (supportplan_id, child_id)
       SELECT plan_id, child_id FROM bench_initial WHERE plan_id IS NOT NULL""",
]
ACTION_CHILDREN = """
INSERT INTO meetings_planaction_children (planaction_id, child_id)
SELECT a.id, b.child_id FROM meetings_planaction a JOIN bench_initial b ON b.plan_id = a.plan_id
"""

# The lead professional of each child's latest open plan, then the practitioners who logged a
# concern in the last two years (once a child and practitioner).
INVOLVEMENTS = [
    """
    INSERT INTO children_involvement (role, started_on, ended_at, end_reason, lead_professional,
        how_began, reason, entered_in_error, error_reason, created_at, updated_at, agency_id,
        child_id, created_by_id, ended_by_id, practitioner_id)
    SELECT DISTINCT ON (b.child_id) 'Lead professional',
        (p.created_at AT TIME ZONE %(zone)s)::date, NULL, '', true, 'meeting', '', false, '',
        p.created_at, %(now)s, u.agency_id, b.child_id, p.created_by_id, NULL, p.lead_id
    FROM meetings_supportplan p JOIN bench_initial b ON b.plan_id = p.id
    JOIN lisa_user u ON u.id = p.lead_id
    WHERE p.status = 'open' AND NOT p.entered_in_error
    ORDER BY b.child_id, p.created_at DESC
    """,
    """
    INSERT INTO children_involvement (role, started_on, ended_at, end_reason, lead_professional,
        how_began, reason, entered_in_error, error_reason, created_at, updated_at, agency_id,
        child_id, created_by_id, ended_by_id, practitioner_id)
    SELECT DISTINCT ON (child_id, raised_by_id) 'Practitioner', date, NULL, '', false,
        'concern', '', false, '', created_at, %(now)s, agency_id, child_id, raised_by_id, NULL,
        raised_by_id
    FROM concerns_concern
    WHERE date >= %(today)s::date - 730 AND NOT entered_in_error
    ORDER BY child_id, raised_by_id, date
    ON CONFLICT DO NOTHING
    """,
]

ALERTS = """
INSERT INTO audit_alert (kind, reason_category, reason, detail, created_at, reviewed_at,
    review_note, child_id, reviewed_by_id, user_id)
SELECT kind, CASE WHEN kind = 'break_glass' THEN 'safeguarding' ELSE '' END,
    'Invented reason.', '{}', created_at,
    CASE WHEN reviewed THEN created_at + interval '2 days' END,
    CASE WHEN reviewed THEN 'Checked with the practitioner.' ELSE '' END,
    CASE WHEN kind IN ('break_glass', 'self_claim', 'acute_concern')
         THEN 1 + floor(r_child * %(children)s)::int END,
    CASE WHEN reviewed THEN %(central)s::bigint END, st.user_id
FROM (
    SELECT *, created_at < %(now)s - interval '14 days' AND r_review < 0.95 AS reviewed,
        CASE WHEN r_kind < 0.45 THEN 'break_glass' WHEN r_kind < 0.85 THEN 'self_claim'
             WHEN r_kind < 0.93 THEN 'unusual_volume' WHEN r_kind < 0.98 THEN 'acute_concern'
             ELSE 'password_guessing' END AS kind
    FROM (SELECT random() r_kind, random() r_child, random() r_review, random() r_staff,
                 %(now)s - random() * %(days)s * interval '1 day' AS created_at
          FROM generate_series(1, %(alerts)s) g) s0
) s
JOIN bench_staff st ON st.n = 1 + floor(r_staff * %(staff)s)::int
ORDER BY created_at
"""

AUDIT = """
INSERT INTO audit_auditevent (at, username, role, action, outcome, object_type, object_id,
    child_id, ip_address, user_agent, request_id, path, detail, agency_id, user_id)
SELECT at, 'practitioner' || st.n, 'practitioner', action,
    CASE WHEN action = 'denied' THEN 'denied' ELSE 'allowed' END,
    CASE WHEN action IN ('view', 'denied', 'update', 'print') THEN 'child' ELSE '' END,
    CASE WHEN action IN ('view', 'denied', 'update', 'print') THEN child_id::text ELSE '' END,
    CASE WHEN action IN ('view', 'denied', 'update', 'print') THEN child_id END,
    '10.0.0.1', 'Invented browser', %(marker)s,
    CASE WHEN action IN ('view', 'denied', 'update', 'print') THEN '/children/' || child_id || '/'
         ELSE '/' END, '{}', st.agency_id, st.user_id
FROM (
    SELECT %(now)s - (%(audit_events)s - g + r_at) / %(audit_events)s * %(days)s
            * interval '1 day' AS at,
        1 + floor(r_child * %(children)s)::int AS child_id, r_staff,
        CASE WHEN r_action < 0.55 THEN 'view' WHEN r_action < 0.70 THEN 'search'
             WHEN r_action < 0.82 THEN 'sign_in' WHEN r_action < 0.88 THEN 'create'
             WHEN r_action < 0.94 THEN 'update' WHEN r_action < 0.97 THEN 'denied'
             WHEN r_action < 0.98 THEN 'export' ELSE 'print' END AS action
    FROM (SELECT g, random() r_at, random() r_child, random() r_action, random() r_staff
          FROM generate_series(1, %(audit_events)s) g) s0
) s
JOIN bench_staff st ON st.n = 1 + floor(r_staff * %(staff)s)::int
ORDER BY at
"""

# django-auditlog's field history of children: each record's creation and, for records no
# longer active, the change of status (what "moved out and closed per month" counts).
FIELD_HISTORY = """
INSERT INTO auditlog_logentry (object_pk, object_id, object_repr, action, changes, timestamp,
    content_type_id, changes_text)
SELECT id::text, id, forenames || ' ' || surname, 0,
    jsonb_build_object('surname', jsonb_build_array('None', surname)), created_at,
    %(content_type)s, ''
FROM children_child
UNION ALL
SELECT id::text, id, forenames || ' ' || surname, 1,
    jsonb_build_object('status', jsonb_build_array('active', status)),
    created_at + random() * (%(now)s - created_at), %(content_type)s, ''
FROM children_child WHERE status <> 'active'
ORDER BY 6
"""

SEQUENCED = [
    "children_child",
    "children_involvement",
    "concerns_concern",
    "concerns_concern_categories",
    "concerns_concernchange",
    "meetings_meeting",
    "meetings_meeting_children",
    "meetings_meeting_concerns",
    "meetings_invitee",
    "meetings_supportplan",
    "meetings_supportplan_children",
    "meetings_planoutcome",
    "meetings_planaction",
    "meetings_planaction_children",
    "audit_alert",
    "audit_auditevent",
    "auditlog_logentry",
]


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))]


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def officer_username() -> str:
    """The designated officer measured: the first person of the largest agency."""
    largest = max(AGENCIES, key=lambda agency: agency[3])
    return f"bench.{_slug(largest[0])}.1"


class Command(BaseCommand):
    help = (
        "Build a large invented record in a database of its own and time the figures pages "
        "and CSVs (p50/p95) against their targets."
    )

    def add_arguments(self, parser):
        parser.add_argument("--children", type=int, default=300_000)
        parser.add_argument("--concerns", type=int, default=1_000_000)
        parser.add_argument("--meetings", type=int, default=100_000)
        parser.add_argument("--plans", type=int, default=50_000)
        parser.add_argument("--alerts", type=int, default=20_000)
        parser.add_argument("--audit-events", type=int, default=1_000_000)
        parser.add_argument("--runs", type=int, default=20, help="timed loads of each page")
        parser.add_argument("--csv-runs", type=int, default=3, help="timed loads of each CSV")
        parser.add_argument(
            "--database",
            default="lisa_benchmark_figures",
            help="the database to build in; its name must contain 'benchmark' or start with "
            "'test_', so that a real record is never emptied",
        )
        parser.add_argument("--rebuild", action="store_true")
        parser.add_argument("--seed", type=float, default=0.2026)

    def handle(self, *args, **options):
        self.verbosity = options["verbosity"]
        name = options["database"]
        if "benchmark" not in name and not name.startswith("test_"):
            raise CommandError(
                "The benchmark empties the database it builds in: name one containing "
                "'benchmark' (or a test database)."
            )
        sizes = {
            key: options[key]
            for key in ("children", "concerns", "meetings", "plans", "alerts", "audit_events")
        }
        if min(sizes.values()) < 1:
            raise CommandError("Every size must be at least 1.")
        if not -1 <= options["seed"] <= 1:
            raise CommandError("The seed is a number from -1 to 1 (PostgreSQL's setseed).")
        if sizes["plans"] > sizes["meetings"]:
            raise CommandError(
                "Each plan starts at a meeting: ask for no more plans than meetings."
            )
        use_database(name, self.stdout)
        have = self._counts()
        if options["rebuild"] or have != sizes:
            self._build(sizes, options["seed"])
        else:
            self.stdout.write("Reusing the invented record: " + self._describe(have))
        self._measure(options["runs"], options["csv_runs"])

    # --- the database -------------------------------------------------------------------------

    def _counts(self) -> dict[str, int]:
        with connection.cursor() as cursor:
            cursor.execute(
                """
                SELECT (SELECT count(*) FROM children_child),
                       (SELECT count(*) FROM concerns_concern),
                       (SELECT count(*) FROM meetings_meeting),
                       (SELECT count(*) FROM meetings_supportplan),
                       (SELECT count(*) FROM audit_alert),
                       (SELECT count(*) FROM audit_auditevent WHERE request_id = %s)
                """,
                [INVENTED],
            )
            row = cursor.fetchone()
        keys = ("children", "concerns", "meetings", "plans", "alerts", "audit_events")
        return dict(zip(keys, row, strict=True))

    @staticmethod
    def _describe(counts: dict[str, int]) -> str:
        return (
            f"{counts['children']:,} children, {counts['concerns']:,} concerns, "
            f"{counts['meetings']:,} meetings, {counts['plans']:,} plans, "
            f"{counts['alerts']:,} alerts, {counts['audit_events']:,} audit events"
        )

    def _step(self, label: str, sql: str, params: dict) -> int:
        return load_step(self, label, sql, params)

    def _build(self, sizes: dict[str, int], seed: float) -> None:
        started = time.perf_counter()
        self.stdout.write("Building the invented record…")
        with transaction.atomic():
            with connection.cursor() as cursor:
                # No foreign-key or append-only triggers while loading (the rows are made
                # consistent by construction), and the same record from the same seed.
                cursor.execute("SET session_replication_role = replica")
                cursor.execute("SET LOCAL work_mem = '256MB'")
                cursor.execute(TRUNCATE)
                cursor.execute("SELECT setseed(%s)", [seed])
                for table in ("bench_staff", "bench_requests", "bench_initial", "bench_meetings"):
                    cursor.execute(f"DROP TABLE IF EXISTS {table}")
            params = self._people(sizes)
            self._load(sizes, params)
            with connection.cursor() as cursor:
                for table in SEQUENCED:
                    # The table names are this module's own (SEQUENCED), never input.
                    cursor.execute(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                        f"(SELECT coalesce(max(id), 0) + 1 FROM {table}), false)"
                    )
                for table in ("bench_staff", "bench_requests", "bench_initial", "bench_meetings"):
                    cursor.execute(f"DROP TABLE {table}")
                cursor.execute("SET session_replication_role = DEFAULT")
        vacuum_started = time.perf_counter()
        with connection.cursor() as cursor:
            # A live database is vacuumed by autovacuum; a fresh load is not yet, and without
            # the visibility map PostgreSQL cannot use index-only scans.
            cursor.execute("ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE")
        if self.verbosity >= 2:
            self.stdout.write(f"  vacuum and analyze: {time.perf_counter() - vacuum_started:.1f} s")
        counts = self._counts()
        self.stdout.write(
            f"Built {self._describe(counts)} in {time.perf_counter() - started:.1f} s."
        )

    def _people(self, sizes: dict[str, int]) -> dict:
        """Agencies and their people (a few hundred rows: made with the ORM)."""
        today = timezone.localdate()
        agencies = Agency.objects.bulk_create(
            Agency(name=name, agency_type=kind, sensitive_service=sensitive)
            for name, kind, sensitive, _ in AGENCIES
        )
        people = []
        for agency, (name, _, _, count) in zip(agencies, AGENCIES, strict=True):
            for n in range(1, count + 1):
                people.append(
                    User(
                        username=f"bench.{_slug(name)}.{n}",
                        password="!",  # unusable: nobody signs in as them
                        first_name=FORENAMES[(n * 7 + len(name)) % len(FORENAMES)],
                        last_name=SURNAMES[(n * 11 + len(name)) % len(SURNAMES)],
                        email=f"bench.{_slug(name)}.{n}@example.org",
                        agency=agency,
                        roles=[Role.PRACTITIONER] + ([Role.DESIGNATED_OFFICER] if n == 1 else []),
                        job_title="Practitioner",
                        training_date=today,
                    )
                )
        central_agency = next(a for a in agencies if a.name == "LISA Central Team")
        central = User(
            username=CENTRAL_USERNAME,
            password="!",
            first_name="Morgan",
            last_name="Benchmark",
            email="benchmark.central@example.org",
            agency=central_agency,
            roles=[Role.CENTRAL_TEAM],
            training_date=today,
        )
        User.objects.bulk_create([*people, central])
        central = User.objects.get(username=CENTRAL_USERNAME)
        with connection.cursor() as cursor:
            cursor.execute(STAFF)
            cursor.execute("ANALYZE bench_staff")
            cursor.execute("SELECT count(*) FROM bench_staff")
            staff = cursor.fetchone()[0]
        initial = min(sizes["meetings"], max(sizes["plans"], round(0.6 * sizes["meetings"])))
        return {
            "today": today,
            "now": timezone.now(),
            "zone": settings.TIME_ZONE,
            "days": DAYS,
            "staff": staff,
            "central": central.pk,
            "forenames": FORENAMES,
            "surnames": SURNAMES,
            "sectors": list(SECTOR_WARDS),
            "other_sectors": OTHER_SECTORS,
            "categories": list(Category.objects.order_by("position").values_list("pk", flat=True)),
            "headlines": [
                "education",
                "early_years",
                "health",
                "substance_use",
                "relationships",
                "safe_from_abuse",
                "crime",
                "domestic_abuse",
                "housing",
                "finances",
            ],  # fmt: skip
            "voluntary": [a.pk for a in agencies if a.agency_type == AgencyType.VOLUNTARY],
            "content_type": ContentType.objects.get_for_model(Child).pk,
            "marker": INVENTED,
            "initial": initial,
            **sizes,
        }

    def _load(self, sizes: dict[str, int], params: dict) -> None:
        step = self._step
        step("children", CHILDREN, params)
        step("concerns", CONCERNS, params)
        step("concern categories", CATEGORIES, params)
        step("concern history", CHANGES, params)
        requests = step("meeting requests", REQUESTS, params)
        if requests < params["initial"]:
            raise CommandError(
                f"Only {requests:,} concerns ask for a meeting, too few for "
                f"{params['initial']:,} first meetings: ask for more concerns or fewer meetings."
            )
        step("first meetings", INITIAL, params)
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM bench_initial WHERE plan_id IS NOT NULL")
            if cursor.fetchone()[0] != sizes["plans"]:
                raise CommandError(
                    "Too few first meetings have been held for the plans asked for: ask for "
                    "more meetings or fewer plans."
                )
        step("plans", PLANS, params)
        later = sizes["meetings"] - params["initial"]
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM meetings_supportplan WHERE status = 'closed'")
            closed = cursor.fetchone()[0]
        params["closing"] = min(int(0.6 * closed), later // 4)
        params["reviews"] = later - params["closing"]
        step("meeting plan", MEETING_PLAN, params)
        with connection.cursor() as cursor:
            cursor.execute(
                "ALTER TABLE bench_meetings ADD COLUMN base int; "
                "UPDATE bench_meetings SET base = floor(random() * %(staff)s)::int",
                params,
            )
        step("meetings", MEETINGS, params)
        for sql in LINKS:
            step("links", sql, params)
        step("invitees", INVITEES, params)
        step("plan outcomes", OUTCOMES, params)
        step("plan actions", ACTIONS, params)
        step("actions' children", ACTION_CHILDREN, params)
        for sql in INVOLVEMENTS:
            step("involvements", sql, params)
        step("alerts", ALERTS, params)
        step("audit events", AUDIT, params)
        step("field history", FIELD_HISTORY, params)

    # --- the measurements ---------------------------------------------------------------------

    def _measure(self, runs: int, csv_runs: int) -> None:
        start, end = default_range()
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            server = cursor.fetchone()[0]
        load = os.getloadavg()[0]
        self.stdout.write(
            f"Python {platform.python_version()}, PostgreSQL {server}, {os.cpu_count()} CPUs "
            f"(load average {load:.1f}), debug {'on' if settings.DEBUG else 'off'}; the default "
            f"period, {start:%-d %b %Y} to {end:%-d %b %Y}; {runs} runs of each page after a "
            f"first one, {csv_runs} of each CSV."
        )
        viewers = [
            ("central team", User.objects.get(username=CENTRAL_USERNAME)),
            ("designated officer", User.objects.get(username=officer_username())),
        ]
        failures = []
        for label, user in viewers:
            client = Client(HTTP_HOST="localhost")
            client.force_login(user)
            self.stdout.write(f"\n{label} ({user.agency.name})")
            self.stdout.write(f"{'page':24} {'first ms':>9} {'p50 ms':>8} {'p95 ms':>8}  target")
            slowest = (0.0, "")
            for section in SECTION_TITLES:
                path = f"/figures/{section}/"
                first = self._get(client, path)
                timings = [self._get(client, path) for _ in range(runs)]
                p95 = _percentile(timings, 0.95)
                verdict = "within" if p95 <= PAGE_TARGET_MS else "OVER"
                if p95 > PAGE_TARGET_MS:
                    failures.append(f"{label}: {path} p95 {p95:.0f} ms")
                self.stdout.write(
                    f"{path:24} {first:>9.0f} {statistics.median(timings):>8.0f} {p95:>8.0f}  "
                    f"p95 {verdict} {PAGE_TARGET_MS} ms"
                )
                for key in SECTIONS[section]:
                    csv_path = f"/figures/{section}/{key}.csv"
                    for _ in range(csv_runs):
                        took = self._get(client, csv_path)
                        slowest = max(slowest, (took, csv_path))
            took, csv_path = slowest
            verdict = "within" if took <= CSV_TARGET_MS else "OVER"
            if took > CSV_TARGET_MS:
                failures.append(f"{label}: {csv_path} {took:.0f} ms")
            self.stdout.write(
                f"slowest CSV: {csv_path} {took:.0f} ms ({verdict} the {CSV_TARGET_MS} ms target)"
            )
        if failures:
            self.stdout.write("\nTargets missed: " + "; ".join(failures))
        else:
            self.stdout.write("\nAll targets met.")

    @staticmethod
    def _get(client: Client, path: str) -> float:
        started = time.perf_counter()
        response = client.get(path)
        took = (time.perf_counter() - started) * 1000
        if response.status_code != 200:
            raise CommandError(f"{path} answered {response.status_code}")
        return took
