"""Programme figures: one module per topic, each computing its figures in DuckDB SQL over whole tables."""
