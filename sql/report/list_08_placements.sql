-- title: Children looked after by placements in the last 12 months (stability)
-- lists: list_08
SELECT CASE WHEN "Number of Placements in the Last 12 months" IS NULL THEN 'Not recorded'
            WHEN "Number of Placements in the Last 12 months" >= 3 THEN '3 or more'
            ELSE CAST("Number of Placements in the Last 12 months" AS VARCHAR) END AS row_label,
       coalesce(least("Number of Placements in the Last 12 months", 3), 9) AS row_order,
       'Children' AS column_label,
       count(DISTINCT "Child Unique ID") AS children
FROM list_08
GROUP BY 1, 2
