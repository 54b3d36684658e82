-- Which LAA indicators are rated red and getting worse?
-- The question the Q4 2009/10 monitoring report answers with its red-rated list (seed 002,
-- Agenda Item 6): Local Area Agreement indicators rated red whose direction of travel is
-- deteriorating, with the OP (2008/09) value beside the latest 2009/10 one.
select
    scorecard,
    indicator_code,
    indicator_title,
    polarity,
    op_value,
    latest_value,
    latest_value_type,
    national_comparison,
    quartile
from marts.published_scorecard
where
    is_laa
    and rag = 'red'
    and direction_of_travel = 'deteriorating'
order by scorecard, indicator_code, indicator_title;
