-- title: Children on a CP plan by days since the last statutory visit
-- lists: list_07
-- Open plans only (no end date). Calendar days from the last visit to the as-at date.
SELECT CASE WHEN "Date of the Last Statutory Visit" IS NULL THEN 'No visit recorded'
            WHEN pack_params.as_at - "Date of the Last Statutory Visit" <= 14 THEN '0-14 days'
            WHEN pack_params.as_at - "Date of the Last Statutory Visit" <= 28 THEN '15-28 days'
            WHEN pack_params.as_at - "Date of the Last Statutory Visit" <= 42 THEN '29-42 days'
            ELSE 'More than 42 days' END AS row_label,
       CASE WHEN "Date of the Last Statutory Visit" IS NULL THEN 9
            ELSE least(CAST((pack_params.as_at - "Date of the Last Statutory Visit") / 14 AS BIGINT), 3) END AS row_order,
       'Children' AS column_label,
       count(DISTINCT "Child Unique ID") AS children
FROM list_07 CROSS JOIN pack_params
WHERE "Child Protection Plan End Date" IS NULL
GROUP BY 1, 2
