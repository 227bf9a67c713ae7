-- measure: early_help_also_referred_pct — Children open to early help also referred in the previous 6 months (%)
-- sources: early_help_episode, referral
-- publishes: eh_also_referred_6m_pct | percent | neutral | Children open to early help who were also referred to children's social care in the previous 6 months (%)
-- Definition: docs/definitions.md §1.4 P3 and §1.2 S40 (SEED-002 L3333 "Our CHAT data ... % of
--   Early Help cases also on referral list in the previous 6 months"): Ofsted's Annex A lists 2
--   (early help) and 3 (referrals) over the Annex A lookback of 6 months (§1.3 C19). Children
--   open to early help at D (an episode started on or before D, not ended by D) with a referral
--   (CIN episode) dated in the 6 months to D (after D - 6 months, on or before D).
-- Numerator: those children. Denominator: children open to early help at D. Time basis: snapshot
--   at each month end and financial year end. value: percent (0-100).
WITH open_eh AS (
    SELECT DISTINCT p.period_type, p.period_start, p.period_end, e.earl_person_id
    FROM dim_period p
    JOIN early_help_episode e
      ON e.earl_episode_start_date <= p.period_end
     AND (e.earl_episode_end_date IS NULL OR e.earl_episode_end_date > p.period_end)
    WHERE p.period_type <> 'rolling_12_months'
),
referred AS (
    SELECT DISTINCT o.period_type, o.period_start, o.earl_person_id
    FROM open_eh o
    JOIN referral r
      ON r.cine_person_id = o.earl_person_id
     AND r.cine_referral_date <= o.period_end
     AND r.cine_referral_date > CAST(o.period_end - INTERVAL '6 months' AS DATE)
)
SELECT 'eh_also_referred_6m_pct' AS measure_id,
       p.period_type,
       p.period_start,
       p.period_end,
       count(r.earl_person_id) AS numerator,
       count(o.earl_person_id) AS denominator,
       CASE WHEN count(o.earl_person_id) > 0 THEN 100.0 * count(r.earl_person_id) / count(o.earl_person_id) END AS value
FROM dim_period p
LEFT JOIN open_eh o ON o.period_type = p.period_type AND o.period_start = p.period_start
LEFT JOIN referred r ON r.period_type = o.period_type AND r.period_start = o.period_start AND r.earl_person_id = o.earl_person_id
WHERE p.period_type <> 'rolling_12_months'
GROUP BY p.period_type, p.period_start, p.period_end
