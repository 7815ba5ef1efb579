"""BI on the published warehouse: client environments, and Superset dashboards as code (bi/superset/)."""
