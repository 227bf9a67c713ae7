-- assessment_factor_code: one row per factor recorded at the end of an assessment
-- (ssd_assessment_factors.cinf_assessment_factors_json, SSD item CINF002A), for the C3 measures.
-- The SSD holds the CIN census codes (1A ... 24A, 20, 21) either as a JSON array (["1A", "3B"],
-- the SSD's current form) or as a JSON object ({"1A": "Yes", "2B": "No"}, its planned form);
-- exports also write plain lists (1A, 3B or 1A;3B). A code counts when it is listed, or when its
-- object value is Yes/Y/True/1. Codes are upper-cased and blank items dropped; a code outside the
-- census list is kept here and simply matches no C3 column.
WITH items AS (
    SELECT f.cinf_assessment_id,
           unnest(string_to_array(
               regexp_replace(regexp_replace(upper(coalesce(f.cinf_assessment_factors_json, '')), '[\[\]{}"'' \t]', '', 'g'), '[;|]', ',', 'g'),
               ',')) AS item
    FROM assessment_factor f
)
SELECT DISTINCT cinf_assessment_id, split_part(item, ':', 1) AS factor_code
FROM items
WHERE split_part(item, ':', 1) <> ''
  AND (strpos(item, ':') = 0 OR split_part(item, ':', 2) IN ('YES', 'Y', 'TRUE', '1'))
