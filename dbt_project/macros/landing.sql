{#
  All complete batches of one landed entity (see docs/landing-zone.md). A batch folder appears only
  when complete, so the glob never sees half a batch. No batch at all is a clear error naming the entity.
#}
{% macro landing(system, entity) -%}
    {%- set glob = env_var('CCHC_DATA_DIR', '../data') ~ '/landing/' ~ system ~ '/' ~ entity ~ '/batch=*/part-*.parquet' -%}
    {%- if execute -%}
        {%- set found = run_query("select count(*) from glob('" ~ glob ~ "')").columns[0].values()[0] -%}
        {%- if found == 0 -%}
            {{ exceptions.raise_compiler_error("no landed batch for " ~ system ~ "/" ~ entity ~ " under " ~ glob ~ ": run the extractors first") }}
        {%- endif -%}
    {%- endif -%}
    read_parquet('{{ glob }}', union_by_name = true)
{%- endmacro %}

{% macro vn_compact_ts(column) -%}
    try_strptime({{ column }}, '%Y%m%d%H%M%S')
{%- endmacro %}

{# ISO-8601 with +07:00 → Vietnam local timestamp (naive). #}
{% macro vn_iso_ts(column) -%}
    (try_cast({{ column }} as timestamptz) at time zone 'Asia/Ho_Chi_Minh')
{%- endmacro %}
