-- Every explanation in seed reconciliation_explanations still matches a disagreement in
-- mart_reconciliation, with the same published and computed judgements; returns the stale
-- ones. Passes before any scorecard has been received.

with

explanations as (

    select * from {{ ref('reconciliation_explanations') }}

),

reconciliation as (

    select * from {{ ref('mart_reconciliation') }}

),

final as (

    select explanations.*
    from explanations
    left join reconciliation
        on
            explanations.indicator_code = reconciliation.indicator_code
            and explanations.indicator_title = reconciliation.indicator_title
            and explanations.judgement = reconciliation.judgement
            and explanations.published_judgement = reconciliation.published_judgement
            and explanations.computed_judgement = reconciliation.computed_judgement
            and reconciliation.status = 'disagree'
    where
        reconciliation.reconciliation_id is null
        and exists (select 1 from reconciliation)

)

select * from final
