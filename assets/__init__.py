"""Dagster assets: thin wiring of the plain modules in eldercare/ and checks/ to the warehouse."""
