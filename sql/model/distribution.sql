-- The shares of a distribution file (a measure file with a `-- distribution:` header line; see
-- sql/measures/README.md). `members` is the file's result: for each period, one row per member of
-- the cohort with `band`, the measure id of the band they fall in, and one row with a null band
-- for a period with no member. `bands` holds the ids the file publishes. For every band and
-- period: numerator = members in the band, denominator = members, value = percent (null when
-- there is no member), so the bands of a period add up to 100.
-- The members are counted by band once per period; the bands are joined to the counts, not to
-- every member. This text continues the WITH list that defines `members` and `bands`.
counted AS (
    SELECT period_type, period_start, period_end, band, count(*) AS members
    FROM members
    GROUP BY period_type, period_start, period_end, band
),
totals AS (
    SELECT period_type, period_start, period_end, sum(CASE WHEN band IS NOT NULL THEN members ELSE 0 END) AS members
    FROM counted
    GROUP BY period_type, period_start, period_end
)
SELECT b.measure_id,
       t.period_type,
       t.period_start,
       t.period_end,
       coalesce(c.members, 0) AS numerator,
       t.members AS denominator,
       CASE WHEN t.members > 0 THEN 100.0 * coalesce(c.members, 0) / t.members END AS value
FROM totals t
CROSS JOIN bands b
LEFT JOIN counted c
       ON c.period_type = t.period_type AND c.period_start = t.period_start AND c.period_end = t.period_end
      AND c.band = b.measure_id
