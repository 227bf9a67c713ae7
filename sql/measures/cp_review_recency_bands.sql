-- measure: cp_review_recency_bands — Children on a CP plan by time since their last review conference (%)
-- sources: cp_plan, cp_review
-- distribution: CP plans open at D
-- publishes: cp_last_review_6m_pct | percent | high | CP plans open at the period end reviewed within the last 6 months (%)
-- publishes: cp_last_review_over_6m_pct | percent | low | CP plans open at the period end last reviewed more than 6 months ago (%)
-- publishes: cp_no_review_under_3m_pct | percent | neutral | CP plans open at the period end under 3 months old and not yet reviewed (%)
-- publishes: cp_no_review_3m_plus_pct | percent | low | CP plans open at the period end 3 months old or more and never reviewed (%)
-- Definition: the distribution behind cp_reviews_on_time_pct (docs/definitions.md §1.3 C17), banded
--   at Working Together's timescales (first review conference within 3 months of the ICPC, then at
--   most 6-monthly), with the plan start standing in for the ICPC. For each plan open at D (start
--   <= D, end null or > D), its latest review (cppr_cp_plan_id = the plan) held on or before D:
--   within 6 months (on or after D - 6 months); more than 6 months ago; or no review yet, the plan
--   under 3 months old (started after D - 3 months: not yet due) or 3 months or older (overdue).
-- Numerator: plans open at D in the band. Denominator: plans open at D. value: percent; the four
--   bands add up to 100. Time basis: snapshot at each month end and financial year end.
WITH open_plans AS (
    SELECT p.period_type, p.period_start, p.period_end, c.cppl_cp_plan_id, c.cppl_cp_plan_start_date
    FROM dim_period p
    JOIN cp_plan c
      ON c.cppl_cp_plan_start_date <= p.period_end
     AND (c.cppl_cp_plan_end_date IS NULL OR c.cppl_cp_plan_end_date > p.period_end)
    WHERE p.period_type <> 'rolling_12_months'
),
last_review AS (
    SELECT o.period_type, o.period_start, o.period_end, o.cppl_cp_plan_id, o.cppl_cp_plan_start_date,
           max(r.cppr_cp_review_date) AS reviewed
    FROM open_plans o
    LEFT JOIN cp_review r
           ON r.cppr_cp_plan_id = o.cppl_cp_plan_id
          AND r.cppr_cp_review_date <= o.period_end
    GROUP BY o.period_type, o.period_start, o.period_end, o.cppl_cp_plan_id, o.cppl_cp_plan_start_date
),
banded AS (
    SELECT period_type, period_start, cppl_cp_plan_id,
           CASE WHEN reviewed >= period_end - INTERVAL '6 months' THEN 'cp_last_review_6m_pct'
                WHEN reviewed IS NOT NULL THEN 'cp_last_review_over_6m_pct'
                WHEN cppl_cp_plan_start_date > period_end - INTERVAL '3 months' THEN 'cp_no_review_under_3m_pct'
                ELSE 'cp_no_review_3m_plus_pct' END AS band
    FROM last_review
)
SELECT p.period_type, p.period_start, p.period_end, x.band
FROM dim_period p
LEFT JOIN banded x ON x.period_type = p.period_type AND x.period_start = p.period_start
WHERE p.period_type <> 'rolling_12_months'
