{#
  Data tests of an incremental build look at the rows that build wrote, not the whole table (issue 19:
  checks scale with the change). A model that keeps a watermark column (config meta.watermark: the
  extraction time of the newest landed record a row is built from) is tested on its rows newer than the
  watermark it held before the build: changed_since() (macros/run_values.sql) maps each such table to it,
  passed by the build from the candidate and work file it extends (warehouse/build.py). Without it, as in
  every full refresh, the whole table is tested.
  Why the rows written suffice: incremental models delete+insert by key, so uniqueness, not-null, accepted
  values and references of the untouched rows were established when they were written, and referenced
  parents (dossiers, documents) are never deleted. The gate's aggregate checks still read the whole table.
#}
{% macro get_where_subquery(relation) -%}
    {%- set where = config.get('where', '') -%}
    {%- set since = none -%}
    {%- if execute and model is defined and model.attached_node -%}
        {%- set node = graph.nodes.get(model.attached_node, {}) -%}
        {%- set watermark = node.get('config', {}).get('meta', {}).get('watermark') -%}
        {%- set held = changed_since().get(node.get('alias') or node.get('name')) -%}
        {%- if watermark and held %}{% set since = watermark ~ " > '" ~ held ~ "'::timestamptz" %}{% endif -%}
    {%- endif -%}
    {%- set conditions = [] -%}
    {%- if where %}{% do conditions.append('(' ~ where ~ ')') %}{% endif -%}
    {%- if since %}{% do conditions.append(since) %}{% endif -%}
    {%- if conditions -%}
        {%- do return('(select * from ' ~ relation ~ ' where ' ~ conditions | join(' and ') ~ ') dbt_subquery') -%}
    {%- else -%}
        {%- do return(relation) -%}
    {%- endif -%}
{%- endmacro %}
