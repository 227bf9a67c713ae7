-- title: Care leavers by activity and age
-- lists: list_09
SELECT coalesce("Activity Status", 'Not recorded') AS row_label,
       0 AS row_order,
       CASE WHEN "Age of Child (Years)" IS NULL THEN 'Age not recorded' WHEN "Age of Child (Years)" <= 18 THEN 'Aged 17-18' ELSE 'Aged 19-21' END AS column_label,
       count(DISTINCT "Child Unique ID") AS children
FROM list_09
GROUP BY 1, 2, 3
