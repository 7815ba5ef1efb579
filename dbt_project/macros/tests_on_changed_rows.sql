{#
  Data tests of an incremental build look at the rows that build wrote, not the whole table (issue 19:
  checks scale with the change). A model that keeps a watermark column (config meta.watermark: the
  extraction time of the newest landed record a row is built from) is tested on its rows newer than
  var('changed_since'), which the build passes from the candidate it extends (warehouse/build.py). Without
  the var, as in every full refresh, the whole table is tested.
  Why the rows written suffice: incremental models delete+insert by key, so uniqueness, not-null, accepted
  values and references of the untouched rows were established when they were written, and referenced
  parents (dossiers, documents) are never deleted. The gate's aggregate checks still read the whole table.
#}
{% macro get_where_subquery(relation) -%}
    {%- set where = config.get('where', '') -%}
    {%- set since = var('changed_since', none) -%}
    {%- set watermark = none -%}
    {%- if since and execute and model is defined and model.attached_node -%}
        {%- set watermark = graph.nodes.get(model.attached_node, {}).get('config', {}).get('meta', {}).get('watermark') -%}
    {%- endif -%}
    {%- set conditions = [] -%}
    {%- if where %}{% do conditions.append('(' ~ where ~ ')') %}{% endif -%}
    {%- if watermark %}{% do conditions.append(watermark ~ " > '" ~ since ~ "'::timestamptz") %}{% endif -%}
    {%- if conditions -%}
        {%- do return('(select * from ' ~ relation ~ ' where ' ~ conditions | join(' and ') ~ ') dbt_subquery') -%}
    {%- else -%}
        {%- do return(relation) -%}
    {%- endif -%}
{%- endmacro %}
