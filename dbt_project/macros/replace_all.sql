{#
  Incremental strategy replace_all (config incremental_strategy='replace_all'), for reference lists that
  change only with their source: a new batch with rows replaces every row of the table; an empty batch (the
  model found its held list current) keeps them. One transaction, so readers see the old list or the new.
#}
{% macro get_incremental_replace_all_sql(arg_dict) -%}
    {%- set target = arg_dict['target_relation'] -%}
    {%- set source = arg_dict['temp_relation'] -%}
    {%- set columns = get_quoted_csv(arg_dict['dest_columns'] | map(attribute='name')) -%}
    delete from {{ target }} where exists (select 1 from {{ source }});
    insert into {{ target }} ({{ columns }}) select {{ columns }} from {{ source }};
    {#- dbt-duckdb writes a Python model's batch as a table of the target's database (not a temporary one)
        and leaves it there: dropped here, in the same transaction, so no run leaves one behind (and no
        release copies one) #}
    drop table if exists {{ source }}
{%- endmacro %}
