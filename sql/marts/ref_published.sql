-- ref_published: DfE's published figures for every area (England, region, LA) and year, by the
-- measure id of ours they correspond to. A view over ref_dfe_cell (the DfE tables in
-- reference/dfe/, melted by src/marts/published.rs); the benchmarks read it.
-- Source: DfE "Characteristics of children in need" tables B1, C1, C4, D3, D5, "Children looked
--   after" numbers and rates, placement stability (3+ placements in the year; same carer 2+
--   years) and care leavers' activity and accommodation (whole-number percentages, as
--   published; the cohort and outcome are the row's breakdown), as republished in the DfE CSC outcomes and enablers repository
--   (data-raw/), Open Government Licence. time_period Y = the year ending 31 March Y.
-- Kinds of measure (docs/definitions.md §1.1, §4.1):
--   count   - the published count (LA counts are unrounded; England and regions to the nearest 10).
--   percent - DfE's published percentage (1 d.p.), with the counts behind it.
--   ratio   - a percentage DfE does not publish, computed as numerator / denominator x 100 from
--             published counts (ICPCs within 15 working days = (0-10 + 11-15 days) / ICPCs;
--             S47 to ICPC = ICPCs / S47 enquiries), as docs/definitions.md §4.1 does.
--   rate    - per 10,000 children aged 0-17: the published count / the ONS mid-year estimate for
--             the mid-year BEFORE the year end (year ending 31 March Y uses mid-(Y-1)) x 10,000,
--             from ref_population, as DfE does (§0.2; reproduces England CIN 2020/21 = 329.6 and
--             CP plans 2020/21 = 42.4). CLA rates are recomputed the same way, unrounded (DfE
--             publishes them as whole numbers).
-- Suppression: a figure that is not a number (c = 1-5 suppressed, x not available, z not
--   applicable, u low reliability, low, k ...) gives value NULL, suppressed = true and its code;
--   a ratio or rate is suppressed when any count it needs is. Values are unrounded.
WITH map AS (
    SELECT column1 AS measure_id, column2 AS kind, column3 AS source, column4 AS breakdown,
           column5 AS num_item, column6 AS num_item2, column7 AS den_item, column8 AS value_item
    FROM (VALUES
        ('referrals',                    'count',   'c1',  '', 'referral_count',            '', '',                     ''),
        ('referral_rate_per_10k',        'rate',    'c1',  '', 'referral_count',            '', '',                     ''),
        ('rereferral_12m_pct',           'percent', 'c1',  '', 'rereferral_count',          '', 'referral_count',       'rereferral_percent'),
        ('rereferral_12m_child_pct',     'percent', 'c1',  '', 'rereferral_child_count',    '', 'referral_child_count', 'rereferral_child_percent'),
        ('referral_nfa_pct',             'percent', 'c1',  '', 'no_further_action_count',   '', 'referral_count',       'no_further_action_percent'),
        ('s47_enquiries',                'count',   'c4',  '', 'section47',                 '', '',                     ''),
        ('s47_rate_per_10k',             'rate',    'c4',  '', 'section47',                 '', '',                     ''),
        ('icpcs',                        'count',   'c4',  '', 'icpc',                      '', '',                     ''),
        ('icpc_rate_per_10k',            'rate',    'c4',  '', 'icpc',                      '', '',                     ''),
        ('s47_to_icpc_pct',              'ratio',   'c4',  '', 'icpc',                      '', 'section47',            ''),
        ('icpc_within_15wd_pct',         'ratio',   'c4',  '', 'duration_0-10_days',        'duration_11-15_days', 'icpc', ''),
        ('icpc_wd_0_10',                 'ratio',   'c4',  '', 'duration_0-10_days',        '', 'icpc',                 ''),
        ('icpc_wd_11_15',                'ratio',   'c4',  '', 'duration_11-15_days',       '', 'icpc',                 ''),
        ('icpc_wd_16_20',                'ratio',   'c4',  '', 'duration_16-20_days',       '', 'icpc',                 ''),
        ('icpc_wd_21_plus',              'ratio',   'c4',  '', 'duration_21+_days',         '', 'icpc',                 ''),
        ('cin_at_date',                  'count',   'b1',  '', 'at31_episodes',             '', '',                     ''),
        ('cin_rate_per_10k',             'rate',    'b1',  '', 'at31_episodes',             '', '',                     ''),
        ('cpp_at_date',                  'count',   'd5',  '', 'cpp_at31',                  '', '',                     ''),
        ('cpp_rate_per_10k',             'rate',    'd5',  '', 'cpp_at31',                  '', '',                     ''),
        ('cpp_duration_3m_or_less_pct',  'percent', 'd5',  '', '3_months_or_less',          '', 'cpp_at31',             '3_months_or_less_percent'),
        ('cpp_duration_3m_6m_pct',       'percent', 'd5',  '', 'more_than_3_months_6_months', '', 'cpp_at31',           'more_than_3_months_6_months_percent'),
        ('cpp_duration_6m_1y_pct',       'percent', 'd5',  '', 'more_than_6_months_less_than_1_year', '', 'cpp_at31',   'more_than_6_months_less_than_1_year_percent'),
        ('cpp_duration_1y_2y_pct',       'percent', 'd5',  '', '1_year_less_than_2_years',  '', 'cpp_at31',             '1_year_less_than_2_years_percent'),
        ('cpp_duration_2y_plus_pct',     'percent', 'd5',  '', '2_years_or_more',           '', 'cpp_at31',             '2_years_or_more_percent'),
        ('cpp_second_or_subsequent_pct', 'percent', 'd3',  '', 'cpp_subsequent',            '', 'cpp_start',            'cpp_subsequent_percent'),
        ('cla_at_date',                  'count',   'cla', 'Children looked after on 31 March each year',     'children_count', '', '', ''),
        ('cla_rate_per_10k',             'rate',    'cla', 'Children looked after on 31 March each year',     'children_count', '', '', ''),
        ('cla_started',                  'count',   'cla', 'Children starting to be looked after each year',  'children_count', '', '', ''),
        ('cla_ceased',                   'count',   'cla', 'Children ceasing to be looked after each year',   'children_count', '', '', ''),
        ('cla_3plus_placements_pct',     'percent', 'stability', 'CLA on 31 March | With 3 or more placements during the year', 'children_count', '', '', 'children_percent'),
        ('cla_long_term_stability_pct',  'percent', 'stability', 'Children looked after continuously for at least 2.5 years on 31 March aged under 16 years | Living with the same carer for at least 2 years', 'children_count', '', '', 'children_percent'),
        ('care_leavers_17_18_eet_pct',   'percent', 'leavers_activity', '17 to 18 years | Total in education, employment or training', 'care_leaver_count', '', '', 'care_leaver_percent'),
        ('care_leavers_19_21_eet_pct',   'percent', 'leavers_activity', '19 to 21 years | Total in education, employment or training', 'care_leaver_count', '', '', 'care_leaver_percent'),
        ('care_leavers_17_18_suitable_accommodation_pct', 'percent', 'leavers_accommodation', '17 to 18 years | Accommodation considered suitable', 'care_leaver_count', '', '', 'care_leaver_percent'),
        ('care_leavers_19_21_suitable_accommodation_pct', 'percent', 'leavers_accommodation', '19 to 21 years | Accommodation considered suitable', 'care_leaver_count', '', '', 'care_leaver_percent')
    ) AS m
),
cells AS (
    SELECT m.measure_id, m.kind, n.row_id, n.time_period, n.year_label, n.geographic_level, n.la_code,
           n.la_gss_code, n.area_name, n.region_name,
           n.number AS n1, n.code AS n1_code,
           n2.number AS n2, n2.code AS n2_code, m.num_item2 <> '' AS has_n2,
           d.number AS den, d.code AS den_code,
           v.number AS published, v.code AS published_code
    FROM map m
    JOIN ref_dfe_cell n ON n.source = m.source AND n.item = m.num_item
                       AND (m.breakdown = '' OR n.breakdown = m.breakdown)
    LEFT JOIN ref_dfe_cell n2 ON n2.source = m.source AND n2.row_id = n.row_id AND n2.item = m.num_item2
    LEFT JOIN ref_dfe_cell d ON d.source = m.source AND d.row_id = n.row_id AND d.item = m.den_item
    LEFT JOIN ref_dfe_cell v ON v.source = m.source AND v.row_id = n.row_id AND v.item = m.value_item
),
counted AS (
    SELECT c.*,
           CASE WHEN c.has_n2 THEN c.n1 + c.n2 ELSE c.n1 END AS numerator,
           (c.n1 IS NULL OR (c.has_n2 AND c.n2 IS NULL)) AS numerator_missing,
           coalesce(c.n1_code, CASE WHEN c.has_n2 THEN c.n2_code END) AS numerator_code,
           p.population_0_17
    FROM cells c
    LEFT JOIN ref_population p
           ON c.kind = 'rate'
          AND p.year = c.time_period - 1
          AND p.geographic_level = c.geographic_level
          AND (CASE WHEN c.geographic_level = 'Local authority' THEN p.la_code = c.la_code ELSE p.area_name = c.area_name END)
)
SELECT measure_id,
       time_period,
       year_label,
       geographic_level,
       la_code,
       la_gss_code,
       area_name,
       region_name,
       CAST(numerator AS BIGINT) AS numerator,
       CAST(CASE kind WHEN 'rate' THEN population_0_17 WHEN 'count' THEN NULL ELSE den END AS BIGINT) AS denominator,
       CASE kind
           WHEN 'count' THEN numerator
           WHEN 'percent' THEN published
           WHEN 'ratio' THEN CASE WHEN den > 0 THEN numerator * 100.0 / den END
           WHEN 'rate' THEN numerator * 10000.0 / population_0_17
       END AS value,
       CASE kind
           WHEN 'percent' THEN published IS NULL
           WHEN 'ratio' THEN numerator_missing OR den IS NULL
           ELSE numerator_missing
       END AS suppressed,
       CASE kind
           WHEN 'percent' THEN published_code
           WHEN 'ratio' THEN coalesce(numerator_code, den_code)
           ELSE numerator_code
       END AS suppression_code
FROM counted
