-- ref_published: DfE's published figures for every area (England, region, LA) and year, by the
-- measure id of ours they correspond to. A view over ref_dfe_cell (the DfE tables in
-- reference/dfe/, melted by src/marts/published.rs); the benchmarks read it.
-- Source: DfE "Characteristics of children in need" tables B1, C1, C3 (factors at the end of
--   assessment, counts of episodes), C4, D3, D5, "Children looked after" numbers and rates,
--   placement stability (3+ placements in the year; same carer 2+ years), care leavers' activity
--   and accommodation, OC2 health outcomes (annual health assessment, teeth, immunisations,
--   development assessments of under 5s, SDQ), new placements by distance and location, 3+
--   social workers in the year, school moves (whole-number percentages, as published; the
--   cohort and outcome are the row's breakdown), and the children's social work workforce
--   census (agency, turnover and vacancy rates by FTE, caseload per case-holding FTE), as
--   republished in the DfE CSC outcomes and enablers repository (data-raw/), Open Government
--   Licence. time_period Y = the year ending 31 March Y, except the workforce census, taken on
--   30 September Y, which belongs to the year ending 31 March Y+1 (year_shift).
-- Kinds of measure (docs/definitions.md §1.1, §4.1):
--   count   - the published count (LA counts are unrounded; England and regions to the nearest 10).
--   percent - DfE's published percentage (1 d.p.), with the counts behind it.
--   ratio   - a percentage DfE does not publish, computed as numerator / denominator x 100 from
--             published counts (ICPCs within 15 working days = (0-10 + 11-15 days) / ICPCs;
--             S47 to ICPC = ICPCs / S47 enquiries), as docs/definitions.md §4.1 does.
--   value   - a published figure that is not a count or a share of one (the workforce rates and
--             caseload, the SDQ average score): the value only, no numerator or denominator.
--             DfE's workforce figures are by FTE (agency rate = agency FTE / (agency + in-post
--             FTE); caseload = cases / case-holding FTE); csc's agency_workers_pct and
--             caseload_per_worker_avg count workers holding cases by head, so they sit beside
--             DfE's figures as the nearest comparable, not identical, measures.
--   new placements more than 20 miles from home / outside the LA: a ratio of counts summed over
--             the distance bands (inside + outside the LA more than 20 miles; outside the LA less
--             + more than 20 miles) to the total new placements (summed, below).
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
        ('care_leavers_19_21_suitable_accommodation_pct', 'percent', 'leavers_accommodation', '19 to 21 years | Accommodation considered suitable', 'care_leaver_count', '', '', 'care_leaver_percent'),
        ('af_episodes', 'count', 'c3', '', 'episodes_with_assessment_factor', '', '', ''),
        ('af_alcohol_misuse_child', 'count', 'c3', '', 'alcohol_misuse_child', '', '', ''),
        ('af_alcohol_misuse_parent', 'count', 'c3', '', 'alcohol_misuse_parent', '', '', ''),
        ('af_alcohol_misuse_person', 'count', 'c3', '', 'alcohol_misuse_person', '', '', ''),
        ('af_drug_misuse_child', 'count', 'c3', '', 'drug_misuse_child', '', '', ''),
        ('af_drug_misuse_parent', 'count', 'c3', '', 'drug_misuse_parent', '', '', ''),
        ('af_drug_misuse_person', 'count', 'c3', '', 'drug_misuse_person', '', '', ''),
        ('af_domestic_abuse_child', 'count', 'c3', '', 'domestic_abuse_child', '', '', ''),
        ('af_domestic_abuse_parent', 'count', 'c3', '', 'domestic_abuse_parent', '', '', ''),
        ('af_domestic_abuse_person', 'count', 'c3', '', 'domestic_abuse_person', '', '', ''),
        ('af_mental_health_child', 'count', 'c3', '', 'mental_health_child', '', '', ''),
        ('af_mental_health_parent', 'count', 'c3', '', 'mental_health_parent', '', '', ''),
        ('af_mental_health_person', 'count', 'c3', '', 'mental_health_person', '', '', ''),
        ('af_learning_disability_child', 'count', 'c3', '', 'learning_disability_child', '', '', ''),
        ('af_learning_disability_parent', 'count', 'c3', '', 'learning_disability_parent', '', '', ''),
        ('af_learning_disability_person', 'count', 'c3', '', 'learning_disability_person', '', '', ''),
        ('af_physical_disability_child', 'count', 'c3', '', 'physical_disability_child', '', '', ''),
        ('af_physical_disability_parent', 'count', 'c3', '', 'physical_disability_parent', '', '', ''),
        ('af_physical_disability_person', 'count', 'c3', '', 'physical_disability_person', '', '', ''),
        ('af_young_carer', 'count', 'c3', '', 'young_carer', '', '', ''),
        ('af_privately_fostered', 'count', 'c3', '', 'privately_fostered', '', '', ''),
        ('af_unaccompanied_asylum_seeker', 'count', 'c3', '', 'unaccompanied_asylum_seeker', '', '', ''),
        ('af_going_missing', 'count', 'c3', '', 'going_missing', '', '', ''),
        ('af_child_sexual_exploitation', 'count', 'c3', '', 'child_sexual_exploitation', '', '', ''),
        ('af_trafficking', 'count', 'c3', '', 'trafficking', '', '', ''),
        ('af_gangs', 'count', 'c3', '', 'gangs', '', '', ''),
        ('af_socially_unacceptable_behaviour', 'count', 'c3', '', 'socially_unacceptable_behaviour', '', '', ''),
        ('af_self_harm', 'count', 'c3', '', 'self_harm', '', '', ''),
        ('af_neglect', 'count', 'c3', '', 'neglect', '', '', ''),
        ('af_emotional_abuse', 'count', 'c3', '', 'emotional_abuse', '', '', ''),
        ('af_physical_abuse_unknown', 'count', 'c3', '', 'physical_abuse_unknown', '', '', ''),
        ('af_physical_abuse_child_on_child', 'count', 'c3', '', 'physical_abuse_child_on_child', '', '', ''),
        ('af_physical_abuse_adult_on_child', 'count', 'c3', '', 'physical_abuse_adult_on_child', '', '', ''),
        ('af_sexual_abuse_unknown', 'count', 'c3', '', 'sexual_abuse_unknown', '', '', ''),
        ('af_sexual_abuse_child_on_child', 'count', 'c3', '', 'sexual_abuse_child_on_child', '', '', ''),
        ('af_sexual_abuse_adult_on_child', 'count', 'c3', '', 'sexual_abuse_adult_on_child', '', '', ''),
        ('af_female_genital_mutilation', 'count', 'c3', '', 'female_genital_mutilation', '', '', ''),
        ('af_faith_linked_abuse', 'count', 'c3', '', 'faith_linked_abuse', '', '', ''),
        ('af_child_criminal_exploitation', 'count', 'c3', '', 'child_criminal_exploitation', '', '', ''),
        ('af_other', 'count', 'c3', '', 'other', '', '', ''),
        ('cla_oc2_health_assessment_pct', 'percent', 'health', 'Health assessments: Children looked after all ages | Had their annual health assessment', 'children_count', '', '', 'children_percent'),
        ('cla_oc2_dental_check_pct', 'percent', 'health', 'Health assessments: Children looked after all ages | Had their teeth checked by a dentist', 'children_count', '', '', 'children_percent'),
        ('cla_oc2_immunisations_pct', 'percent', 'health', 'Health assessments: Children looked after all ages | Had their immunisations up to date', 'children_count', '', '', 'children_percent'),
        ('cla_oc2_development_check_pct', 'percent', 'health', 'Development assessments: Children looked after ages 0 to 4 years | Development assessments up to date', 'children_count', '', '', 'children_percent'),
        ('cla_sdq_received_pct', 'percent', 'health', 'Ages 5 to 16 years with SDQ score | SDQ score was received', 'children_count', '', '', 'children_percent'),
        ('cla_sdq_cause_for_concern_pct', 'percent', 'health', 'Ages 5 to 16 years with SDQ score | SDQ score is a cause for concern', 'children_count', '', '', 'children_percent'),
        ('cla_sdq_average_score', 'value', 'health', 'Ages 5 to 16 years with SDQ score | SDQ average score', 'children_count', '', '', ''),
        ('cla_3plus_social_workers_pct', 'percent', 'swcount', 'CLA on 31 March | 3 or more social workers during the year', 'number', '', '', 'percentage'),
        ('cla_school_moves_pct', 'percent', 'school_moves', 'CLA on 31 March | Any moves | With one or more moves during the year', 'number', '', '', 'percentage'),
        ('cla_school_moves_midyear_pct', 'percent', 'school_moves', 'CLA on 31 March | Mid-year moves | With one or more mid-year moves during the year', 'number', '', '', 'percentage'),
        ('agency_workers_pct', 'value', 'csww', '', 'agency_rate_fte', '', '', ''),
        ('workforce_turnover_rate_pct', 'value', 'csww', '', 'turnover_rate_fte', '', '', ''),
        ('workforce_vacancy_rate_pct', 'value', 'csww', '', 'vacancy_rate_fte', '', '', ''),
        ('caseload_per_worker_avg', 'value', 'csww', '', 'caseload_fte', '', '', '')
    ) AS m
),
cells AS (
    SELECT m.measure_id, m.kind, n.row_id, n.time_period, n.year_label,
           CASE WHEN m.source = 'csww' THEN 1 ELSE 0 END AS year_shift,
           n.geographic_level, n.la_code,
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
placements (measure_id, pattern) AS (
    VALUES ('cla_new_placements_20_miles_plus_pct', 'Location of new placements during the year | Placed % more than 20 miles from home'),
           ('cla_new_placements_outside_la_pct', 'Location of new placements during the year | Placed outside LA boundary %')
),
summed AS (
    SELECT m.measure_id, 'ratio' AS kind, c.time_period, c.year_label, 0 AS year_shift, c.geographic_level, c.la_code,
           c.la_gss_code, c.area_name, c.region_name,
           sum(CASE WHEN c.breakdown LIKE m.pattern THEN c.number END) AS numerator,
           bool_or(c.breakdown LIKE m.pattern AND c.number IS NULL) AS numerator_missing,
           max(CASE WHEN c.breakdown LIKE m.pattern AND c.number IS NULL THEN c.code END) AS numerator_code,
           max(CASE WHEN c.breakdown = 'Location of new placements during the year | Total new placements' THEN c.number END) AS den,
           max(CASE WHEN c.breakdown = 'Location of new placements during the year | Total new placements' AND c.number IS NULL THEN c.code END) AS den_code,
           CAST(NULL AS DOUBLE) AS published, arrow_cast(NULL, 'Utf8') AS published_code, CAST(NULL AS BIGINT) AS population_0_17
    FROM placements m
    JOIN ref_dfe_cell c
      ON c.source = 'new_placements' AND c.item = 'children_count' AND c.breakdown LIKE 'Location of new placements during the year | %'
    GROUP BY m.measure_id, c.time_period, c.year_label, c.geographic_level, c.la_code, c.la_gss_code, c.area_name, c.region_name
),
counted AS (
    SELECT c.measure_id, c.kind, c.time_period, c.year_label, c.year_shift, c.geographic_level, c.la_code,
           c.la_gss_code, c.area_name, c.region_name,
           CASE WHEN c.has_n2 THEN c.n1 + c.n2 ELSE c.n1 END AS numerator,
           (c.n1 IS NULL OR (c.has_n2 AND c.n2 IS NULL)) AS numerator_missing,
           coalesce(c.n1_code, CASE WHEN c.has_n2 THEN c.n2_code END) AS numerator_code,
           c.den, c.den_code, c.published, c.published_code,
           p.population_0_17
    FROM cells c
    LEFT JOIN ref_population p
           ON c.kind = 'rate'
          AND p.year = c.time_period - 1
          AND p.geographic_level = c.geographic_level
          -- the area: an LA by its code, England and regions by name (an equality, so a hash join)
          AND (CASE WHEN p.geographic_level = 'Local authority' THEN p.la_code ELSE p.area_name END)
            = (CASE WHEN c.geographic_level = 'Local authority' THEN c.la_code ELSE c.area_name END)
    UNION ALL
    SELECT * FROM summed
)
SELECT measure_id,
       time_period + year_shift AS time_period,
       CASE WHEN year_shift = 0 THEN year_label
            ELSE arrow_cast(concat(CAST(time_period + year_shift - 1 AS VARCHAR), '-', substr(CAST(time_period + year_shift AS VARCHAR), 3, 2)), 'Utf8') END AS year_label,
       geographic_level,
       la_code,
       la_gss_code,
       area_name,
       region_name,
       CAST(CASE WHEN kind <> 'value' THEN numerator END AS BIGINT) AS numerator,
       CAST(CASE kind WHEN 'rate' THEN population_0_17 WHEN 'count' THEN NULL WHEN 'value' THEN NULL ELSE den END AS BIGINT) AS denominator,
       CASE kind
           WHEN 'count' THEN numerator
           WHEN 'value' THEN numerator
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
