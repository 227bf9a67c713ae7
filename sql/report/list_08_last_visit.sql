-- title: Children looked after by days since the last social work visit
-- lists: list_08
-- Children still looked after (no date ceased). Calendar days from the last visit to the as-at
-- date; the statutory maximum between visits is six weeks (42 days) for most placements.
SELECT CASE WHEN "Date of Last Social Work Visit" IS NULL THEN 'No visit recorded'
            WHEN pack_params.as_at - "Date of Last Social Work Visit" <= 14 THEN '0-14 days'
            WHEN pack_params.as_at - "Date of Last Social Work Visit" <= 28 THEN '15-28 days'
            WHEN pack_params.as_at - "Date of Last Social Work Visit" <= 42 THEN '29-42 days'
            ELSE 'More than 42 days' END AS row_label,
       CASE WHEN "Date of Last Social Work Visit" IS NULL THEN 9
            ELSE least(CAST((pack_params.as_at - "Date of Last Social Work Visit") / 14 AS BIGINT), 3) END AS row_order,
       'Children' AS column_label,
       count(DISTINCT "Child Unique ID") AS children
FROM list_08 CROSS JOIN pack_params
WHERE "Date Ceased to be Looked After" IS NULL
GROUP BY 1, 2
