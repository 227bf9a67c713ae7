-- measure: disproportionality — Referrals, S47 enquiries, CP plans and children looked after per 10,000 residents by ethnic group, and the ratio to White British
-- sources: person, referral, s47_enquiry, cp_plan, cla_episode
-- publishes: disprop_referrals_rate_white_british | rate_per_10k | neutral | Referrals per 10,000 residents: White British
-- publishes: disprop_referrals_rate_white_other | rate_per_10k | neutral | Referrals per 10,000 residents: White Irish, Traveller, Gypsy/Roma or other White
-- publishes: disprop_referrals_rate_mixed | rate_per_10k | neutral | Referrals per 10,000 residents: Mixed or multiple ethnic groups
-- publishes: disprop_referrals_rate_asian | rate_per_10k | neutral | Referrals per 10,000 residents: Asian or Asian British (including Chinese)
-- publishes: disprop_referrals_rate_black | rate_per_10k | neutral | Referrals per 10,000 residents: Black, African, Caribbean or Black British
-- publishes: disprop_referrals_rate_other | rate_per_10k | neutral | Referrals per 10,000 residents: Other ethnic group (including Arab)
-- publishes: disprop_s47_rate_white_british | rate_per_10k | neutral | Section 47 enquiries per 10,000 residents: White British
-- publishes: disprop_s47_rate_white_other | rate_per_10k | neutral | Section 47 enquiries per 10,000 residents: White Irish, Traveller, Gypsy/Roma or other White
-- publishes: disprop_s47_rate_mixed | rate_per_10k | neutral | Section 47 enquiries per 10,000 residents: Mixed or multiple ethnic groups
-- publishes: disprop_s47_rate_asian | rate_per_10k | neutral | Section 47 enquiries per 10,000 residents: Asian or Asian British (including Chinese)
-- publishes: disprop_s47_rate_black | rate_per_10k | neutral | Section 47 enquiries per 10,000 residents: Black, African, Caribbean or Black British
-- publishes: disprop_s47_rate_other | rate_per_10k | neutral | Section 47 enquiries per 10,000 residents: Other ethnic group (including Arab)
-- publishes: disprop_cpp_rate_white_british | rate_per_10k | neutral | Children on a child protection plan at 31 March per 10,000 residents: White British
-- publishes: disprop_cpp_rate_white_other | rate_per_10k | neutral | Children on a child protection plan at 31 March per 10,000 residents: White Irish, Traveller, Gypsy/Roma or other White
-- publishes: disprop_cpp_rate_mixed | rate_per_10k | neutral | Children on a child protection plan at 31 March per 10,000 residents: Mixed or multiple ethnic groups
-- publishes: disprop_cpp_rate_asian | rate_per_10k | neutral | Children on a child protection plan at 31 March per 10,000 residents: Asian or Asian British (including Chinese)
-- publishes: disprop_cpp_rate_black | rate_per_10k | neutral | Children on a child protection plan at 31 March per 10,000 residents: Black, African, Caribbean or Black British
-- publishes: disprop_cpp_rate_other | rate_per_10k | neutral | Children on a child protection plan at 31 March per 10,000 residents: Other ethnic group (including Arab)
-- publishes: disprop_cla_rate_white_british | rate_per_10k | neutral | Children looked after at 31 March per 10,000 residents: White British
-- publishes: disprop_cla_rate_white_other | rate_per_10k | neutral | Children looked after at 31 March per 10,000 residents: White Irish, Traveller, Gypsy/Roma or other White
-- publishes: disprop_cla_rate_mixed | rate_per_10k | neutral | Children looked after at 31 March per 10,000 residents: Mixed or multiple ethnic groups
-- publishes: disprop_cla_rate_asian | rate_per_10k | neutral | Children looked after at 31 March per 10,000 residents: Asian or Asian British (including Chinese)
-- publishes: disprop_cla_rate_black | rate_per_10k | neutral | Children looked after at 31 March per 10,000 residents: Black, African, Caribbean or Black British
-- publishes: disprop_cla_rate_other | rate_per_10k | neutral | Children looked after at 31 March per 10,000 residents: Other ethnic group (including Arab)
-- publishes: disprop_referrals_ratio_white_other | average | neutral | Referrals: rate for White Irish, Traveller, Gypsy/Roma or other White residents / White British rate
-- publishes: disprop_referrals_ratio_mixed | average | neutral | Referrals: rate for Mixed or multiple ethnic groups residents / White British rate
-- publishes: disprop_referrals_ratio_asian | average | neutral | Referrals: rate for Asian or Asian British (including Chinese) residents / White British rate
-- publishes: disprop_referrals_ratio_black | average | neutral | Referrals: rate for Black, African, Caribbean or Black British residents / White British rate
-- publishes: disprop_referrals_ratio_other | average | neutral | Referrals: rate for Other ethnic group (including Arab) residents / White British rate
-- publishes: disprop_s47_ratio_white_other | average | neutral | Section 47 enquiries: rate for White Irish, Traveller, Gypsy/Roma or other White residents / White British rate
-- publishes: disprop_s47_ratio_mixed | average | neutral | Section 47 enquiries: rate for Mixed or multiple ethnic groups residents / White British rate
-- publishes: disprop_s47_ratio_asian | average | neutral | Section 47 enquiries: rate for Asian or Asian British (including Chinese) residents / White British rate
-- publishes: disprop_s47_ratio_black | average | neutral | Section 47 enquiries: rate for Black, African, Caribbean or Black British residents / White British rate
-- publishes: disprop_s47_ratio_other | average | neutral | Section 47 enquiries: rate for Other ethnic group (including Arab) residents / White British rate
-- publishes: disprop_cpp_ratio_white_other | average | neutral | Children on a child protection plan at 31 March: rate for White Irish, Traveller, Gypsy/Roma or other White residents / White British rate
-- publishes: disprop_cpp_ratio_mixed | average | neutral | Children on a child protection plan at 31 March: rate for Mixed or multiple ethnic groups residents / White British rate
-- publishes: disprop_cpp_ratio_asian | average | neutral | Children on a child protection plan at 31 March: rate for Asian or Asian British (including Chinese) residents / White British rate
-- publishes: disprop_cpp_ratio_black | average | neutral | Children on a child protection plan at 31 March: rate for Black, African, Caribbean or Black British residents / White British rate
-- publishes: disprop_cpp_ratio_other | average | neutral | Children on a child protection plan at 31 March: rate for Other ethnic group (including Arab) residents / White British rate
-- publishes: disprop_cla_ratio_white_other | average | neutral | Children looked after at 31 March: rate for White Irish, Traveller, Gypsy/Roma or other White residents / White British rate
-- publishes: disprop_cla_ratio_mixed | average | neutral | Children looked after at 31 March: rate for Mixed or multiple ethnic groups residents / White British rate
-- publishes: disprop_cla_ratio_asian | average | neutral | Children looked after at 31 March: rate for Asian or Asian British (including Chinese) residents / White British rate
-- publishes: disprop_cla_ratio_black | average | neutral | Children looked after at 31 March: rate for Black, African, Caribbean or Black British residents / White British rate
-- publishes: disprop_cla_ratio_other | average | neutral | Children looked after at 31 March: rate for Other ethnic group (including Arab) residents / White British rate
-- Definition: docs/definitions.md §1.3 C25 (disproportionality). For each ethnic group: referrals
--   (cine_referral_date) and S47 enquiries (s47e_s47_start_date) in the financial year, and
--   children on a CP plan (open at the year end) and looked after (cla_episode_in_care, open at
--   the year end, short breaks excluded) at 31 March or the as-at date, per 10,000 residents of
--   that group in the LA at the 2021 Census (ONS, all ages, ethnic group 20 categories:
--   reference/dfe/ons-ethnic-population-la.csv; all ages because ONS publishes no LA child
--   population by ethnic group, so rates compare groups, not children's services elsewhere; a
--   younger group's rate is higher for its age structure alone). Groups: the CIN census /
--   SSDA903 ethnicity codes (pers_ethnicity) and the ONS categories gathered into White British
--   (WBRI; ONS 13), White other (WIRI WIRT WOTH WROM; ONS 14-17), Mixed (M*; 9-12), Asian (A*,
--   CHNE; 1-5), Black (B*; 6-8), Other (OOTH; 18-19). Children refused or not recorded count in
--   no group. Ratio = the group's rate / the White British rate (1 = proportionate).
-- Numerator: the group's events or children (so the pack suppresses 1-5 as elsewhere).
--   Denominator: the group's residents (rates); none for ratios. Financial years only.
WITH code_group (code, ethnic_group) AS (
    VALUES ('WBRI', 'white_british'), ('WIRI', 'white_other'), ('WIRT', 'white_other'), ('WOTH', 'white_other'), ('WROM', 'white_other'),
           ('MWBC', 'mixed'), ('MWBA', 'mixed'), ('MWAS', 'mixed'), ('MOTH', 'mixed'),
           ('AIND', 'asian'), ('APKN', 'asian'), ('ABAN', 'asian'), ('AOTH', 'asian'), ('CHNE', 'asian'),
           ('BCRB', 'black'), ('BAFR', 'black'), ('BOTH', 'black'), ('OOTH', 'other')
),
ons_group (ons_code, ethnic_group) AS (
    VALUES (1, 'asian'), (2, 'asian'), (3, 'asian'), (4, 'asian'), (5, 'asian'), (6, 'black'), (7, 'black'), (8, 'black'),
           (9, 'mixed'), (10, 'mixed'), (11, 'mixed'), (12, 'mixed'), (13, 'white_british'), (14, 'white_other'),
           (15, 'white_other'), (16, 'white_other'), (17, 'white_other'), (18, 'other'), (19, 'other')
),
groups (ethnic_group) AS (
    VALUES
        ('white_british'),
        ('white_other'),
        ('mixed'),
        ('asian'),
        ('black'),
        ('other')
),
event_kinds (event) AS (
    VALUES
        ('referrals'),
        ('s47'),
        ('cpp'),
        ('cla')
),
residents AS (
    SELECT g.ethnic_group, sum(e.population) AS population
    FROM params
    JOIN (SELECT DISTINCT la_code, la_gss_code FROM ref_population WHERE geographic_level = 'Local authority') l ON l.la_code = params.la_code
    JOIN ref_ethnic_population e ON e.la_gss_code = l.la_gss_code
    JOIN ons_group g ON g.ons_code = e.ons_code
    GROUP BY g.ethnic_group
),
child AS (
    SELECT DISTINCT p.pers_person_id, g.ethnic_group
    FROM person p
    JOIN code_group g ON g.code = upper(trim(p.pers_ethnicity))
),
years AS (
    SELECT period_type, period_start, period_end FROM dim_period WHERE period_type = 'financial_year'
),
events AS (
    SELECT 'referrals' AS event, y.period_start, c.ethnic_group, count(*) AS n
    FROM referral r
    JOIN day_period d ON d.day = r.cine_referral_date AND d.period_type = 'financial_year'
    JOIN years y ON y.period_start = d.period_start
    JOIN child c ON c.pers_person_id = r.cine_person_id
    GROUP BY y.period_start, c.ethnic_group
    UNION ALL
    SELECT 's47', y.period_start, c.ethnic_group, count(*)
    FROM s47_enquiry s
    JOIN day_period d ON d.day = s.s47e_s47_start_date AND d.period_type = 'financial_year'
    JOIN years y ON y.period_start = d.period_start
    JOIN child c ON c.pers_person_id = s.s47e_person_id
    GROUP BY y.period_start, c.ethnic_group
    UNION ALL
    SELECT 'cpp', y.period_start, c.ethnic_group, count(DISTINCT cp.cppl_person_id)
    FROM years y
    JOIN cp_plan cp ON cp.cppl_cp_plan_start_date <= y.period_end AND (cp.cppl_cp_plan_end_date IS NULL OR cp.cppl_cp_plan_end_date > y.period_end)
    JOIN child c ON c.pers_person_id = cp.cppl_person_id
    GROUP BY y.period_start, c.ethnic_group
    UNION ALL
    SELECT 'cla', y.period_start, c.ethnic_group, count(DISTINCT e.clae_person_id)
    FROM years y
    JOIN cla_episode_in_care e
      ON e.clae_cla_episode_start_date <= y.period_end AND (e.clae_cla_episode_ceased_date IS NULL OR e.clae_cla_episode_ceased_date > y.period_end)
    JOIN child c ON c.pers_person_id = e.clae_person_id
    GROUP BY y.period_start, c.ethnic_group
),
rates AS (
    SELECT k.event, g.ethnic_group, y.period_type, y.period_start, y.period_end,
           coalesce(e.n, 0) AS n,
           r.population,
           CASE WHEN r.population > 0 THEN coalesce(e.n, 0) * 10000.0 / r.population END AS rate
    FROM years y
    CROSS JOIN event_kinds k
    CROSS JOIN groups g
    LEFT JOIN events e ON e.event = k.event AND e.ethnic_group = g.ethnic_group AND e.period_start = y.period_start
    LEFT JOIN residents r ON r.ethnic_group = g.ethnic_group
),
-- Each rate and, for every group but White British, its ratio to the White British rate of the
-- same event and year, in one pass over `rates` (a CTE read twice is computed twice).
compared AS (
    SELECT event, ethnic_group, period_type, period_start, period_end, n, population, rate,
           max(CASE WHEN ethnic_group = 'white_british' THEN rate END) OVER (PARTITION BY event, period_start) AS white_british_rate
    FROM rates
),
kinds (kind) AS (
    VALUES ('rate'), ('ratio')
)
SELECT concat('disprop_', c.event, '_', k.kind, '_', c.ethnic_group) AS measure_id, c.period_type, c.period_start, c.period_end,
       c.n AS numerator,
       CASE k.kind WHEN 'rate' THEN c.population END AS denominator,
       CASE k.kind WHEN 'rate' THEN c.rate
            ELSE CASE WHEN c.white_british_rate > 0 THEN c.rate / c.white_british_rate END END AS value
FROM compared c
CROSS JOIN kinds k
WHERE k.kind = 'rate' OR c.ethnic_group <> 'white_british'
