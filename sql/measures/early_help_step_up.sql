-- measure: early_help_step_up — Referrals stepping up from early help
-- sources: referral, early_help_episode
-- percent of: referrals in the period
-- publishes: referrals_step_up_eh | count | neutral | Referrals of children open to early help on the referral date
-- publishes: referrals_step_up_eh_pct | percent | neutral | Referrals of children open to early help on the referral date (%)
-- Definition: docs/definitions.md §1.4 P3, local linkage reading of a step-up from early help: a
--   referral (CIN episode) of a child with an early help episode open on the referral date
--   (started on or before it, ended on or after it or not ended: an episode closed on the day of
--   the step-up still counts). DfE's reading, the referral's source 5D (LA services: early help),
--   is referrals_source_early_help (referral_sources); the two differ where the referral is
--   recorded with another source.
-- Numerator: such referrals in the period (episodes, as DfE counts referrals). Denominator
--   (percent): referrals in the period. Time basis: flow by referral date.
WITH stepped AS (
    -- Whether each referral came from early help is worked out once per referral, then the
    -- referrals are counted in every period containing their date (not the early-help join
    -- repeated for each of those periods).
    SELECT r.cine_referral_id, r.cine_referral_date,
           max(CASE WHEN e.earl_episode_id IS NULL THEN 0 ELSE 1 END) AS from_eh
    FROM referral r
    LEFT JOIN early_help_episode e
           ON e.earl_person_id = r.cine_person_id
          AND e.earl_episode_start_date <= r.cine_referral_date
          AND (e.earl_episode_end_date IS NULL OR e.earl_episode_end_date >= r.cine_referral_date)
    WHERE r.cine_referral_date IS NOT NULL AND r.cine_referral_id IS NOT NULL
    GROUP BY r.cine_referral_id, r.cine_referral_date
)
SELECT p.period_type, p.period_start, p.period_end,
       count(CASE WHEN s.from_eh = 1 THEN 1 END) AS numerator,
       count(s.cine_referral_id) AS denominator
FROM dim_period p
LEFT JOIN day_period d ON d.period_type = p.period_type AND d.period_start = p.period_start
LEFT JOIN stepped s ON s.cine_referral_date = d.day
GROUP BY p.period_type, p.period_start, p.period_end
