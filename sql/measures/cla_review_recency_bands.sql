-- measure: cla_review_recency_bands — Children looked after by time since their last review (%)
-- sources: cla_episode, cla_review
-- distribution: children looked after at D
-- publishes: cla_last_review_3m_pct | percent | high | Children looked after last reviewed within 3 months (%)
-- publishes: cla_last_review_3m_6m_pct | percent | neutral | Children looked after last reviewed 3 to 6 months ago (%)
-- publishes: cla_last_review_over_6m_pct | percent | low | Children looked after last reviewed more than 6 months ago (%)
-- publishes: cla_no_review_under_20wd_pct | percent | neutral | Children looked after 20 working days or fewer and not yet reviewed (%)
-- publishes: cla_no_review_20wd_plus_pct | percent | low | Children looked after more than 20 working days and not yet reviewed (%)
-- Definition: the distribution behind cla_reviews_on_time_pct (docs/definitions.md §1.2 S29,
--   §1.3 C18), banded at the Care Planning, Placement and Case Review (England) Regulations 2010
--   reg 33 intervals: the first review within 20 working days of becoming looked after, the second
--   within 3 months of the first, then at most 6-monthly [REG-33]. For each child looked after at
--   D (an episode with start <= D and ceased null or > D; short breaks excluded, view
--   cla_episode_in_care), their current period of care begins on the earliest of those episodes'
--   date entered care, else start (as the action list cla_review_overdue). Their latest review
--   held in that period on or before D (not cancelled, clar_cla_review_cancelled not 'Y'; found
--   through the child's episodes' clae_cla_id): within 3 months (on or after D - 3 months); more
--   than 3 months, up to 6 months (on or after D - 6 months); more than 6 months; or no review yet,
--   the child looked after 20 working days or fewer (elapsed, England and Wales bank holidays
--   excluded: the first review not yet due) or more (the first review overdue).
-- Numerator: children looked after at D in the band. Denominator: children looked after at D.
-- Time basis: snapshot at each month end and financial year end. value: percent; the five bands
--   add up to 100.
WITH in_care AS (
    SELECT p.period_type, p.period_start, p.period_end, e.clae_person_id,
           min(coalesce(x.clae_entered_care_date, e.clae_cla_episode_start_date)) AS entered
    FROM dim_period p
    JOIN cla_episode_in_care e
      ON e.clae_cla_episode_start_date <= p.period_end
     AND (e.clae_cla_episode_ceased_date IS NULL OR e.clae_cla_episode_ceased_date > p.period_end)
    JOIN cla_episode x ON x.clae_cla_episode_id = e.clae_cla_episode_id
    WHERE p.period_type <> 'rolling_12_months'
    GROUP BY p.period_type, p.period_start, p.period_end, e.clae_person_id
),
last_review AS (
    SELECT c.period_type, c.period_start, c.period_end, c.clae_person_id, c.entered, max(r.clar_cla_review_date) AS reviewed
    FROM in_care c
    LEFT JOIN cla_episode x ON x.clae_person_id = c.clae_person_id
    LEFT JOIN cla_review r
           ON r.clar_cla_id = x.clae_cla_id
          AND r.clar_cla_review_date >= c.entered
          AND r.clar_cla_review_date <= c.period_end
          AND coalesce(upper(r.clar_cla_review_cancelled), 'N') NOT IN ('Y', 'YES', 'TRUE', '1')
    GROUP BY c.period_type, c.period_start, c.period_end, c.clae_person_id, c.entered
),
banded AS (
    SELECT period_type, period_start, clae_person_id,
           CASE WHEN reviewed >= period_end - INTERVAL '3 months' THEN 'cla_last_review_3m_pct'
                WHEN reviewed >= period_end - INTERVAL '6 months' THEN 'cla_last_review_3m_6m_pct'
                WHEN reviewed IS NOT NULL THEN 'cla_last_review_over_6m_pct'
                WHEN working_days(entered, period_end) <= 20 THEN 'cla_no_review_under_20wd_pct'
                ELSE 'cla_no_review_20wd_plus_pct' END AS band
    FROM last_review
)
SELECT p.period_type, p.period_start, p.period_end, x.band
FROM dim_period p
LEFT JOIN banded x ON x.period_type = p.period_type AND x.period_start = p.period_start
WHERE p.period_type <> 'rolling_12_months'
