-- The confidence limit macros reproduce published limits (seed confidence_interval_references):
-- Wilson to the published decimal places, Byar's within its stated accuracy of the exact limits.
-- Returns the references the macros miss.

with

references_ as (

    select * from {{ ref('confidence_interval_references') }}

),

computed as (

    {% for confidence in [95, 99.8] %}
        select
            reference,
            method,
            confidence,
            observed,
            total,
            published_lower,
            published_upper,
            decimals,
            relative_tolerance,
            case method
                when 'wilson' then {{ wilson_lower('observed', 'total', confidence) }}
                when 'byar' then {{ byar_lower('observed', confidence) }}
            end as computed_lower,
            case method
                when 'wilson' then {{ wilson_upper('observed', 'total', confidence) }}
                when 'byar' then {{ byar_upper('observed', confidence) }}
            end as computed_upper
        from references_
        where confidence = {{ confidence }}
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

final as (

    select *
    from computed
    where
        not (
            case
                when decimals is not null
                    then
                        round(computed_lower, decimals) = round(published_lower, decimals)
                        and round(computed_upper, decimals) = round(published_upper, decimals)
                else
                    abs(computed_lower - published_lower)
                    <= relative_tolerance * published_lower
                    and abs(computed_upper - published_upper)
                    <= relative_tolerance * published_upper
            end
        )

)

select * from final
