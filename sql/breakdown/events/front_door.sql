-- breakdown: contacts, referrals, rereferral_12m_pct
-- Contacts by contact date and referrals by referral date (as sql/measures/contacts.sql,
-- referrals.sql): one row per contact or referral; re-referrals within 12 months (as
-- rereferral_12m_pct.sql): one row per referral, num = 1 when it is a re-referral.
SELECT 'contacts' AS measure_id,
       d.period_type,
       d.period_start,
       c.cont_person_id AS person_id,
       c.cont_contact_date AS on_date,
       CAST(1 AS BIGINT) AS num,
       CAST(NULL AS BIGINT) AS den,
       CAST(NULL AS VARCHAR) AS event_team,
       CAST(NULL AS VARCHAR) AS event_worker,
       coalesce(nullif(upper(trim(c.cont_contact_source_code)), ''), 'not recorded') AS source,
       CAST(NULL AS VARCHAR) AS abuse_category,
       CAST(NULL AS VARCHAR) AS placement_type,
       CAST(NULL AS VARCHAR) AS placement_provider,
       CAST(NULL AS VARCHAR) AS legal_status
FROM contact c
JOIN day_period d ON d.day = c.cont_contact_date
WHERE d.period_type <> 'rolling_12_months' AND c.cont_contact_id IS NOT NULL
UNION ALL
SELECT 'referrals',
       d.period_type,
       d.period_start,
       r.cine_person_id,
       r.cine_referral_date,
       CAST(1 AS BIGINT),
       CAST(NULL AS BIGINT),
       r.cine_referral_team,
       CAST(r.cine_referral_worker_id AS VARCHAR),
       coalesce(nullif(upper(trim(r.cine_referral_source_code)), ''), 'not recorded'),
       CAST(NULL AS VARCHAR),
       CAST(NULL AS VARCHAR),
       CAST(NULL AS VARCHAR),
       CAST(NULL AS VARCHAR)
FROM referral r
JOIN day_period d ON d.day = r.cine_referral_date
WHERE d.period_type <> 'rolling_12_months' AND r.cine_referral_id IS NOT NULL
UNION ALL
SELECT 'rereferral_12m_pct',
       d.period_type,
       d.period_start,
       q.cine_person_id,
       q.cine_referral_date,
       CAST(q.is_rereferral AS BIGINT),
       CAST(1 AS BIGINT),
       r.cine_referral_team,
       CAST(r.cine_referral_worker_id AS VARCHAR),
       coalesce(nullif(upper(trim(r.cine_referral_source_code)), ''), 'not recorded'),
       CAST(NULL AS VARCHAR),
       CAST(NULL AS VARCHAR),
       CAST(NULL AS VARCHAR),
       CAST(NULL AS VARCHAR)
FROM referral_rereferral q
JOIN referral r ON r.cine_referral_id = q.cine_referral_id
JOIN day_period d ON d.day = q.cine_referral_date
WHERE d.period_type <> 'rolling_12_months' AND q.cine_referral_id IS NOT NULL
