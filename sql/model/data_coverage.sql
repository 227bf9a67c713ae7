-- First day the extract covers: the earliest contact or referral on or before the as-at date and
-- within the history window (params.history_start). Reporting periods run from that month to the
-- as-at date. Returns one row; first_date is NULL when there is no contact or referral at all.
SELECT min(e.event_date) AS first_date
FROM (
    SELECT cont_contact_date AS event_date FROM contact
    UNION ALL
    SELECT cine_referral_date AS event_date FROM referral
) e
CROSS JOIN params
WHERE e.event_date <= params.as_at
  AND e.event_date >= params.history_start
