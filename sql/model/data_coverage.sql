-- First day the extract covers: the earliest contact or referral on or before the as-at date and
-- within the history window (params.history_start). Reporting periods run from that month to the
-- as-at date. An input with no contacts or referrals at all (SSDA903 returns only) is covered from
-- its earliest looked-after episode start in the window instead. Returns one row; first_date is
-- NULL when there is neither.
WITH front_door AS (
    SELECT min(e.event_date) AS first_date
    FROM (
        SELECT cont_contact_date AS event_date FROM contact
        UNION ALL
        SELECT cine_referral_date AS event_date FROM referral
    ) e
    CROSS JOIN params
    WHERE e.event_date <= params.as_at
      AND e.event_date >= params.history_start
),
care AS (
    SELECT min(c.clae_cla_episode_start_date) AS first_date
    FROM cla_episode c
    CROSS JOIN params
    WHERE c.clae_cla_episode_start_date <= params.as_at
      AND c.clae_cla_episode_start_date >= params.history_start
)
SELECT COALESCE(front_door.first_date, care.first_date) AS first_date
FROM front_door CROSS JOIN care
