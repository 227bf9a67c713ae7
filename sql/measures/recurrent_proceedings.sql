-- measure: recurrent_proceedings — Mothers returning to court: children removed in more than one set of care proceedings
-- sources: pre_proceedings, mother
-- publishes: mothers_in_proceedings | count | neutral | Mothers with a child in care proceedings issued in the period
-- publishes: mothers_recurrent_proceedings_pct | percent | low | Mothers in care proceedings who had been in earlier proceedings (%)
-- Definition: docs/definitions.md §1.3 C24 (repeat removals: recurrent care proceedings, Broadhurst
--   et al., "Vulnerable birth mothers and recurrent care proceedings", Nuffield Foundation 2017:
--   a mother appearing in more than one set of care proceedings). A set of proceedings is the
--   view care_proceedings' family_key (the PLO family id, else the child and issue date), issued
--   on its earliest child's issue date; a mother's sets are those of her children (ssd_mother).
--   No DfE publication.
-- Numerator: mothers with a set issued in the period who had another set issued before it (an
--   earlier day). Denominator: mothers with a set issued in the period. Time basis: flow by
--   issue date. A mother counts once per period however many sets or children.
WITH sets AS (
    SELECT m.moth_person_id, c.family_key, min(c.issued) AS issued
    FROM care_proceedings c
    JOIN mother m ON m.moth_childs_person_id = c.prep_person_id
    WHERE c.issued IS NOT NULL
    GROUP BY m.moth_person_id, c.family_key
),
first_set AS (
    SELECT moth_person_id, min(issued) AS first_issued FROM sets GROUP BY moth_person_id
),
judged AS (
    SELECT d.period_type, d.period_start, s.moth_person_id,
           max(CASE WHEN s.issued > f.first_issued THEN 1 ELSE 0 END) AS recurrent
    FROM sets s
    JOIN first_set f ON f.moth_person_id = s.moth_person_id
    JOIN day_period d ON d.day = s.issued
    GROUP BY d.period_type, d.period_start, s.moth_person_id
),
counted AS (
    SELECT p.period_type, p.period_start, p.period_end, count(j.moth_person_id) AS mothers, coalesce(sum(j.recurrent), 0) AS recurrent
    FROM dim_period p
    LEFT JOIN judged j ON j.period_type = p.period_type AND j.period_start = p.period_start
    GROUP BY p.period_type, p.period_start, p.period_end
)
SELECT 'mothers_in_proceedings' AS measure_id, period_type, period_start, period_end, mothers AS numerator, CAST(NULL AS BIGINT) AS denominator, CAST(mothers AS DOUBLE) AS value
FROM counted
UNION ALL
SELECT 'mothers_recurrent_proceedings_pct', period_type, period_start, period_end, recurrent, mothers, CASE WHEN mothers > 0 THEN 100.0 * recurrent / mothers END
FROM counted
