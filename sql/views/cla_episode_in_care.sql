-- cla_episode_in_care: looked-after episodes that count as "looked after" for DfE's CLA
-- figures, with the child's UASC status. DfE excludes children looked after only under an
-- agreed series of short-term placements (short breaks; legal status V3 or V4) from CLA counts,
-- rates, stability and care-leaver figures (docs/definitions.md §0.4). An episode is a short
-- break when the legal status in force on its start date is V3 or V4. UASC are included and
-- flagged (is_uasc: the child has an immigration status 'UASC' recorded at any time).
WITH episode_status AS (
    SELECT e.clae_cla_episode_id,
           max(CASE WHEN l.lega_legal_status IN ('V3', 'V4') THEN 1 ELSE 0 END) AS is_short_break
    FROM cla_episode e
    LEFT JOIN legal_status l
           ON l.lega_person_id = e.clae_person_id
          AND l.lega_legal_status_start_date <= e.clae_cla_episode_start_date
          AND (l.lega_legal_status_end_date IS NULL OR l.lega_legal_status_end_date > e.clae_cla_episode_start_date)
    GROUP BY e.clae_cla_episode_id
),
uasc AS (
    SELECT DISTINCT immi_person_id
    FROM immigration_status
    WHERE upper(immi_immigration_status) = 'UASC'
)
SELECT e.clae_cla_episode_id,
       e.clae_person_id,
       e.clae_cla_episode_start_date,
       e.clae_cla_episode_start_reason,
       e.clae_cla_episode_ceased_date,
       e.clae_cla_episode_ceased_reason,
       CASE WHEN u.immi_person_id IS NULL THEN 0 ELSE 1 END AS is_uasc
FROM cla_episode e
JOIN episode_status s ON s.clae_cla_episode_id = e.clae_cla_episode_id
LEFT JOIN uasc u ON u.immi_person_id = e.clae_person_id
WHERE s.is_short_break = 0
  AND e.clae_cla_episode_start_date IS NOT NULL
