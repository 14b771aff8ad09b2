"""The alliance's statistics (issue 7): figures computed from the records, each with the
filtered list that produces it. Cross-app, so it lives in the project package (DESIGN §2)."""
