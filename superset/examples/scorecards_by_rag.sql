-- How do the borough's scorecards break down by RAG rating?
-- The executive summary of the monitoring report (seed 002, Agenda Item 6) counts indicators
-- by strategic objective and rating; this is the same count by scorecard, with the share
-- rated red and the rows that are LAA indicators.
select
    strategic_objective,
    scorecard,
    count(*) as indicators,
    count(*) filter (where rag = 'red') as red,
    count(*) filter (where rag = 'amber') as amber,
    count(*) filter (where rag = 'green') as green,
    round(100.0 * count(*) filter (where rag = 'red') / count(*), 1) as pct_red,
    count(*) filter (where is_laa) as laa_indicators
from marts.published_scorecard
group by strategic_objective, scorecard
order by strategic_objective, scorecard;
