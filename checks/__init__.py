"""The contract of every table (pandera models, the gate) and the Dagster asset checks that guard each stage."""
