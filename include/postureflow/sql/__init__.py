"""SQL over the findings lake: DuckDB views (``postureflow.sql.views``) and the Athena DDL renderer."""
