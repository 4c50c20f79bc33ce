"""Numbered SQL migrations: NNNN_name.sql, each one transaction that ends by setting PRAGMA user_version."""
