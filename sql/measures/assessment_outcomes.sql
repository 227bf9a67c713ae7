-- measure: assessment_outcomes — Assessments ending in no further action, and the child seen
-- sources: assessment
-- publishes: assessments_nfa | count | neutral | Assessments completed ending in no further action
-- publishes: assessments_nfa_pct | percent | neutral | Assessments completed ending in no further action (%)
-- publishes: assessments_child_seen_pct | percent | high | Assessments completed where the child was seen (%)
-- Definition: docs/definitions.md §1.4 P4 and P5. Completed assessments as DfE C2 counts them
--   (authorised in the period, AssessmentAuthorisationDate N00160; measure assessments_completed).
--   NFA: cina_assessment_outcome_nfa = Y (SSD CINA the assessment's outcome is no further
--   action; DfE C1 publishes "assessed as not in need"). Child seen: cina_assessment_child_seen
--   = Y (SSD flag: the child was seen during the assessment; Ofsted Annex A list 4 "Was the
--   child seen"). A flag not recorded is not a Y: it counts in the denominator only.
-- Numerator: completed assessments in the period with the flag Y. Denominator (percent):
--   completed assessments in the period. Time basis: flow by authorisation date.
WITH variants (variant, flag, measure_id) AS (
    VALUES ('count', 'nfa', 'assessments_nfa'), ('pct', 'nfa', 'assessments_nfa_pct'), ('pct', 'seen', 'assessments_child_seen_pct')
),
completed AS (
    SELECT p.period_type, p.period_start, p.period_end,
           count(CASE WHEN a.cina_assessment_outcome_nfa = 'Y' THEN 1 END) AS nfa,
           count(CASE WHEN a.cina_assessment_child_seen = 'Y' THEN 1 END) AS seen,
           count(a.cina_assessment_id) AS completed
    FROM dim_period p
    LEFT JOIN day_period d ON d.period_type = p.period_type AND d.period_start = p.period_start
    LEFT JOIN assessment a ON a.cina_assessment_auth_date = d.day
    GROUP BY p.period_type, p.period_start, p.period_end
)
SELECT v.measure_id,
       c.period_type,
       c.period_start,
       c.period_end,
       CASE WHEN v.flag = 'nfa' THEN c.nfa ELSE c.seen END AS numerator,
       CASE WHEN v.variant = 'pct' THEN c.completed END AS denominator,
       CASE WHEN v.variant = 'count' THEN CAST(c.nfa AS DOUBLE)
            WHEN c.completed > 0 THEN 100.0 * (CASE WHEN v.flag = 'nfa' THEN c.nfa ELSE c.seen END) / c.completed END AS value
FROM completed c
CROSS JOIN variants v
