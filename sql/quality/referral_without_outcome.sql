-- rule: referral_without_outcome
-- A referral leads to an assessment or is closed with no further action (Working Together: a
-- decision within one working day, an assessment within 45 working days): an open referral with
-- neither, more than 45 working days after it was made, as at the run's date.
-- Only referrals made on or after the input's first completed assessment are judged: the input
-- holds every assessment completed from then on, but a referral made earlier may have had its
-- assessment before the input begins. An SSD extract begins at its window's start; a CIN census
-- return holds only the assessments open or completed in its collection year (DfE CIN census
-- guide), so an episode open since an earlier year shows none of the assessments completed
-- before that year's 1 April. With no assessment completed, the first one started.
SELECT 'referral' AS table_name, r._source_file AS file, r._source_row AS row_number, 'cine_referral_id' AS column_name
FROM referral r
CROSS JOIN params
WHERE r.cine_referral_date IS NOT NULL
  AND r.cine_referral_date <= params.as_at
  AND working_days(r.cine_referral_date, params.as_at) > 45
  AND r.cine_close_date IS NULL
  AND coalesce(r.cine_referral_nfa, 'N') <> 'Y'
  AND r.cine_referral_date >= (SELECT coalesce(min(cina_assessment_auth_date), min(cina_assessment_start_date)) FROM assessment)
  AND NOT EXISTS (SELECT 1 FROM assessment a WHERE a.cina_referral_id = r.cine_referral_id)
