{# Schemas are exactly the folder names (staging, intermediate, marts), not <target>_<folder>. #}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {{ custom_schema_name if custom_schema_name else target.schema }}
{%- endmacro %}
