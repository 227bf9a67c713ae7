-- referral_rereferral: every referral with whether it is a re-referral.
-- A re-referral is a referral of a child who had a previous referral within 12 months
-- (docs/definitions.md §1.2 S1; DfE "children in need: a focus on re-referrals"). The window is
-- 12 calendar months back from this referral's date, inclusive of that day: referrals 365 days
-- apart across a non-leap year are re-referrals, 366 days apart are not. Whether DfE counts
-- 365 days or 12 calendar months is UNKNOWN (docs/definitions.md §5); in non-leap years they agree.
-- A second referral on the same day is not a re-referral of the first.
SELECT r.cine_referral_id,
       r.cine_person_id,
       r.cine_referral_date,
       max(CASE WHEN q.cine_referral_id IS NULL THEN 0 ELSE 1 END) AS is_rereferral
FROM referral r
LEFT JOIN referral q
       ON q.cine_person_id = r.cine_person_id
      AND q.cine_referral_date < r.cine_referral_date
      AND q.cine_referral_date >= r.cine_referral_date - INTERVAL '12 months'
GROUP BY r.cine_referral_id, r.cine_person_id, r.cine_referral_date
