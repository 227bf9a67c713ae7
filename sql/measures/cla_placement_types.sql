-- measure: cla_placement_types — Children looked after by placement type, and the share of fostering that is in-house
-- sources: cla_episode, cla_placement
-- publishes: cla_placed_residential | count | low | Children looked after in children's homes and other residential care
-- publishes: cla_placed_foster_in_house | count | neutral | Children looked after with the LA's own foster carers (not relatives or friends)
-- publishes: cla_placed_foster_ifa | count | neutral | Children looked after with independent fostering agencies
-- publishes: cla_placed_kinship | count | neutral | Children looked after with kinship or connected carers (fostered by relatives or friends)
-- publishes: cla_placed_with_parents | count | neutral | Children looked after placed with parents
-- publishes: cla_placed_unregulated | count | low | Children looked after in semi-independent accommodation not subject to children's homes regulations
-- publishes: cla_fostering_in_house_pct | percent | high | Fostered children placed with the LA's own carers (%), DfE provider basis
-- publishes: cla_fostering_in_house_excl_kinship_pct | percent | high | Fostered children placed with the LA's own carers, relatives and friends excluded (%), local basis
-- Definition: docs/definitions.md §1.4 P6-P7 (SEED-002 L5966 "too many children placed in
--   residential and with private providers ... increase in house fostering capacity"; §1.2 S37
--   "Foster placements with in-house carers, 54%"). Children looked after at D (view
--   cla_episode_in_care: short breaks excluded, UASC included), each by the placement open at D
--   (start <= D, end null or after D; the latest started when several are), grouped by the
--   SSDA903 placement type (PLACE) and provider (PLACE_PROVIDER) codes:
--   residential K1 secure children's home, K2 children's home, R1 residential care home, S1
--   residential school; in-house foster U4-U6 with provider PR1 (own provision); IFA U4-U6 with
--   PR4 private or PR5 voluntary provision; kinship U1-U3 (foster placement with relative or
--   friend, any provider); placed with parents P1; unregulated H5 (semi-independent living not
--   subject to children's homes regulations). Unregistered children's homes have no SSDA903 code,
--   so they cannot be counted from the SSD; K3 supported accommodation is regulated (since October
--   2023) and not counted as unregulated.
-- In-house share, DfE basis (CLA release, foster placements by provider): foster placements
--   (U1-U6) with provider PR1 / all foster placements. Local basis (councils' "in-house foster
--   carers"): U4-U6 with PR1 / U4-U6, relatives and friends left out of both.
-- Counts: distinct children. Time basis: snapshot at each month end and financial year end.
WITH in_care AS (
    SELECT DISTINCT p.period_type, p.period_start, p.period_end, e.clae_person_id
    FROM dim_period p
    JOIN cla_episode_in_care e
      ON e.clae_cla_episode_start_date <= p.period_end
     AND (e.clae_cla_episode_ceased_date IS NULL OR e.clae_cla_episode_ceased_date > p.period_end)
    WHERE p.period_type <> 'rolling_12_months'
),
placed AS (
    SELECT c.period_type, c.period_start, c.clae_person_id,
           upper(trim(pl.clap_cla_placement_type)) AS place,
           upper(trim(pl.clap_cla_placement_provider)) AS provider,
           row_number() OVER (PARTITION BY c.period_type, c.period_start, c.clae_person_id
                              ORDER BY pl.clap_cla_placement_start_date DESC, pl.clap_cla_placement_id) AS latest
    FROM in_care c
    JOIN cla_placement pl
      ON pl.clap_person_id = c.clae_person_id
     AND pl.clap_cla_placement_start_date <= c.period_end
     AND (pl.clap_cla_placement_end_date IS NULL OR pl.clap_cla_placement_end_date > c.period_end)
),
grouped AS (
    SELECT period_type, period_start,
           CASE WHEN place IN ('K1', 'K2', 'R1', 'S1') THEN 'residential'
                WHEN place IN ('U4', 'U5', 'U6') AND provider = 'PR1' THEN 'foster_in_house'
                WHEN place IN ('U4', 'U5', 'U6') AND provider IN ('PR4', 'PR5') THEN 'foster_ifa'
                WHEN place IN ('U1', 'U2', 'U3') THEN 'kinship'
                WHEN place = 'P1' THEN 'with_parents'
                WHEN place = 'H5' THEN 'unregulated' END AS grp,
           CASE WHEN place IN ('U1', 'U2', 'U3', 'U4', 'U5', 'U6') THEN 1 ELSE 0 END AS foster,
           CASE WHEN place IN ('U1', 'U2', 'U3', 'U4', 'U5', 'U6') AND provider = 'PR1' THEN 1 ELSE 0 END AS foster_own,
           CASE WHEN place IN ('U4', 'U5', 'U6') THEN 1 ELSE 0 END AS foster_not_kin,
           CASE WHEN place IN ('U4', 'U5', 'U6') AND provider = 'PR1' THEN 1 ELSE 0 END AS foster_own_not_kin
    FROM placed
    WHERE latest = 1
),
measures (measure_id, grp) AS (
    VALUES ('cla_placed_residential', 'residential'), ('cla_placed_foster_in_house', 'foster_in_house'),
           ('cla_placed_foster_ifa', 'foster_ifa'), ('cla_placed_kinship', 'kinship'), ('cla_placed_with_parents', 'with_parents'),
           ('cla_placed_unregulated', 'unregulated'), ('cla_fostering_in_house_pct', 'share_dfe'),
           ('cla_fostering_in_house_excl_kinship_pct', 'share_local')
),
counted AS (
    SELECT m.measure_id, m.grp, p.period_type, p.period_start, p.period_end,
           CASE m.grp WHEN 'share_dfe' THEN coalesce(sum(g.foster_own), 0)
                      WHEN 'share_local' THEN coalesce(sum(g.foster_own_not_kin), 0)
                      ELSE count(CASE WHEN g.grp = m.grp THEN 1 END) END AS numerator,
           CASE m.grp WHEN 'share_dfe' THEN coalesce(sum(g.foster), 0)
                      WHEN 'share_local' THEN coalesce(sum(g.foster_not_kin), 0) END AS denominator
    FROM dim_period p
    CROSS JOIN measures m
    LEFT JOIN grouped g ON g.period_type = p.period_type AND g.period_start = p.period_start
    WHERE p.period_type <> 'rolling_12_months'
    GROUP BY m.measure_id, m.grp, p.period_type, p.period_start, p.period_end
)
SELECT measure_id,
       period_type,
       period_start,
       period_end,
       numerator,
       denominator,
       CASE WHEN grp NOT IN ('share_dfe', 'share_local') THEN CAST(numerator AS DOUBLE)
            WHEN denominator > 0 THEN 100.0 * numerator / denominator END AS value
FROM counted
