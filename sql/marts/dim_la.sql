-- dim_la: English local authorities, from the DfE-republished ONS population table
-- (reference/dfe/ons_mid-year_population_estimates_2012_to_2024.csv; the latest year's name,
-- GSS code and region for each DfE code), with their statistical neighbours in the run's model
-- ([benchmarks] sn_model; reference/dfe/New_Statistical_Neighbour_Groupings_April_2021.csv or
-- sn_model_2025_wide.csv) and whether each is one of the run LA's ten neighbours; and Ofsted's
-- latest ILACS judgements of each (reference/ofsted/ilacs_judgements_as_at_31_march_2025.csv,
-- joined on the GSS code), so a pack can say how the LA, its neighbours and its region were
-- judged. An LA with no ILACS row (one that no longer exists) has null judgements.
WITH la AS (
    SELECT la_code, la_gss_code, area_name, region_name,
           row_number() OVER (PARTITION BY la_code ORDER BY year DESC) AS latest
    FROM ref_population
    WHERE geographic_level = 'Local authority' AND la_code IS NOT NULL
),
sn AS (
    SELECT s.la_code, string_agg(s.neighbour_la_code, ',' ORDER BY s.sn_rank) AS statistical_neighbours
    FROM ref_statistical_neighbour s JOIN marts_params m ON s.sn_model = m.sn_model
    GROUP BY s.la_code
),
of_this_la AS (
    SELECT s.neighbour_la_code, s.sn_rank, s.closeness
    FROM ref_statistical_neighbour s
    JOIN marts_params m ON s.sn_model = m.sn_model
    JOIN params p ON s.la_code = p.la_code
)
SELECT la.la_code,
       la.la_gss_code,
       la.area_name AS la_name,
       la.region_name,
       m.sn_model,
       sn.statistical_neighbours,
       la.la_code = p.la_code AS is_this_la,
       o.sn_rank AS sn_rank_to_this_la,
       o.closeness AS sn_closeness_to_this_la,
       i.ilacs_inspection_date,
       i.ilacs_publication_date,
       i.ilacs_overall_effectiveness,
       i.ilacs_leaders,
       i.ilacs_help_and_protection,
       i.ilacs_children_in_care,
       i.ilacs_care_leavers
FROM la
CROSS JOIN marts_params m
CROSS JOIN params p
LEFT JOIN sn ON sn.la_code = la.la_code
LEFT JOIN of_this_la o ON o.neighbour_la_code = la.la_code
LEFT JOIN ref_ilacs i ON i.la_gss_code = la.la_gss_code
WHERE la.latest = 1
ORDER BY la.la_code
