{#
  Incremental strategy replace_keys (config incremental_strategy='replace_keys'): every target row whose
  unique_key (a list of columns) equals a row of the new batch is deleted, null-safe (a unit without a
  known parent has parent_unit_code null), then the batch rows that satisfy config keep_rows_where are
  inserted. So a batch row can also delete: int_ii06a_counts writes a row whose counts fell to 0 to remove
  the held one. dbt-duckdb's delete+insert compares keys with `=` and cannot delete without inserting.
#}
{% macro get_incremental_replace_keys_sql(arg_dict) -%}
    {%- set target = arg_dict['target_relation'] -%}
    {%- set source = arg_dict['temp_relation'] -%}
    {%- set keys = arg_dict['unique_key'] -%}
    {%- if keys is string or not keys -%}
        {{ exceptions.raise_compiler_error("replace_keys needs unique_key as a list of columns in " ~ target) }}
    {%- endif -%}
    {%- set columns = get_quoted_csv(arg_dict['dest_columns'] | map(attribute='name')) -%}
    delete from {{ target }} as t
    where exists (select 1 from {{ source }} as s where {{ _same_grain('s', 't', keys) }});
    insert into {{ target }} ({{ columns }})
    select {{ columns }} from {{ source }}
    {%- if config.get('keep_rows_where') %} where {{ config.get('keep_rows_where') }}{% endif %}
{%- endmacro %}
