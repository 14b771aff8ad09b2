"""Case forms, one module per page group (workflow, intake, sessions)."""
