-- The shares of a distribution file (a measure file with a `-- distribution:` header line; see
-- sql/measures/README.md). `members` is the file's result: for each period, one row per member of
-- the cohort with `band`, the measure id of the band they fall in, and one row with a null band
-- for a period with no member. `bands` holds the ids the file publishes. For every band and
-- period: numerator = members in the band, denominator = members, value = percent (null when
-- there is no member), so the bands of a period add up to 100.
SELECT b.measure_id,
       m.period_type,
       m.period_start,
       m.period_end,
       count(CASE WHEN m.band = b.measure_id THEN 1 END) AS numerator,
       count(m.band) AS denominator,
       CASE WHEN count(m.band) > 0 THEN 100.0 * count(CASE WHEN m.band = b.measure_id THEN 1 END) / count(m.band) END AS value
FROM members m
CROSS JOIN bands b
GROUP BY b.measure_id, m.period_type, m.period_start, m.period_end
